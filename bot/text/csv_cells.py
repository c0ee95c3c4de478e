"""Spreadsheet cells that must not run as formulas (OWASP's CSV injection advice), and back again."""

from __future__ import annotations

import re

# What a spreadsheet takes for a formula at the start of a cell; a guard's quote may already precede it.
_GUARDED = re.compile(r"'*[=+\-@\t\r]")
_UNGUARD = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """`=HYPERLINK(…)` → `'=HYPERLINK(…)`: shown as text, never run.

    A value that already starts with quotes before such a character gets one more, so that `restore` can tell
    the guard from a quote that was part of the value: restore(neutralise(v)) == v for every v.
    """
    return "'" + value if _GUARDED.match(value) else value


def restore(cell: str) -> str:
    """Undo exactly what `neutralise` added: one leading quote, and only before what it guards against."""
    return cell[1:] if _UNGUARD.match(cell) else cell
