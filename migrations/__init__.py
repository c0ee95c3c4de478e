"""Alembic migrations for leadbot's schema."""
