"""One goal, one grammar: every surface states a lead's follow-ups the same way, with real plurals; and the
pipeline adds up money in one currency only, listing other units on their own."""

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bot.services.summary import TeamSummaries
from tests.conftest import ADMIN, ALICE, GENERAL, TEAM, WANG
from tests.support import capture, command, lead, text_of, tick

EN = "1 of 3 follow-ups (aim for 3–5)"
ZH = "已跟进 1 次，至少 3 次（目标 3–5 次）"


def _home(app, user):
    before = len(app.slack.calls("views.publish"))
    app.send.app_home_opened(user)
    app.slack.wait_for("views.publish", count=before + 1)
    return text_of(app.slack.home_view(user))


@pytest.mark.parametrize("user,goal", [(ALICE, EN), (WANG, ZH)])
def test_card_list_digest_nudge_refusal_home_and_escalation_say_the_goal_alike(app_with, user, goal):
    app = app_with(LEADBOT_ESCALATE_AFTER="1", LEADBOT_MANAGER=ADMIN)
    lead(app, "Acme", user=user)
    command(app, "log 1 call first call", user=user)  # next follow-up: Tue 8 Dec
    surfaces = {
        "card": command(app, "show 1", user=user),
        "list": command(app, "list", user=user),
        "refusal": command(app, "lost 1 silent", user=user),
        "home": _home(app, user),
    }
    tick(app, "2026-12-08T01:00:00+00:00")  # Tue 09:00 in Shanghai: due today, in the digest
    surfaces["digest"] = text_of(app.slack.dms_to(user)[-1])
    tick(app, "2026-12-09T01:00:00+00:00")  # Wed: gone quiet, nudged inside the digest
    surfaces["nudge"] = text_of(app.slack.dms_to(user)[-1])
    for surface, text in surfaces.items():
        assert goal in text, surface
    tick(app, "2026-12-09T02:00:00+00:00")  # the manager, who reads English, hears of it after one ignored nudge
    assert EN in text_of(app.slack.dms_to(ADMIN)[-1])
    assert "of the" not in "".join(surfaces.values())


@pytest.mark.parametrize(
    "minimum,said",
    [
        ("1", "0 of 1 follow-up (aim for 1–5)"), ("3", "0 of 3 follow-ups (aim for 3–5)"),
        ("6", "0 of 6 follow-ups (aim for 6)"),
    ],
)
def test_the_goal_follows_the_minimum_with_its_own_plural(app_with, minimum, said):
    app = app_with(LEADBOT_MIN_TOUCHES=minimum)
    lead(app, "Acme")
    assert said in command(app, "show 1")


def test_counts_of_one_are_singular(app):
    lead(app, "Acme")
    command(app, "log 1 call first call")
    assert "*This week*: 1 follow-up logged · 1 enquiry captured" in _home(app, ALICE)
    assert "1 follow-ups" not in _home(app, ALICE)


# -- the pipeline: one currency added up, other units listed ---------------------------------------------


def _potentials(app):
    for company, claimed, unit in (
        ("Money Co", "100000", ""), ("Yuan Co", "50000", "CNY"), ("Renminbi Co", "10000", "元"),
        ("Steel Co", "20", "tonnes"), ("Iron Co", "30", "Tonnes"), ("Valve Co", "1200", "valves"),
        ("Dollar Co", "5000", "USD"),
    ):
        capture(app, company, claimed_potential=claimed, potential_unit=unit)
        app.slack.wait_for("chat.postEphemeral", where=lambda c, company=company: company in str(c.params))


def test_the_pipeline_adds_only_the_team_currency_and_lists_each_other_unit(app):
    _potentials(app)
    data = TeamSummaries(app.deps.db).compute(
        TEAM, datetime(2026, 11, 30, tzinfo=timezone.utc), datetime(2026, 12, 7, tzinfo=timezone.utc),
        min_touches=3, potential_factor=Decimal("0.5"), currency="CNY",
    )
    assert data.pipeline_claimed == Decimal("160000.00")  # no unit, CNY and 元 are the team's money
    # Largest first; "tonnes" and "Tonnes" are one unit; another currency is a unit of its own.
    assert data.pipeline_units == (
        ("USD", Decimal("5000.00"), Decimal("2500.00")),
        ("valves", Decimal("1200.00"), Decimal("600.00")),
        ("Tonnes", Decimal("50.00"), Decimal("25.00")),
    )


@pytest.mark.parametrize(
    "language,said",
    [
        ("en", ["Claimed ¥160,000 · plan on ¥80,000", "Also claimed, in other units (not added up):",
                "5,000 USD (plan on 2,500 USD)", "1,200 valves (plan on 600 valves)", "50 Tonnes (plan on 25 Tonnes)"]),
        ("zh", ["客户自报 ¥16万 · 按 ¥8万 来估", "其他单位的自报潜力（不相加）：",
                "1,200 valves（按 600 valves 来估）"]),
    ],
)
def test_the_summary_never_adds_tonnes_to_money(app_with, language, said):
    app = app_with(LEADBOT_LANGUAGE=language)
    _potentials(app)
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    tick(app, "2026-12-07T09:00:00+00:00")
    summary = text_of(app.slack.messages(GENERAL)[-1])
    for part in said:
        assert part in summary
    assert "¥161" not in summary and "¥16.6万" not in summary
