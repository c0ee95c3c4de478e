"""Block Kit for the App Home tab: within 100 blocks however many leads a rep has."""

from __future__ import annotations

from bot.blocks import contract, kit
from bot.blocks import leads as lead_blocks
from bot.blocks.digest import item_menu
from bot.blocks.evidence import evidence_sections
from bot.blocks.kit import user_text
from bot.blocks.leads import COMPANY_IN_TEXT
from bot.services.evidence import Evidence
from bot.services.home import HomeData
from bot.services.lead_views import LeadView
from bot.text import formatting
from bot.text.amounts import money
from bot.text.i18n import t, tn

PER_SECTION = 10
REPLIES_SHOWN = 5  # within the Home tab's 100 blocks, beside the other sections' ten
OPEN_SHOWN = 20
TEAM_LINES_PER_SECTION = 25


def home_view(data: HomeData, lang: str | None = None, evidence: Evidence | None = None) -> dict:
    """`evidence` (admins): whether following up pays, from the team's own closed leads."""
    today = data.today.day
    blocks: list[dict] = [
        kit.header(t("home.header", lang)),
        kit.actions(
            kit.button(t("home.new_lead", lang), contract.HOME_NEW_LEAD, "new", style="primary"),
            kit.button(t("home.settings", lang), contract.HOME_SETTINGS, "settings"),
        ),
        kit.section(
            t(
                "home.week", lang, follow_ups=tn("count.follow_ups", data.week.follow_ups, lang),
                captured=tn("count.enquiries", data.week.captured, lang), won=data.week.won,
            )
        ),
    ]
    if data.today.replies:
        # Buyers who wrote back come first: they are waiting for an answer right now.
        replies = list({waiting.lead.number: waiting.lead for waiting in data.today.replies}.values())  # one a lead
        blocks += [kit.divider(), kit.section(t("digest.replies", lang, count=len(replies)))]
        blocks += [_lead_line(lead, today, lang) for lead in replies[:REPLIES_SHOWN]]
        if len(replies) > REPLIES_SHOWN:
            blocks.append(kit.context(t("home.more", lang, count=len(replies) - REPLIES_SHOWN)))
    focus = {lead.number for lead in data.today.focus}
    if focus:
        blocks += [kit.divider(), kit.section(f"*{t('digest.call_first', lang)}*\n{t('digest.call_first_why', lang)}")]
        blocks += [_lead_line(lead, today, lang) for lead in data.today.focus[:PER_SECTION]]
    quiet = [lead for lead in data.today.quiet if lead.number not in focus]
    for title, leads in (("home.quiet", quiet), ("home.due", data.today.due_today)):
        if leads:
            blocks += [kit.divider(), kit.section(t(title, lang, count=len(leads)))]
            blocks += [_lead_line(lead, today, lang) for lead in leads[:PER_SECTION]]
            if len(leads) > PER_SECTION:
                blocks.append(kit.context(t("home.more", lang, count=len(leads) - PER_SECTION)))
    if data.today.small_buyers:
        waiting = data.today.small_buyers
        blocks += [kit.divider(), kit.section(t("home.small_buyers", lang, count=len(waiting)))]
        for account in waiting[:PER_SECTION]:
            answer = kit.button(
                t("digest.answer", lang), contract.SMALL_BUYER_NOTE_OPEN, contract.account_value(account.account_id)
            )
            blocks.append(
                kit.section(
                    t("digest.small_buyer", lang, company=user_text(account.name, COMPANY_IN_TEXT)), accessory=answer
                )
            )
    own = []
    # A manager with no leads of their own starts with the team, not with "My open leads (0)".
    if data.open_leads.total or data.team is None:
        own += [kit.divider(), kit.section(t("home.open", lang, count=data.open_leads.total))]
        if not data.open_leads.items:
            own.append(kit.context(t("home.no_open", lang)))
        own += [_lead_line(lead, today, lang) for lead in data.open_leads.items[:OPEN_SHOWN]]
        if data.open_leads.total > OPEN_SHOWN:
            own.append(kit.context(t("home.more", lang, count=data.open_leads.total - OPEN_SHOWN)))
    if data.team is not None and not data.open_leads.total:
        blocks += _team_blocks(data, evidence, lang, room=kit.VIEW_BLOCKS_MAX - len(blocks) - len(own) - 1) + own
    else:
        blocks += own
        if data.team is not None:
            blocks += _team_blocks(data, evidence, lang, room=kit.VIEW_BLOCKS_MAX - len(blocks) - 1)
    return {"type": "home", "blocks": blocks[: kit.VIEW_BLOCKS_MAX]}


def _team_blocks(data: HomeData, evidence: Evidence | None, lang: str | None, room: int) -> list[dict]:
    """The team, rep by rep: open, quiet, follow-ups and wins this week, leads at the goal, the realistic pipeline;
    reps with quiet leads and no follow-up this week are flagged."""
    lines = [
        t(
            "home.team_rep", lang,
            user=r.user_id, open=r.open_leads, quiet=r.quiet,
            follow_ups=tn("count.follow_ups", r.follow_ups_this_week, lang), won=r.won_this_week,
            at_goal=r.at_goal, min=r.min_touches, pipeline=money(r.pipeline, r.currency),
            flag=(" " + t("home.below_goal", lang)) if r.below_goal else "",
        )
        for r in data.team or []
    ]
    blocks = [kit.divider(), kit.section(t("home.team", lang))]
    if evidence is not None:
        blocks += evidence_sections(evidence, lang)
    chunks = [lines[i : i + TEAM_LINES_PER_SECTION] for i in range(0, len(lines), TEAM_LINES_PER_SECTION)]
    room = max(0, room - len(blocks))
    return blocks + [kit.section("\n".join(chunk)) for chunk in chunks[:room]]


def _lead_line(lead: LeadView, today, lang: str | None) -> dict:
    text = t(
        "home.lead_line",
        lang,
        number=lead.number,
        company=user_text(lead.company, COMPANY_IN_TEXT),
        next=lead_blocks.next_text(lead, today, lang),
        progress=formatting.lead_goal(lead, lang),
    )
    pinned = lead.pinned_at is not None if lead.status == "open" else None
    if lead.pinned_at is not None:
        text += " " + t("home.pinned", lang)
    return kit.section(text, accessory=item_menu(lead.number, lang, pinned=pinned))
