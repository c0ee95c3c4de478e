"""Block Kit for "does the method pay?": follow-ups that won, claims that came true, small buyers asked."""

from __future__ import annotations

from decimal import Decimal

from bot.blocks import contract, kit
from bot.services.evidence import AskedBuyers, Bucket, ClaimsCameTrue, Evidence, FollowUpsPay, whole_percent
from bot.services.small_buyers import REASONS as SMALL_REASONS
from bot.text.amounts import money
from bot.text.i18n import has_message, t, tn

SEPARATOR = " · "


def bucket_label(bucket: Bucket, lang: str | None = None) -> str:
    """0–2, 3–5, 6+."""
    if bucket.high is None:
        return t("evidence.bucket_open", lang, low=bucket.low)
    return t("evidence.bucket", lang, low=bucket.low, high=bucket.high)


def _number(value: Decimal) -> str:
    """A median follow-up count: 4, or 3.5 between two."""
    return f"{value.normalize():f}"


def follow_ups_text(pay: FollowUpsPay, lang: str | None = None, title: bool = True) -> str:
    """Won share by follow-up count, the median follow-up of a win, and leads that came back after the 3rd."""
    heading = (t("evidence.title_me", lang) if pay.owner else t("evidence.title", lang)) + "\n" if title else ""
    if not pay.enough:
        return heading + t("evidence.not_enough", lang, closed=pay.closed, months=pay.months, needed=10)
    items = []
    for bucket in pay.buckets:
        label = bucket_label(bucket, lang)
        if bucket.percent is None:
            items.append(t("evidence.bucket_counts", lang, label=label, won=bucket.won, closed=bucket.closed))
        else:
            items.append(
                t("evidence.bucket_share", lang, label=label, won=bucket.won, closed=bucket.closed,
                  percent=bucket.percent)
            )
    lines = [tn("evidence.closed", pay.closed, lang, months=pay.months, buckets=SEPARATOR.join(items))]
    if pay.median_won_at is not None:
        lines.append(t("evidence.median", lang, touch=_number(pay.median_won_at)))
    lines.append(tn("evidence.revived", pay.revived, lang, won=pay.revived_won))
    return heading + "\n".join(lines)


def asked_text(asked: tuple[AskedBuyers, ...], currency: str, lang: str | None = None) -> str:
    """Per answer to "why so little from us?": accounts, and their orders 6 months before against 6 months after."""
    if not asked:
        return t("evidence.asked_title", lang) + "\n" + t("evidence.asked_none", lang)
    rank = {reason: i for i, reason in enumerate(SMALL_REASONS)}
    lines = []
    for row in sorted(asked, key=lambda a: (-a.accounts, rank.get(a.reason, len(rank)), a.reason)):
        key = f"reason_small.{row.reason}"
        reason = t(key, lang) if has_message(key) else kit.user_text(row.reason, 60)
        change = ""
        if row.before > 0:
            percent = whole_percent(int((row.after - row.before) * 100), int(row.before * 100))
            change = t("evidence.asked_change", lang, percent=f"{percent:+d}")
        lines.append(
            tn("evidence.asked_line", row.accounts, lang, reason=reason, before=money(row.before, currency),
               after=money(row.after, currency), change=change)
        )
    return t("evidence.asked_title", lang) + "\n" + "\n".join(lines)


def claims_text(claims: ClaimsCameTrue, lang: str | None = None) -> str:
    """For the settings form: how the team's claims came true beside the factor it plans on."""
    if not claims.enough:
        return t("evidence.claims_not_enough", lang, accounts=claims.accounts, factor=claims.factor, needed=5)
    return tn("evidence.claims", claims.accounts, lang, ratio=claims.ratio, factor=claims.factor)


def claims_block(claims: ClaimsCameTrue, lang: str | None = None) -> dict:
    """The line, with *Use 0.38* beside it when the figure rests on enough accounts and differs from the factor."""
    accessory = None
    if claims.enough and claims.ratio > 0 and claims.ratio != claims.factor:
        accessory = kit.button(
            t("evidence.use_factor", lang, ratio=claims.ratio), contract.USE_POTENTIAL_FACTOR,
            contract.factor_value(claims.ratio),
        )
    return kit.section(claims_text(claims, lang), accessory=accessory, block_id=contract.CLAIMS_BLOCK)


def evidence_sections(evidence: Evidence, lang: str | None = None) -> list[dict]:
    return [
        kit.section(kit.fit(follow_ups_text(evidence.follow_ups, lang), kit.SECTION_TEXT_MAX)),
        kit.section(kit.fit(asked_text(evidence.asked, evidence.currency, lang), kit.SECTION_TEXT_MAX)),
    ]


def stats_message(evidence: Evidence, lang: str | None = None) -> dict:
    """`/lead stats` and `/lead stats me`: an ephemeral answer."""
    mine = evidence.follow_ups.owner is not None
    blocks = [kit.header(t("evidence.header_me" if mine else "evidence.header", lang))]
    blocks += evidence_sections(evidence, lang)
    blocks.append(kit.context(t("evidence.hint", lang)))
    fallback = follow_ups_text(evidence.follow_ups, lang, title=False)
    return kit.message(blocks, kit.fit(fallback, 3000))


def with_evidence(message: dict, evidence: Evidence, lang: str | None = None) -> dict:
    """The weekly summary with the evidence's two sections before its closing hint (the last context block)."""
    blocks = list(message["blocks"])
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "context" else len(blocks)
    blocks[at:at] = evidence_sections(evidence, lang)
    return {**message, "blocks": blocks[: kit.MESSAGE_BLOCKS_MAX]}
