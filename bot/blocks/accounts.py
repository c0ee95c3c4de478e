"""Block Kit for accounts: the small-buyer question, its answer, the expansion note and the order history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.blocks import contract, kit
from bot.blocks.kit import user_text
from bot.services.small_buyers import REASONS, AccountView, AnswerView
from bot.text import formatting
from bot.text.amounts import money
from bot.text.i18n import t

ORDERS_SHOWN = 10
ANSWERS_SHOWN = 5


def question_message(account: AccountView, answer: AnswerView | None, today: date, lang: str | None = None) -> dict:
    """The DM to an owner about a steady small buyer: facts, the question, one-click answers."""
    blocks = [kit.header(t("small.header", lang)), kit.section(_facts(account, today, lang))]
    if answer is not None:
        blocks.append(kit.context(answered_text(answer, today, lang)))
    else:
        buttons = [
            kit.button(
                t(f"reason_small.{reason}", lang), contract.small_buyer_answer_id(reason),
                contract.small_buyer_answer_value(account.id, reason),
            )
            for reason in REASONS
        ]
        blocks.append(kit.section(f"*{t('small.ask', lang)}*"))
        blocks.append(kit.actions(*buttons[:4], block_id=f"small:{account.id}:a"))
        blocks.append(
            kit.actions(
                *buttons[4:],
                kit.button(
                    t("small.note_button", lang), contract.SMALL_BUYER_NOTE_OPEN, contract.account_value(account.id)
                ),
                block_id=f"small:{account.id}:b",
            )
        )
    return kit.message(blocks, t("small.header", lang))


def answered_text(answer: AnswerView, today: date, lang: str | None = None) -> str:
    return t(
        "small.answered",
        lang,
        user=answer.answered_by,
        reason=t(f"reason_small.{answer.reason}", lang),
        step=t(f"step.{answer.reason}", lang),
        date=formatting.day(answer.next_step_on, today),
        number=answer.lead_number,
    )


def note_modal(account: AccountView, metadata: dict, lang: str | None = None) -> dict:
    return kit.reason_modal(
        contract.SMALL_BUYER_NOTE_FORM, t("modal.small_title", lang), user_text(account.name, 200),
        t("form.small_reason", lang),
        [kit.option(t(f"reason_small.{r}", lang), r) for r in REASONS], t("form.small_note", lang),
        submit=t("modal.save", lang), close=t("modal.cancel", lang),
        private_metadata=contract.private_metadata(metadata, account=account.id),
    )


def expansion_message(company: str, amount: str, lang: str | None = None) -> dict:
    text = t("expansion.text", lang, company=user_text(company, 200), amount=amount)
    return kit.message([kit.section(text)], text)


def account_blocks(account: AccountView, today: date, factor, lang: str | None = None) -> list[dict]:
    """The account part of `/lead show`: order history, answers, claimed potential against real spend."""
    blocks: list[dict] = [kit.header(t("account.header", lang, company=kit.fit(account.name, 120)))]
    if not account.orders:
        return blocks + [kit.section(t("account.no_orders", lang, company=user_text(account.name, 100)))]
    first = min(d for d, _, _ in account.orders)
    typical = money(account.typical, account.currency) if account.typical is not None else "—"
    facts = [
        t("account.summary", lang, count=len(account.orders), first=formatting.day(first, today), typical=typical),
        t("account.spent", lang, spent=money(account.spent_last_12_months, account.currency)),
    ]
    if account.claimed_potential is not None:
        facts.append(
            t(
                "account.claimed",
                lang,
                claimed=formatting.amount(account.claimed_potential),
                realistic=formatting.amount((account.claimed_potential * factor).quantize(Decimal("0.01"))),
            )
        )
    blocks += kit.fields(facts)
    lines = [
        t("account.order_line", lang, date=formatting.day(d, today), amount=money(a, c), note="")
        for d, a, c in account.orders[:ORDERS_SHOWN]
    ]
    blocks.append(kit.section(t("account.recent", lang, lines="\n".join(lines))))
    if account.answers:
        answer_lines = [
            t(
                "account.answer_line",
                lang,
                date=formatting.day(a.answered_at.date(), today),
                reason=t(f"reason_small.{a.reason}", lang),
                user=a.answered_by,
                note=f" — {user_text(a.note, 200)}" if a.note else "",
            )
            for a in account.answers[:ANSWERS_SHOWN]
        ]
        blocks.append(kit.section(t("account.answers", lang, lines="\n".join(answer_lines))))
    return blocks


def _facts(account: AccountView, today: date, lang: str | None) -> str:
    dates = [d for d, _, _ in account.orders]
    amounts = [a for _, a, c in account.orders if c == account.currency]
    return t(
        "small.facts",
        lang,
        company=user_text(account.name, 200),
        count=len(account.orders),
        first=formatting.day(min(dates), today),
        typical=money(account.typical, account.currency) if account.typical is not None else "—",
        largest=money(max(amounts), account.currency) if amounts else "—",
        last=formatting.day(max(dates), today),
    )
