"""Owns time: decides what is due and runs it (see scheduler.runner)."""
