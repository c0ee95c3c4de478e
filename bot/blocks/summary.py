"""The team summary message for the channel, built from SummaryData; it reads on its own without the chart."""

from __future__ import annotations

from decimal import Decimal

from bot.blocks import kit
from bot.services.buyer_replies import ReplyStats
from bot.services.leads import LOST_REASONS, SOURCES, TOUCH_KINDS, TOUCH_SOURCES, TYPED
from bot.services.small_buyers import REASONS as SMALL_REASONS
from bot.services.summary import SummaryData
from bot.text.amounts import money
from bot.text.formatting import amount, goal_aim
from bot.text.i18n import has_message, t, tn

LINES_BUDGET = 2600  # characters for a section's list, leaving room for its heading inside Slack's 3000
REPS_MAX = 30  # more reps than this read as a wall; the chart and "and N more" cover the rest
INLINE_SEP = " · "
FUNNEL_LABELS = ("0", "1", "2", "3", "4", "5+")


REPS_IN_SECTION = 20


def summary_message(
    data: SummaryData, period_label: str, currency: str, lang: str | None = None, response_times: list | None = None,
    buyer_replies: ReplyStats | None = None,
) -> dict:
    """Header, then one section per metric: new, follow-ups, gone quiet, won/lost, small buyers, pipeline, owners,
    how fast inbound enquiries were picked up, and how fast buyers who wrote back were answered."""
    blocks = [kit.header(t("summary.header", lang, period=period_label))]
    replied = buyer_replies is not None and buyer_replies.replies > 0
    if data.is_empty and not response_times and not replied:
        blocks.append(kit.section(t("summary.nothing", lang)))
    else:
        blocks += [kit.section(text) for text in _sections(data, currency, lang)]
        if response_times:
            blocks.append(kit.section(_response_times(response_times, lang)))
        if replied:
            blocks.append(kit.section(_buyer_replies(buyer_replies, lang)))
        blocks.append(kit.context(t("summary.goal_hint", lang, aim=goal_aim(data.min_touches, data.touch_goal))))
    fallback = t(
        "summary.fallback", lang, period=period_label,
        new=tn("count.new_enquiries", sum(data.new_by_source.values()), lang),
        touches=tn("count.follow_ups", sum(data.touches_by_rep.values()), lang),
        won=data.won, lost=sum(data.lost_by_reason.values()),
    )
    return kit.message(blocks, fallback)


def _sections(data: SummaryData, currency: str, lang: str | None) -> list[str]:
    sections = [
        _new_enquiries(data, lang),
        _follow_ups(data, lang),
        *_follow_up_kinds(data, lang),
        *_follow_up_sources(data, lang),
        # Buyer replies and how fast they were answered (issue 14) go here, after where follow-ups came from.
        _funnel(data, lang),
        _gone_quiet(data, lang),
        _won_and_lost(data, lang),
    ]
    if data.answers_by_reason:
        sections.append(_small_buyers(data, lang))
    sections.append(_pipeline(data, currency, lang))
    if data.background_by_rep:
        sections.append(_background(data, lang))
    if data.needs_new_owner > 0:
        sections.append(tn("summary.needs_owner", data.needs_new_owner, lang))
    return sections


# -- one section per metric ----------------------------------------------------------------------


def _response_times(times: list, lang: str | None) -> str:
    """Inbound enquiries per rep: median and slowest time to claim, and to the first logged follow-up."""
    lines = []
    for rep in sorted(times, key=lambda r: r.median_to_claim)[:REPS_IN_SECTION]:
        touch = (
            t("summary.response_touch", lang, median=duration(rep.median_to_first_touch, lang),
              slowest=duration(rep.slowest_to_first_touch, lang))
            if rep.median_to_first_touch is not None else t("summary.response_no_touch", lang)
        )
        lines.append(
            tn("summary.response_line", rep.enquiries, lang, user=rep.owner_id,
              median=duration(rep.median_to_claim, lang), slowest=duration(rep.slowest_to_claim, lang), touch=touch)
        )
    return kit.fit(t("summary.response_header", lang) + "\n" + "\n".join(lines), kit.SECTION_TEXT_MAX)


def _buyer_replies(stats: ReplyStats, lang: str | None) -> str:
    """Buyers who wrote back in the period, and how fast their owners answered (the median; still waiting)."""
    answered = (
        t("summary.replies_answered", lang, median=duration(stats.median_to_answer, lang))
        if stats.median_to_answer is not None else t("summary.replies_none_answered", lang)
    )
    waiting = tn("summary.replies_waiting", stats.waiting, lang) if stats.waiting else ""
    return tn("summary.replies", stats.replies, lang, answered=answered, waiting=waiting)


def duration(span, lang: str | None) -> str:
    """12 min / 3 h / 2 d, in the reader's words."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 90:
        return t("duration.minutes", lang, count=minutes)
    if minutes < 36 * 60:
        return t("duration.hours", lang, count=round(minutes / 60))
    return t("duration.days", lang, count=round(minutes / 1440))



def _new_enquiries(data: SummaryData, lang: str | None) -> str:
    total = sum(data.new_by_source.values())
    if total == 0:
        return t("summary.new_none", lang)
    counted = _by_count(data.new_by_source, order=SOURCES)
    items = [t("summary.count", lang, label=_label("source", key, lang), count=n) for key, n in counted]
    return t("summary.new", lang, count=total, lines=_inline(items, lang))


def _follow_ups(data: SummaryData, lang: str | None) -> str:
    reached = sum(at_goal for at_goal, _ in data.goal_by_rep.values())
    owned = sum(total for _, total in data.goal_by_rep.values())
    goal = {"min": data.min_touches, "reached": reached, "open": owned}
    touches = sum(data.touches_by_rep.values())
    if touches == 0:
        return t("summary.follow_ups_none", lang, **goal)
    reps = sorted(
        set(data.touches_by_rep) | set(data.goal_by_rep),
        key=lambda rep: (-data.touches_by_rep.get(rep, 0), -data.goal_by_rep.get(rep, (0, 0))[1], rep),
    )
    lines = [_rep_line(data, rep, lang) for rep in reps]
    return t("summary.follow_ups", lang, count=touches, lines=_lines(lines, lang, REPS_MAX), **goal)


def _follow_up_kinds(data: SummaryData, lang: str | None) -> list[str]:
    """How the follow-ups were made — calls, WeChat, email…: a line when there were any."""
    if not data.touches_by_kind:
        return []
    counted = _by_count(data.touches_by_kind, order=TOUCH_KINDS)
    items = [t("summary.count", lang, label=_label("kind", kind, lang), count=n) for kind, n in counted]
    return [t("summary.by_kind", lang, lines=_inline(items, lang))]


def _follow_up_sources(data: SummaryData, lang: str | None) -> list[str]:
    """Typed, read from the sales mailbox, said in a shared channel: a line once any logged itself."""
    if not any(n for source, n in data.touches_by_source.items() if source != TYPED):
        return []
    counted = _by_count(data.touches_by_source, order=TOUCH_SOURCES)
    items = [t("summary.count", lang, label=_label("touch_source", key, lang), count=n) for key, n in counted]
    return [t("summary.by_source", lang, lines=_inline(items, lang))]


def _rep_line(data: SummaryData, rep: str, lang: str | None) -> str:
    reached, owned = data.goal_by_rep.get(rep, (0, 0))
    touches = data.touches_by_rep.get(rep, 0)
    return tn("summary.rep_line", touches, lang, user=rep, reached=reached, open=owned, min=data.min_touches)


def _funnel(data: SummaryData, lang: str | None) -> str:
    items = [
        t("summary.count", lang, label=f"{label}:", count=n)
        for label, n in zip(FUNNEL_LABELS, data.funnel, strict=False)
    ]
    return t("summary.funnel", lang, lines=INLINE_SEP.join(items))


def _background(data: SummaryData, lang: str | None) -> str:
    """Per rep, their open leads by how much of the buyer's background is known: none, 1/4 … 4/4 (zeros left out)."""
    lines = []
    # Most leads with nothing known first: those are the reps who should ask plainly.
    for rep, counts in sorted(data.background_by_rep.items(), key=lambda item: (-item[1][0], -sum(item[1]), item[0])):
        items = [
            t("summary.background_none", lang, count=n) if known == 0
            else t("summary.background_count", lang, known=known, count=n)
            for known, n in enumerate(counts) if n
        ]
        lines.append(t("summary.background_line", lang, user=rep, counts=INLINE_SEP.join(items)))
    return t("summary.background", lang, lines=_lines(lines, lang, REPS_MAX))


def _gone_quiet(data: SummaryData, lang: str | None) -> str:
    if data.went_quiet == 0:
        return t("summary.quiet_none", lang)
    return tn("summary.quiet", data.went_quiet, lang, revived=data.revived)


def _won_and_lost(data: SummaryData, lang: str | None) -> str:
    lost = sum(data.lost_by_reason.values())
    reasons = ""
    if lost:
        counted = _by_count(data.lost_by_reason, order=LOST_REASONS)
        items = [t("summary.count", lang, label=_label("reason", key, lang), count=n) for key, n in counted]
        reasons = t("summary.lost_reasons", lang, lines=_inline(items, lang))
    text = t("summary.closed", lang, won=data.won, lost=lost, reasons=reasons)
    if data.refused:
        text += "\n" + tn("summary.refused", data.refused, lang)
    return text


def _small_buyers(data: SummaryData, lang: str | None) -> str:
    counted = _by_count(data.answers_by_reason, order=tuple(SMALL_REASONS))
    items = [t("summary.count", lang, label=_label("reason_small", key, lang), count=n) for key, n in counted]
    return t("summary.small_buyers", lang, lines=_inline(items, lang))


def _pipeline(data: SummaryData, currency: str, lang: str | None) -> str:
    """Money in the team currency as one total; claimed potentials in other units listed per unit, never added in."""
    units = [
        t("summary.pipeline_unit", lang, claimed=amount(claimed, kit.user_text(unit, 60)),
          realistic=amount(realistic, kit.user_text(unit, 60)))
        for unit, claimed, realistic in data.pipeline_units
    ]
    if data.pipeline_claimed <= 0:
        if units:
            return t("summary.pipeline_units_only", lang, lines=_inline(units, lang))
        return t("summary.pipeline_none", lang)
    share = (data.pipeline_realistic / data.pipeline_claimed * 100).quantize(Decimal(1))
    text = t(
        "summary.pipeline", lang, claimed=money(data.pipeline_claimed, currency),
        realistic=money(data.pipeline_realistic, currency), percent=share,
    )
    if units:
        text += "\n" + t("summary.pipeline_units", lang, lines=_inline(units, lang))
    return text


# -- helpers -------------------------------------------------------------------------------------


def _by_count(counts: dict[str, int], order: tuple[str, ...]) -> list[tuple[str, int]]:
    """Biggest first; ties in the catalog's own order, unknown keys last, so the message reads the same each week."""
    rank = {key: i for i, key in enumerate(order)}
    return sorted(((k, n) for k, n in counts.items() if n), key=lambda kn: (-kn[1], rank.get(kn[0], len(rank)), kn[0]))


def _label(prefix: str, key: str, lang: str | None) -> str:
    # A value stored before its label existed (or by a newer version) still shows, escaped, instead of failing.
    return t(f"{prefix}.{key}", lang) if has_message(f"{prefix}.{key}") else kit.user_text(key, 60)


def _inline(items: list[str], lang: str | None) -> str:
    return _join(items, INLINE_SEP, lang, len(items))


def _lines(items: list[str], lang: str | None, most: int) -> str:
    return _join(items, "\n", lang, most)


def _join(items: list[str], separator: str, lang: str | None, most: int) -> str:
    """Join up to `most` items within LINES_BUDGET characters, then say how many were left out."""
    kept: list[str] = []
    used = 0
    for item in items[:most]:
        if used + len(item) + len(separator) > LINES_BUDGET:
            break
        kept.append(item)
        used += len(item) + len(separator)
    left = len(items) - len(kept)
    if left:
        kept.append(t("summary.more", lang, count=left))
    return separator.join(kept)
