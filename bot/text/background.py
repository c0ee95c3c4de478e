"""The buyer's background as reps write it in free notes: labelled lines ("P: …", "问题：…") read as its parts."""

from __future__ import annotations

import re

# The four things discovery asks about, in the order they are asked (SPIN).
PARTS = ("situation", "problem", "implication", "need_payoff")

# What a rep may write before a line to say which part it is: the English word or its first letter, the Chinese word.
_LABELS = {
    "situation": ("s", "situation", "现状", "情况", "背景"),
    "problem": ("p", "problem", "problems", "问题", "痛点"),
    "implication": ("i", "implication", "implications", "影响", "后果"),
    "need_payoff": (
        "n", "need-payoff", "need payoff", "need_payoff", "needpayoff", "need", "payoff", "需求价值", "价值",
    ),
}
_PART_OF = {label: part for part, labels in _LABELS.items() for label in labels}
_LABELLED = re.compile(
    r"^\s*(" + "|".join(sorted(map(re.escape, _PART_OF), key=len, reverse=True)) + r")\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)
# The dated lines leadbot itself adds to the notes (what a rep wrote when closing a lead was refused): remarks, not
# background.
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}: ")


def read_notes(notes: str | None) -> dict[str, str]:
    """The parts of the background a lead's notes tell: labelled lines (and the lines after them) go to their part;
    text before any label is what the rep learned of the buyer's situation. Parts the notes do not tell are left out.

    `"S: 40 km of pipeline\\nP: corrosion at the welds"` → situation and problem; `"Wants 40 km coated"` → situation.
    """
    found: dict[str, list[str]] = {}
    part = "situation"
    for line in (notes or "").splitlines():
        if _DATED.match(line):
            continue
        match = _LABELLED.match(line)
        if match:
            part = _PART_OF[match.group(1).lower()]
            line = match.group(2)
        if line.strip():
            found.setdefault(part, []).append(line.strip())
    return {part: "\n".join(lines) for part, lines in found.items()}


def notes_beyond(notes: str | None, known: dict[str, str]) -> str:
    """The lines of `notes` that the known parts do not already say (so a card does not show them twice)."""
    said = {line.strip() for text in known.values() for line in text.splitlines()}
    kept = []
    for line in (notes or "").splitlines():
        match = _LABELLED.match(line)
        text = (match.group(2) if match and not _DATED.match(line) else line).strip()
        if text and text not in said:
            kept.append(line)
    return "\n".join(kept).strip()
