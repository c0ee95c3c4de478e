"""The `leadbot` command and its sub-commands."""
