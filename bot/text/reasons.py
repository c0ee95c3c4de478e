"""Why a lead was lost, found anywhere in what a rep typed, in English or Chinese: "选了别家" → competitor."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.text.i18n import LANGUAGES, t

# The lost-reason codes leadbot stores (bot.services.leads.LOST_REASONS; a test keeps the two equal),
# in the order a text naming several is read: what happened beats why, so "too expensive, went with
# Zhang" is a competitor win and "cancelled, no budget" a cancelled project.
REASONS = ("competitor", "cancelled", "no_budget", "not_fit", "went_silent", "other")
PRIORITY = ("competitor", "cancelled", "went_silent", "no_budget", "not_fit", "other")


@dataclass(frozen=True)
class FoundReason:
    code: str  # one of REASONS
    note: str  # the rest of the text, for the lead's history


# Words that name a reason only as the first word, as in `/lead lost 12 fit wrong voltage`: anywhere
# else "other", "fit" or "proposal" are ordinary words ("sent the proposal, no reply since").
KEYWORDS = {
    "competitor": "competitor", "cancelled": "cancelled", "canceled": "cancelled", "budget": "no_budget",
    "no_budget": "no_budget", "price": "no_budget", "fit": "not_fit", "not_fit": "not_fit",
    "silent": "went_silent", "went_silent": "went_silent", "proposal": "went_silent", "fishing": "went_silent",
    "other": "other",
    "竞品": "competitor", "竞争对手": "competitor", "取消": "cancelled", "预算": "no_budget", "没预算": "no_budget",
    "价格": "no_budget", "不合适": "not_fit", "沉默": "went_silent", "骗方案": "went_silent", "其他": "other",
    "其它": "other",
}
# There is no lost reason of its own for price: "too expensive" is filed as no budget, and the words
# stay in the note ("price" says more than "no budget" does) so the history still shows it was the price.
KEEP_KEYWORDS = frozenset({"price", "价格"})

# Phrases found anywhere. Each is a regular expression over folded text (lower case, half-width);
# `keep` phrases say more than the code does ("cheaper", "太贵"), so they stay in the note.
_A = r"(?:a |an |another |some |one |the )?"
_SUPPLIER = r"(?:supplier|vendor|competitor|manufacturer|company|factory|source)s?"
PHRASES: tuple[tuple[str, str, bool], ...] = (
    # competitor
    (rf"\b(?:chose|picked|went with|selected|bought from|ordered from|switched to|gave it to) {_A}"
     rf"(?:competitor|other {_SUPPLIER}|{_SUPPLIER} else|someone else|somebody else)\b", "competitor", False),
    (rf"\b(?:chose|picked|went with|selected|bought from|ordered from|switched to) {_A}"
     rf"(?:cheaper|local|chinese|domestic|existing|different|bigger|other) {_SUPPLIER}\b", "competitor", True),
    (r"\b(?:lost (?:it |out |the deal |the order )?to|went with|bought (?:it )?elsewhere|competitors?"
     rf"|(?:other|another|different) {_SUPPLIER})\b", "competitor", False),
    (r"(?:客户)?(?:选了|选择了|用了|买了|找了|定了|给了)(?:别家|别人|其他家|其他供应商|别的供应商|竞品|竞争对手|同行)",
     "competitor", False),
    (r"竞争对手|竞品|别家|其他供应商|别的供应商|被抢单|被同行抢", "competitor", False),
    # cancelled
    (r"\b(?:project (?:was |got |has been )?(?:cancel+ed|scrapped|dropped|stopped|killed|shelved)"
     r"|cancel+ed|called off)\b", "cancelled", False),
    (r"项目(?:被)?取消(?:了)?|项目黄了|项目停了|项目搁置|项目不做了|取消了|不做了", "cancelled", False),
    # went_silent: stopped answering, or only wanted a proposal
    (r"\b(?:stopped (?:answering|responding|replying)|(?:went|gone|has gone) (?:silent|quiet|dark)|ghosted"
     r"|no (?:response|reply|answer)|never (?:replied|answered|responded|called back)|not answering)\b",
     "went_silent", False),
    (r"\b(?:only|just) want(?:ed|s)? (?:a |our |the )?(?:proposal|quote|quotation|price list|prices)\b"
     r"|\bproposal[- ]fish(?:ing|er)\b|\bfishing for (?:a |our )?(?:proposal|quote|prices?)\b",
     "went_silent", False),
    (r"没回音|没有回音|不回复|不回了|没回复|联系不上|失联|不理了|已读不回", "went_silent", False),
    (r"只要方案|只是要方案|骗方案|套方案|白嫖方案|只要报价|骗报价|套报价", "went_silent", False),
    # no_budget, and price
    (r"\b(?:no|without|out of|lack of|not enough) (?:budget|money|funds|funding)\b|\bover budget\b"
     r"|\bbudget (?:was |got )?(?:cut|frozen|gone)\b|\bcan(?:'t|not) afford\b", "no_budget", False),
    (r"\b(?:too (?:expensive|pricey|costly|high)|price (?:was |is )?too high|(?:our )?prices? too high"
     r"|lost on price|overpriced)\b", "no_budget", True),
    (r"没(?:有)?预算|预算(?:不够|不足|没了|砍了|被砍|冻结)|没钱", "no_budget", False),
    (r"太贵|嫌贵|价格(?:太|偏)?高|价格不行|价格没谈拢|报价太高", "no_budget", True),
    # not_fit
    (r"\b(?:not (?:a )?(?:good )?fit|no fit|poor fit|wrong fit|out of scope|not our (?:product|field|line)"
     r"|doesn'?t fit|does not fit|can(?:'t|not) (?:make|supply|meet) (?:it|them|that|the spec\w*))\b",
     "not_fit", False),
    (r"不合适|不匹配|做不了|不符合(?:要求|规格)?|规格不符|不对口", "not_fit", False),
)

_PUNCTUATION = ",.;:!?/|-–—，。；：！？、（）()"
_SEPARATORS = " \t\n" + _PUNCTUATION


def find_lost_reason(text: str) -> FoundReason | None:
    """The reason `text` names and the rest as a note; None when it names none (ask with the form instead)."""
    folded = _fold(text)
    start = len(folded) - len(folded.lstrip())
    phrases = _label_matches(folded) + _phrase_matches(folded)
    keyword = _keyword(folded, start)
    # A reason word the rep led with is their pick, as in `/lead lost 12 budget …`, unless a longer
    # phrase starts there ("其他供应商" is a competitor, not "其他").
    if keyword and not any(m[0] == start and m[1] > keyword[1] for m in phrases):
        chosen = keyword
    elif phrases:
        # What happened beats why; then the earliest, the longest.
        chosen = min(phrases, key=lambda m: (PRIORITY.index(m[2]), m[0], -m[1]))
    else:
        return None
    begin, end, code, keep = chosen
    rest = text[end:].strip()
    # The reason is dropped from the note only where it stands alone: a reason word typed first, or a phrase
    # ending the clause ("chose a competitor: Zhang"); "project cancelled by HQ" reads better whole.
    if begin == start and not keep and (chosen == keyword or not rest or rest[0] in _PUNCTUATION):
        return FoundReason(code, rest.strip(_SEPARATORS))
    return FoundReason(code, text.strip(_SEPARATORS))


def _fold(text: str) -> str:
    """Lower case, full-width → half-width, character by character, so positions match `text`."""
    folded = []
    for ch in text or "":
        changed = unicodedata.normalize("NFKC", ch).lower()
        folded.append(changed if len(changed) == 1 else ch)
    return "".join(folded)


def _keyword(folded: str, start: int) -> tuple[int, int, str, bool] | None:
    """The first word, when it is a reason word: it must end there, so "预算审批中" is no "预算"."""
    for word in sorted(KEYWORDS, key=len, reverse=True):
        end = start + len(word)
        after = folded[end : end + 1]
        if folded.startswith(word, start) and (not after or after.isspace() or after in _PUNCTUATION):
            return start, end, KEYWORDS[word], word in KEEP_KEYWORDS
    return None


def _label_matches(folded: str) -> list[tuple[int, int, str, bool]]:
    """The reasons' own labels ("chose a competitor", "客户没回音 / 骗方案"), as the Lost… form shows them."""
    found = []
    for code in REASONS:
        if code == "other":  # "other" in running text is an ordinary word
            continue
        for lang in LANGUAGES:
            label = _fold(t(f"reason.{code}", lang))
            found += [(m.start(), m.end(), code, False) for m in re.finditer(re.escape(label), folded)]
    return found


def _phrase_matches(folded: str) -> list[tuple[int, int, str, bool]]:
    return [
        (m.start(), m.end(), code, keep)
        for pattern, code, keep in _COMPILED
        for m in pattern.finditer(folded)
    ]


_COMPILED = tuple((re.compile(pattern), code, keep) for pattern, code, keep in PHRASES)
