"""The team summary's chart: follow-ups per rep and the follow-up funnel, drawn as a PNG with Pillow, in Chinese too."""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.services.evidence import FollowUpsPay
from bot.services.summary import SummaryData
from bot.text.i18n import t

WIDTH, HEIGHT = 800, 500
BACKGROUND = (255, 255, 255)
TEXT_COLOUR = (40, 40, 40)
MUTED_COLOUR = (120, 120, 120)
RULE_COLOUR = (220, 220, 220)
REP_BAR_COLOUR = (37, 99, 235)  # tests look for this exact colour to measure the bars
FUNNEL_BAR_COLOUR = (16, 150, 120)
ZERO_MARK_COLOUR = (220, 38, 38)  # a rep with open leads and no follow-up: a short red mark; tests count them
ZERO_MARK_WIDTH = 6
WON_SHARE_COLOUR = (217, 119, 6)  # tests look for this exact colour to measure the won-share bars
EVIDENCE_HEIGHT = 130  # the won-share strip under the two panels
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

# Fonts with Chinese glyphs, looked for in this order: Debian's and Ubuntu's packages, then macOS's and Windows'.
# scripts/test and scripts/run install fonts-wqy-microhei (WenQuanYi Micro Hei: Apache-2.0, or GPL-3 with the
# font exception); Noto Sans CJK (fonts-noto-cjk, SIL Open Font License 1.1) is used first where it is installed.
CJK_FONTS: tuple[tuple[str, int], ...] = (  # (file, face in a collection)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2: Simplified Chinese
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)

logger = logging.getLogger(__name__)


def summary_chart(
    data: SummaryData, labels: dict[str, str], lang: str | None = None, follow_ups: FollowUpsPay | None = None
) -> bytes:
    """A PNG of WIDTH×HEIGHT; `labels` maps user ids to display names (the id is shown when missing). With
    `follow_ups`, a strip below (EVIDENCE_HEIGHT) shows the won share by follow-up count."""
    image = Image.new("RGB", (WIDTH, HEIGHT + (EVIDENCE_HEIGHT if follow_ups else 0)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # Reps with open leads and no follow-up in the period are drawn too (with a mark): they matter most.
    everyone = {**{rep: 0 for rep in data.goal_by_rep}, **data.touches_by_rep}
    _reps_panel(draw, everyone, labels, lang)
    draw.line([(FUNNEL_LEFT - 20, PLOT_TOP - 8), (FUNNEL_LEFT - 20, HEIGHT - 16)], fill=RULE_COLOUR, width=1)
    _funnel_panel(draw, data.funnel, lang)
    if follow_ups is not None:
        draw.line([(REPS_LEFT, HEIGHT - 4), (FUNNEL_RIGHT, HEIGHT - 4)], fill=RULE_COLOUR, width=1)
        _won_share_panel(draw, follow_ups, lang)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# -- panels ----------------------------------------------------------------------------------------


def _reps_panel(draw: ImageDraw.ImageDraw, touches_by_rep: dict[str, int], labels: dict[str, str], lang) -> None:
    title = _catalog("chart.reps_title", lang)
    draw.text((REPS_LEFT, TITLE_TOP), title, font=_font_for(title, 16), fill=TEXT_COLOUR)
    ranked = sorted(((count, user) for user, count in touches_by_rep.items()), key=lambda r: (-r[0], r[1]))
    if not ranked:
        _note(draw, (REPS_LEFT + REPS_RIGHT) // 2, _catalog("chart.no_follow_ups", lang))
        return
    shown, hidden = ranked[:REPS_SHOWN], len(ranked) - REPS_SHOWN
    rows = len(shown) + (1 if hidden > 0 else 0)
    row = min(ROW_HEIGHT_MAX, (PLOT_BOTTOM - PLOT_TOP) // rows)
    bar_left = REPS_LEFT + NAME_WIDTH + 8
    scale = (REPS_RIGHT - NUMBER_ROOM - bar_left) / max(shown[0][0], 1)
    font = _font(13)
    for i, (count, user) in enumerate(shown):
        top = PLOT_TOP + i * row
        bar_top, bar_bottom = top + 4, top + row - 4
        middle = (bar_top + bar_bottom) // 2
        name = _display_name(user, labels)
        name_font = _font_for(name, 13)
        name = _fit(name, name_font, NAME_WIDTH)
        draw.text((REPS_LEFT + NAME_WIDTH, middle), name, font=name_font, fill=TEXT_COLOUR, anchor="rm")
        if count > 0:
            bar_right = bar_left + max(2, round(count * scale))
            draw.rectangle([bar_left, bar_top, bar_right, bar_bottom], fill=REP_BAR_COLOUR)
        else:
            bar_right = bar_left + ZERO_MARK_WIDTH
            draw.rectangle([bar_left, bar_top, bar_right, bar_bottom], fill=ZERO_MARK_COLOUR)
        draw.text((bar_right + 6, middle), f"{count:,}", font=font, fill=TEXT_COLOUR, anchor="lm")
    if hidden > 0:
        more = _catalog("chart.more_reps", lang, count=hidden)
        draw.text((REPS_LEFT + NAME_WIDTH, PLOT_TOP + len(shown) * row + row // 2), more, font=_font_for(more, 13),
                  fill=MUTED_COLOUR, anchor="rm")


def _funnel_panel(draw: ImageDraw.ImageDraw, funnel: tuple[int, ...], lang) -> None:
    title = _catalog("chart.funnel_title", lang)
    draw.text((FUNNEL_LEFT, TITLE_TOP), title, font=_font_for(title, 16), fill=TEXT_COLOUR)
    font = _font(13)
    baseline = PLOT_BOTTOM - 28
    slot = (FUNNEL_RIGHT - FUNNEL_LEFT) / len(FUNNEL_LABELS)
    draw.line([(FUNNEL_LEFT, baseline), (FUNNEL_RIGHT, baseline)], fill=MUTED_COLOUR, width=1)
    for i, label in enumerate(FUNNEL_LABELS):
        centre = FUNNEL_LEFT + slot * i + slot / 2
        draw.text((centre, baseline + 6), label, font=font, fill=TEXT_COLOUR, anchor="mt")
    axis = _catalog("chart.funnel_axis", lang)
    draw.text(((FUNNEL_LEFT + FUNNEL_RIGHT) / 2, baseline + 26), axis, font=_font_for(axis, 13), fill=MUTED_COLOUR,
              anchor="mt")
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


def _won_share_panel(draw: ImageDraw.ImageDraw, pay: FollowUpsPay, lang) -> None:
    """One bar per follow-up bucket, as long as its won share; a bucket too small for a share shows its counts."""
    top = HEIGHT + 8
    title = _catalog("chart.won_share_title", lang, months=pay.months)
    draw.text((REPS_LEFT, top), title, font=_font_for(title, 16), fill=TEXT_COLOUR)
    if not pay.enough:
        note = _catalog("chart.won_share_not_enough", lang, closed=pay.closed, months=pay.months)
        draw.text(((REPS_LEFT + FUNNEL_RIGHT) // 2, top + EVIDENCE_HEIGHT // 2), note, font=_font_for(note, 14),
                  fill=MUTED_COLOUR, anchor="mm")
        return
    font = _font(13)
    bar_left, bar_right = REPS_LEFT + NAME_WIDTH + 8, FUNNEL_RIGHT - 160
    for i, bucket in enumerate(pay.buckets):
        row_top = top + 32 + i * 30
        middle = row_top + 11
        label = _catalog("chart.won_share_bucket", lang, label=_bucket_text(bucket))
        draw.text((REPS_LEFT + NAME_WIDTH, middle), label, font=_font_for(label, 13), fill=TEXT_COLOUR, anchor="rm")
        if bucket.percent is not None and bucket.percent > 0:
            right = bar_left + max(2, round((bar_right - bar_left) * bucket.percent / 100))
            draw.rectangle([bar_left, row_top + 2, right, row_top + 20], fill=WON_SHARE_COLOUR)
        else:
            right = bar_left
        shown = f"{bucket.percent}%  ({bucket.won}/{bucket.closed})" if bucket.percent is not None else (
            f"{bucket.won}/{bucket.closed}"
        )
        draw.text((right + 6, middle), shown, font=font, fill=TEXT_COLOUR, anchor="lm")


def _bucket_text(bucket) -> str:
    return f"{bucket.low}+" if bucket.high is None else f"{bucket.low}-{bucket.high}"


def _note(draw: ImageDraw.ImageDraw, centre_x: int, text: str) -> None:
    draw.text((centre_x, (PLOT_TOP + PLOT_BOTTOM) // 2), text, font=_font_for(text, 14), fill=MUTED_COLOUR,
              anchor="mm")


# -- text a font can draw ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's own scalable font (Pillow ≥ 10.1): Latin text looks the same wherever leadbot runs."""
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=1)
def cjk_font_file() -> tuple[str, int] | None:
    """The first font of CJK_FONTS on this machine, as (file, face); None, said once in the log, when there is none."""
    for path, face in CJK_FONTS:
        if Path(path).is_file():
            return path, face
    logger.warning(
        "no font with Chinese glyphs found (looked for %s); the summary chart shows Chinese text in English and "
        "Chinese names as user ids. Install one, e.g. `apt-get install fonts-wqy-microhei`.",
        ", ".join(path for path, _ in CJK_FONTS),
    )
    return None


@lru_cache(maxsize=8)
def _cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    found = cjk_font_file()
    return None if found is None else ImageFont.truetype(found[0], size, index=found[1])


def _font_for(text: str, size: int) -> ImageFont.FreeTypeFont:
    """The built-in font for what it can draw, the CJK font for Chinese (and whatever else only it has)."""
    if _covers(_font(size), text):
        return _font(size)
    cjk = _cjk_font(size)
    return cjk if cjk is not None and _covers(cjk, text) else _font(size)


def _catalog(key: str, lang: str | None, **params: object) -> str:
    """Catalog text in `lang`, or in English when no font here can draw that translation."""
    text = _drawable(t(key, lang, **params))
    return text if text is not None else t(key, **params)


def _display_name(user: str, labels: dict[str, str]) -> str:
    # "José" becomes "Jose"; "王芳" is drawn with the CJK font; a name no font here can draw shows the id.
    name = labels.get(user) or ""
    return _drawable(name) or user


def _drawable(text: str) -> str | None:
    """`text` with accents and typographic dashes folded so a font here draws it, or None when none can."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("—", "-").replace("–", "-").replace("…", ELLIPSIS).replace("’", "'")
    if _covers(_font(13), folded):
        return folded
    cjk = _cjk_font(13)
    if cjk is None:
        return None
    # Chinese as written ("在跟线索：…" keeps its full-width colon); folded only if the CJK font needs it.
    return next((candidate for candidate in (text, folded) if _covers(cjk, candidate)), None)


def _covers(font: ImageFont.FreeTypeFont, text: str) -> bool:
    """Whether `font` has a glyph for every character of `text` (a missing one draws as its "missing" box)."""
    missing = _glyph(font, "\uffff")  # a noncharacter: no font has it, so this is the box
    return all(c.isspace() or _glyph(font, c) != missing for c in text)


@lru_cache(maxsize=8192)
def _glyph(font: ImageFont.FreeTypeFont, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def _fit(text: str, font, width: int) -> str:
    """Cut `text` to `width` pixels, marking the cut."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS
