"""Owns time: decides what is due and posts it (scheduler.runner runs the kinds registered in scheduler.kinds)."""
