"""The team summary's chart: follow-ups per rep and the follow-up funnel, drawn as a PNG with Pillow."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from bot.services.summary import SummaryData
from bot.text.i18n import t

WIDTH, HEIGHT = 800, 500
BACKGROUND = (255, 255, 255)
TEXT_COLOUR = (40, 40, 40)
MUTED_COLOUR = (120, 120, 120)
RULE_COLOUR = (220, 220, 220)
REP_BAR_COLOUR = (37, 99, 235)  # tests look for this exact colour to measure the bars
FUNNEL_BAR_COLOUR = (16, 150, 120)
REPS_SHOWN = 15
FUNNEL_LABELS = ("0", "1", "2", "3", "4", "5+")

# Panels: the reps on the left, the funnel on the right.
REPS_LEFT, REPS_RIGHT = 16, 440
FUNNEL_LEFT, FUNNEL_RIGHT = 480, 784
TITLE_TOP = 16
PLOT_TOP, PLOT_BOTTOM = 56, 452
NAME_WIDTH = 120
NUMBER_ROOM = 40  # space after the longest bar for its number
ROW_HEIGHT_MAX = 26
ELLIPSIS = "..."  # the built-in font has no "…"


def summary_chart(data: SummaryData, labels: dict[str, str], lang: str | None = None) -> bytes:
    """A PNG of WIDTH×HEIGHT; `labels` maps user ids to display names (the id is shown when missing)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _reps_panel(draw, data.touches_by_rep, labels, lang)
    draw.line([(FUNNEL_LEFT - 20, PLOT_TOP - 8), (FUNNEL_LEFT - 20, HEIGHT - 16)], fill=RULE_COLOUR, width=1)
    _funnel_panel(draw, data.funnel, lang)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# -- panels ----------------------------------------------------------------------------------------


def _reps_panel(draw: ImageDraw.ImageDraw, touches_by_rep: dict[str, int], labels: dict[str, str], lang) -> None:
    draw.text((REPS_LEFT, TITLE_TOP), _catalog("chart.reps_title", lang), font=_font(16), fill=TEXT_COLOUR)
    ranked = sorted(((count, user) for user, count in touches_by_rep.items() if count > 0), key=lambda r: (-r[0], r[1]))
    if not ranked:
        _note(draw, (REPS_LEFT + REPS_RIGHT) // 2, _catalog("chart.no_follow_ups", lang))
        return
    shown, hidden = ranked[:REPS_SHOWN], len(ranked) - REPS_SHOWN
    rows = len(shown) + (1 if hidden > 0 else 0)
    row = min(ROW_HEIGHT_MAX, (PLOT_BOTTOM - PLOT_TOP) // rows)
    bar_left = REPS_LEFT + NAME_WIDTH + 8
    scale = (REPS_RIGHT - NUMBER_ROOM - bar_left) / shown[0][0]
    font = _font(13)
    for i, (count, user) in enumerate(shown):
        top = PLOT_TOP + i * row
        bar_top, bar_bottom = top + 4, top + row - 4
        middle = (bar_top + bar_bottom) // 2
        name = _fit(_display_name(user, labels), font, NAME_WIDTH)
        draw.text((REPS_LEFT + NAME_WIDTH, middle), name, font=font, fill=TEXT_COLOUR, anchor="rm")
        bar_right = bar_left + max(2, round(count * scale))
        draw.rectangle([bar_left, bar_top, bar_right, bar_bottom], fill=REP_BAR_COLOUR)
        draw.text((bar_right + 6, middle), f"{count:,}", font=font, fill=TEXT_COLOUR, anchor="lm")
    if hidden > 0:
        more = _catalog("chart.more_reps", lang, count=hidden)
        draw.text((REPS_LEFT + NAME_WIDTH, PLOT_TOP + len(shown) * row + row // 2), more, font=font, fill=MUTED_COLOUR,
                  anchor="rm")


def _funnel_panel(draw: ImageDraw.ImageDraw, funnel: tuple[int, ...], lang) -> None:
    draw.text((FUNNEL_LEFT, TITLE_TOP), _catalog("chart.funnel_title", lang), font=_font(16), fill=TEXT_COLOUR)
    font = _font(13)
    baseline = PLOT_BOTTOM - 28
    slot = (FUNNEL_RIGHT - FUNNEL_LEFT) / len(FUNNEL_LABELS)
    draw.line([(FUNNEL_LEFT, baseline), (FUNNEL_RIGHT, baseline)], fill=MUTED_COLOUR, width=1)
    for i, label in enumerate(FUNNEL_LABELS):
        centre = FUNNEL_LEFT + slot * i + slot / 2
        draw.text((centre, baseline + 6), label, font=font, fill=TEXT_COLOUR, anchor="mt")
    axis = _catalog("chart.funnel_axis", lang)
    draw.text(((FUNNEL_LEFT + FUNNEL_RIGHT) / 2, baseline + 26), axis, font=font, fill=MUTED_COLOUR, anchor="mt")
    highest = max(funnel, default=0)
    if highest <= 0:
        _note(draw, (FUNNEL_LEFT + FUNNEL_RIGHT) // 2, _catalog("chart.no_open_leads", lang))
        return
    scale = (baseline - PLOT_TOP - 24) / highest
    for i, count in enumerate(funnel[: len(FUNNEL_LABELS)]):
        centre = FUNNEL_LEFT + slot * i + slot / 2
        top = baseline - (max(2, round(count * scale)) if count > 0 else 0)
        if count > 0:
            draw.rectangle([round(centre - slot * 0.32), top, round(centre + slot * 0.32), baseline - 1],
                           fill=FUNNEL_BAR_COLOUR)
        draw.text((centre, top - 4), f"{count:,}", font=font, fill=TEXT_COLOUR, anchor="mb")


def _note(draw: ImageDraw.ImageDraw, centre_x: int, text: str) -> None:
    draw.text((centre_x, (PLOT_TOP + PLOT_BOTTOM) // 2), text, font=_font(14), fill=MUTED_COLOUR, anchor="mm")


# -- text the built-in font can draw ------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's own scalable font (Pillow ≥ 10.1), so no font file has to be shipped or fetched."""
    return ImageFont.load_default(size=size)


def _catalog(key: str, lang: str | None, **params: object) -> str:
    """Catalog text in `lang`, or in English when the built-in font can't draw that translation."""
    text = _drawable(t(key, lang, **params))
    return text if text is not None else t(key, **params)


def _display_name(user: str, labels: dict[str, str]) -> str:
    # The built-in font has Latin letters only: "José" becomes "Jose", and a name it can't draw at all shows the id.
    name = labels.get(user) or ""
    return _drawable(name) or user


def _drawable(text: str) -> str | None:
    """`text` with accents and typographic dashes folded so the built-in font draws it, or None when it can't."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("—", "-").replace("–", "-").replace("…", ELLIPSIS).replace("’", "'")
    missing = _missing_glyph()
    if any(not c.isspace() and _glyph(c) == missing for c in folded):
        return None
    return folded


@lru_cache(maxsize=4096)
def _glyph(char: str) -> tuple:
    mask = _font(13).getmask(char)
    return mask.size, bytes(mask)


def _missing_glyph() -> tuple:
    return _glyph("\uffff")  # a noncharacter: no font has it, so this is the "missing" box


def _fit(text: str, font, width: int) -> str:
    """Cut `text` to `width` pixels, marking the cut."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS
