"""Lost reasons found in free text, English and Chinese: each phrase reads as its reason, near-misses find none."""

import pytest

from bot.services.leads import LOST_REASON_WORDS, LOST_REASONS
from bot.text.i18n import LANGUAGES, t
from bot.text.reasons import REASONS, FoundReason, find_lost_reason

PHRASES = {
    # competitor — the label itself, what reps write, and the reason word of `/lead lost 12 competitor …`
    "chose a competitor": ("competitor", ""),
    "Chose a competitor: Zhang Coatings": ("competitor", "Zhang Coatings"),
    "went with a cheaper supplier": ("competitor", "went with a cheaper supplier"),
    "they went with a local vendor": ("competitor", "they went with a local vendor"),
    "picked someone else": ("competitor", ""),
    "bought elsewhere.": ("competitor", ""),
    "lost to Zhang Coatings": ("competitor", "lost to Zhang Coatings"),
    "went with Zhang": ("competitor", "went with Zhang"),
    "another supplier was cheaper": ("competitor", "another supplier was cheaper"),
    "competitor went with Zhang": ("competitor", "went with Zhang"),
    "too expensive, went with Zhang": ("competitor", "too expensive, went with Zhang"),
    "客户选了别家": ("competitor", ""),
    "选了别家": ("competitor", ""),
    "客户选了别家，价格低20%": ("competitor", "价格低20%"),
    "竞争对手": ("competitor", ""),
    "竞品 张氏涂料": ("competitor", "张氏涂料"),
    "竞品张氏涂料": ("competitor", "竞品张氏涂料"),
    "选了竞品": ("competitor", ""),
    "其他供应商便宜": ("competitor", "其他供应商便宜"),
    "被同行抢了": ("competitor", "被同行抢了"),
    # cancelled
    "project cancelled": ("cancelled", ""),
    "Project was cancelled by HQ": ("cancelled", "Project was cancelled by HQ"),
    "canceled - merger": ("cancelled", "merger"),
    "项目取消": ("cancelled", ""),
    "项目黄了": ("cancelled", ""),
    "cancelled, no budget left": ("cancelled", "no budget left"),
    # went_silent: stopped answering, or only wanted a proposal
    "only wanted a proposal": ("went_silent", ""),
    "they only wanted a proposal": ("went_silent", "they only wanted a proposal"),
    "just wanted a quote for comparison": ("went_silent", "just wanted a quote for comparison"),
    "stopped answering / only wanted a proposal": ("went_silent", ""),
    "stopped answering": ("went_silent", ""),
    "ghosted us after the visit": ("went_silent", "ghosted us after the visit"),
    "no reply since March": ("went_silent", "no reply since March"),
    "silent": ("went_silent", ""),
    "只要方案": ("went_silent", ""),
    "骗方案": ("went_silent", ""),
    "客户没回音 / 骗方案": ("went_silent", ""),
    "电话不接，已读不回": ("went_silent", "电话不接，已读不回"),
    # no_budget, and price (kept in the note: it says more than "no budget")
    "no budget": ("no_budget", ""),
    "No budget this year": ("no_budget", "No budget this year"),
    "ＮＯ ＢＵＤＧＥＴ": ("no_budget", ""),
    "budget they froze spending": ("no_budget", "they froze spending"),
    "price": ("no_budget", "price"),
    "too expensive": ("no_budget", "too expensive"),
    "our price was too high": ("no_budget", "our price was too high"),
    "没预算": ("no_budget", ""),
    "没有预算": ("no_budget", ""),
    "预算不够": ("no_budget", ""),
    "太贵": ("no_budget", "太贵"),
    "价格": ("no_budget", "价格"),
    "价格太高了": ("no_budget", "价格太高了"),
    # not_fit
    "not a fit": ("not_fit", ""),
    "not a good fit — needs 600V": ("not_fit", "needs 600V"),
    "we can't meet the spec": ("not_fit", "we can't meet the spec"),
    "不合适": ("not_fit", ""),
    "规格不符": ("not_fit", ""),
    # other: only as the reason word itself
    "other": ("other", ""),
    "other they merged with a client": ("other", "they merged with a client"),
    "其他": ("other", ""),
}


@pytest.mark.parametrize("typed,meaning", PHRASES.items(), ids=list(PHRASES))
def test_every_phrase_reads_as_its_reason(typed, meaning):
    assert find_lost_reason(typed) == FoundReason(*meaning)


NEAR_MISSES = [
    "", "   ", "they were nice", "sent the proposal twice", "asked for the price list", "good fit for them",
    "the other day they called", "budgetary quote sent", "competitive market", "cancel culture", "pricey",
    "回头再说", "客户很满意", "报了价格", "发了方案", "预算审批中", "其实挺好",
]


@pytest.mark.parametrize("typed", NEAR_MISSES)
def test_text_naming_no_reason_finds_none(typed):
    assert find_lost_reason(typed) is None


def test_the_codes_are_the_ones_leads_are_closed_with():
    assert REASONS == LOST_REASONS


@pytest.mark.parametrize("word,code", LOST_REASON_WORDS.items())
def test_every_word_lead_lost_takes_today_reads_the_same(word, code):
    assert find_lost_reason(f"{word} the note").code == code


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", REASONS)
def test_each_reason_label_reads_as_its_reason(code, lang):
    assert find_lost_reason(t(f"reason.{code}", lang)) == FoundReason(code, "")
