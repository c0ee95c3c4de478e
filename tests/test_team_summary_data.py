"""The team summary's numbers from real activity, its chart as a real PNG, and its message within Slack's limits."""

import json
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from PIL import Image
from sqlalchemy import update

from bot.blocks import chart
from bot.blocks.chart import REP_BAR_COLOUR, summary_chart
from bot.blocks.summary import summary_message
from bot.services.leads import LOST_REASONS, SOURCES
from bot.services.small_buyers import REASONS as SMALL_REASONS
from bot.services.summary import SummaryData, TeamSummaries
from bot.store.models import Account, Delivery, Lead, Refusal, SmallBuyerAnswer, Team, Touch
from bot.text.i18n import t
from sandbox.slack_api import validate_blocks
from tests.conftest import ALICE, BOB, START, TEAM
from tests.support import at, command, lead, text_of, tick

# The week of Mon 30 Nov 2026, in UTC.
WEEK_START = at("2026-11-30T00:00:00+00:00")
WEEK_END = at("2026-12-07T00:00:00+00:00")
FRI_MORNING = "2026-12-04T01:00:00+00:00"  # 09:00 in Shanghai: Alice's quiet leads are nudged
OTHER = "T0THER"
HALF = Decimal("0.5")


def _summary(db, team=TEAM, start=WEEK_START, end=WEEK_END) -> SummaryData:
    return TeamSummaries(db).compute(team, start, end, min_touches=3, potential_factor=HALF)


# -- the numbers ---------------------------------------------------------------------------------


def _small_buyer_answers(app, answers: dict[str, str]) -> None:
    """Steady small customers, their owner asked on Tue 1 Dec, and answered by clicking a reason."""
    for company in answers:
        for order in ("2,400 CNY 2026-01-10", "¥3,000 2026-04-02", "2.5k 2026-07-10"):
            command(app, f"order {company} {order}")
    tick(app, START)
    questions = [m for m in app.slack.dms_to(ALICE) if "why so little from us" in text_of(m)]
    for question in questions:
        account = next(e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"])["value"]
        account_id = account.split(":")[0]
        company = next(c for c in answers if c in text_of(question))
        reason = answers[company]
        app.send.click(ALICE, question, f"small_buyer_answer:{reason}", value=f"{account_id}:{reason}")
    app.slack.wait_for("chat.update", count=len(answers))


def _week_of_activity(app, db) -> None:
    """Leads #1–#8 and their follow-ups; see the expected numbers in the test below."""
    # Before the week: #1 is captured and followed up, then put off to January so it never goes quiet.
    app.deps.clock.set(at("2026-11-20T09:00:00+00:00"))
    lead(app, "Old Co", claimed_potential="10000")
    command(app, "log 1 call met at the fair")
    command(app, "snooze 1 2027-01-15")
    # Tue 1 Dec: five new enquiries.
    app.deps.clock.set(START)
    lead(app, "Acme", claimed_potential="100000")  # #2
    lead(app, "Beta", source="referral", claimed_potential="40000")  # #3
    lead(app, "Gamma", user=BOB, source="trade_show")  # #4
    lead(app, "Delta")  # #5
    lead(app, "Epsilon", source="marketing", claimed_potential="30000.50")  # #6
    for n in range(3):
        command(app, f"log 2 call step {n}")
    command(app, "log 3 visit signed")
    command(app, "won 3")
    command(app, "log 4 call", user=BOB)
    command(app, "log 4 call they chose Zhang", user=BOB)
    command(app, "lost 4 competitor", user=BOB)
    assert "Not yet" in command(app, "lost 5 silent")  # refused: #5 stays open
    _small_buyer_answers(app, {"Zhang Metalworks": "price", "Li Pumps": "habit"})  # #7, #8
    # Fri 4 Dec: #5 and #6 have gone quiet; Alice is nudged and follows up #5 that morning.
    assert tick(app, FRI_MORNING).sent == 1
    app.deps.clock.set(at("2026-12-04T03:00:00+00:00"))
    command(app, "log 5 call back in the running")
    # After the week: #6 gets its follow-up too late to count as revived this week.
    app.deps.clock.set(at("2026-12-08T03:00:00+00:00"))
    command(app, "log 6 call")
    with db.uow() as uow:
        uow.session.execute(update(Lead).where(Lead.team_id == TEAM, Lead.number == 7).values(needs_new_owner=True))
        uow.commit()


def _another_team(db) -> None:
    """A second workspace with the same lead numbers and activity in the same week; none of it may count."""
    now = at("2026-12-02T09:00:00+00:00")
    with db.uow() as uow:
        session = uow.session
        session.add(Team(team_id=OTHER, last_lead_number=6, created_at=now))
        account = Account(team_id=OTHER, account_key="other", name="Other", created_at=now)
        session.add(account)
        session.flush()
        for number in (5, 6):
            row = Lead(
                team_id=OTHER, number=number, company=f"Other {number}", company_key=f"other {number}",
                source="website",
                situation="unknown", claimed_potential=Decimal("999999"), owner_id=ALICE, created_by=ALICE,
                status="open", touch_count=5, needs_new_owner=True, created_at=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            # After our team's nudge about its own #5 and #6: joined on number alone, these would "revive" them.
            saturday = at("2026-12-05T09:00:00+00:00")
            session.add(Touch(team_id=OTHER, lead_id=row.id, kind="call", logged_by=ALICE, logged_at=saturday))
        session.add(Lead(
            team_id=OTHER, number=1, company="Won", company_key="won", source="referral", situation="unknown",
            owner_id=BOB, created_by=BOB, status="won", created_at=now, updated_at=now, closed_at=now,
        ))
        session.add(Delivery(
            team_id=OTHER, kind="nudge", subject=ALICE, period="2026-12-01", target=ALICE,
            payload=json.dumps({"leads": [5, 6]}), status="sent", next_attempt_at=now,
            created_at=now - timedelta(hours=1),
        ))
        session.add(Refusal(team_id=OTHER, lead_number=5, user_id=ALICE, at=now))
        session.add(SmallBuyerAnswer(
            team_id=OTHER, account_id=account.id, reason="price", answered_by=ALICE, answered_at=now,
            next_step_on=now.date(),
        ))
        uow.commit()


def test_a_week_of_real_activity_adds_up(app, db):
    _week_of_activity(app, db)
    _another_team(db)
    assert _summary(db) == SummaryData(
        team_id=TEAM,
        start=WEEK_START,
        end=WEEK_END,
        # "Old Co" came in before the week; the two existing-customer leads the small-buyer answers opened
        # are customers who already buy, not new enquiries.
        new_by_source={"website": 2, "referral": 1, "trade_show": 1, "marketing": 1},
        touches_by_rep={ALICE: 5, BOB: 2},  # #1's touch was before the week, #6's after it
        goal_by_rep={ALICE: (1, 6)},  # open now: #1, #2 (3 touches), #5, #6, #7, #8; Bob has none open
        went_quiet=2,  # #5 and #6
        revived=1,  # #5
        won=1,
        lost_by_reason={"competitor": 1},
        refused=1,
        answers_by_reason={"price": 1, "habit": 1},
        pipeline_claimed=Decimal("140000.50"),  # #1 + #2 + #6; #3 is won
        pipeline_realistic=Decimal("70000.25"),
        needs_new_owner=1,
        funnel=(2, 3, 0, 1, 0, 0),
        min_touches=3,
        touches_by_kind={"call": 6, "visit": 1},  # the same 7 follow-ups, by how they were made
        touches_by_source={"typed": 7},  # all typed: nothing read from a mailbox or a shared channel
        background_by_rep={ALICE: (6, 0, 0, 0, 0)},  # nobody asked about any of the six open leads' background
    )


def test_quiet_leads_come_from_nudges_and_digests_sent_in_the_period(db):
    now = at("2026-12-02T01:00:00+00:00")
    with db.uow() as uow:
        session = uow.session
        session.add(Team(team_id=TEAM, last_lead_number=6, created_at=now))
        session.flush()
        ids = {}
        for number in range(1, 7):
            row = Lead(
                team_id=TEAM, number=number, company=f"Co {number}", company_key=f"co {number}", source="website",
                situation="unknown", owner_id=ALICE, created_by=ALICE, created_at=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            ids[number] = row.id
        deliveries = [
            ("nudge", "a", {"leads": [1, 2]}, "sent", now),
            ("digest", "b", {"quiet": [2, 3], "today": [6]}, "sent", now + timedelta(hours=1)),
            ("digest", "c", {"today": [4]}, "sent", now),  # a digest with no quiet leads
            ("nudge", "d", {"leads": [5]}, "skipped", now),  # nothing was said, so it didn't go quiet "to us"
            ("nudge", "e", {"leads": [6]}, "sent", WEEK_END),  # the next period
            ("escalation", "f", {"leads": [4]}, "sent", now),
        ]
        for kind, subject, payload, status, created in deliveries:
            session.add(Delivery(
                team_id=TEAM, kind=kind, subject=subject, period="p", target=ALICE, payload=json.dumps(payload),
                status=status, next_attempt_at=created, created_at=created,
            ))
        session.add(Delivery(
            team_id=TEAM, kind="digest", subject="g", period="p", target=ALICE, payload="not json",
            status="sent", next_attempt_at=now, created_at=now,
        ))
        touches = [
            (1, now - timedelta(minutes=5)),  # before the nudge: not revived
            (2, now + timedelta(minutes=30)),  # after its first mention, before the digest named it again: revived
            (3, WEEK_END),  # the end is outside the period
        ]
        for number, logged_at in touches:
            session.add(Touch(team_id=TEAM, lead_id=ids[number], kind="call", logged_by=ALICE, logged_at=logged_at))
        uow.commit()
    summary = _summary(db)
    assert (summary.went_quiet, summary.revived) == (3, 1)


def test_a_team_with_nothing_going_on_is_empty(app, db):
    assert _summary(db, team="T0NOBODY").is_empty
    lead(app, "Acme")
    long_ago = _summary(db, start=at("2020-01-01T00:00:00+00:00"), end=at("2020-01-08T00:00:00+00:00"))
    assert long_ago.new_by_source == {} and long_ago.funnel == (1, 0, 0, 0, 0, 0) and not long_ago.is_empty


# -- the message ---------------------------------------------------------------------------------


def _data(**changes) -> SummaryData:
    values = dict(
        team_id=TEAM, start=WEEK_START, end=WEEK_END, new_by_source={}, touches_by_rep={}, goal_by_rep={},
        went_quiet=0, revived=0, won=0, lost_by_reason={}, refused=0, answers_by_reason={},
        pipeline_claimed=Decimal(0), pipeline_realistic=Decimal(0), needs_new_owner=0, funnel=(0, 0, 0, 0, 0, 0),
    )
    values.update(changes)
    return SummaryData(**values)


def test_the_message_states_the_numbers_a_sales_manager_asks_for():
    data = _data(
        new_by_source={"website": 3, "referral": 1}, touches_by_rep={ALICE: 12, BOB: 3},
        goal_by_rep={ALICE: (3, 6), BOB: (1, 3)}, went_quiet=4, revived=2, won=1,
        lost_by_reason={"competitor": 1, "no_budget": 2}, refused=2, answers_by_reason={"price": 2},
        pipeline_claimed=Decimal("120000"), pipeline_realistic=Decimal("60000"), needs_new_owner=2,
        funnel=(5, 3, 2, 1, 0, 1),
    )
    message = summary_message(data, "week of Mon 30 Nov", "CNY")
    assert validate_blocks(message["blocks"], "message") == []
    text = text_of(message)
    for expected in (
        "Team summary — week of Mon 30 Nov", "*New enquiries: 4*", "Website 3 · Referral 1",
        "*Follow-ups: 15* — open leads at 3+ follow-ups: 4 of 9", "<@UALICE01> 12 follow-ups · 3 of 6",
        "<@UBOB0001> 3 follow-ups · 1 of 3", "4 leads went quiet", "2 of them got one after a reminder",
        "*Won: 1 · Lost: 3*", "no budget 2 · chose a competitor 1",
        "2 closings as “only wanted a proposal” were refused",
        "Our price 2", "Claimed ¥120,000 · plan on ¥60,000 (50%", "2 open leads need a new owner",
        "0: 5 · 1: 3 · 2: 2 · 3: 1 · 4: 0 · 5+: 1",
    ):
        assert expected in text, expected
    assert message["text"].startswith(
        "Team summary — week of Mon 30 Nov: 4 new enquiries, 15 follow-ups, 1 won, 3 lost"
    )


def test_a_quiet_week_says_so_without_empty_sections():
    message = summary_message(_data(), "Tue 1 Dec", "USD")
    assert validate_blocks(message["blocks"], "message") == []
    assert t("summary.nothing") in text_of(message) and "need a new owner" not in text_of(message)


def test_huge_data_stays_within_slack_limits():
    reps = {f"U{i:010d}": 1000 + i for i in range(80)}
    data = _data(
        new_by_source={**{s: 10**6 for s in SOURCES}, **{f"source_{i}": i for i in range(1, 15)}},
        touches_by_rep=reps, goal_by_rep={rep: (n, n * 10) for rep, n in reps.items()},
        went_quiet=10**6, revived=10**5, won=10**5, lost_by_reason={r: 10**5 for r in LOST_REASONS}, refused=10**5,
        answers_by_reason={r: 10**4 for r in SMALL_REASONS}, pipeline_claimed=Decimal("123456789012345.67"),
        pipeline_realistic=Decimal("61728394506172.84"), needs_new_owner=10**5, funnel=(10**6,) * 6,
    )
    message = summary_message(data, "x" * 300, "CHF", lang="de")
    assert validate_blocks(message["blocks"], "message") == []
    text = text_of(message)
    assert "…and 50 more" in text and "<@U0000000079> 1079 follow-ups" in text and "<@U0000000049>" not in text
    assert "source_14" in text and "61,728,394,506,172.84 CHF" in text


def test_an_unknown_source_or_reason_is_shown_escaped_not_fatal():
    data = _data(new_by_source={"<fax>": 1}, lost_by_reason={"weather": 1}, answers_by_reason={"moon": 1})
    text = text_of(summary_message(data, "week", "CNY"))
    assert "&lt;fax&gt; 1" in text and "weather 1" in text and "moon 1" in text


# -- the chart -----------------------------------------------------------------------------------


def _png(data: SummaryData, labels: dict[str, str] | None = None) -> Image.Image:
    raw = summary_chart(data, labels or {})
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(BytesIO(raw))
    image.verify()  # checks the chunks and their CRCs; the image must be reopened afterwards
    image = Image.open(BytesIO(raw))
    assert (image.format, image.size) == ("PNG", (chart.WIDTH, chart.HEIGHT))
    return image.convert("RGB")


def _bar_lengths(image: Image.Image) -> list[int]:
    """The longest run of the rep-bar colour on each pixel row that has one, top to bottom, one per bar."""
    lengths, previous = [], 0
    for y in range(image.height):
        longest = run = 0
        for x in range(image.width):
            run = run + 1 if image.getpixel((x, y)) == REP_BAR_COLOUR else 0
            longest = max(longest, run)
        if longest and not previous:
            lengths.append(longest)
        previous = longest
    return lengths


def _pixels_of(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(count for count, found in image.getcolors(maxcolors=image.width * image.height) if found == colour)


def test_the_chart_is_a_png_whose_bars_follow_the_data():
    data = _data(touches_by_rep={BOB: 3, ALICE: 12, "UCAROL01": 6}, funnel=(5, 3, 2, 1, 0, 1))
    image = _png(data, {ALICE: "Alice Wang", BOB: "Bob Miller"})
    alice, carol, bob = _bar_lengths(image)  # most follow-ups first
    assert alice > carol > bob > 0
    assert abs(carol / alice - 6 / 12) < 0.03 and abs(bob / alice - 3 / 12) < 0.03
    assert _pixels_of(image, chart.FUNNEL_BAR_COLOUR) > 1000


def test_a_chart_with_nothing_to_show_is_still_a_valid_image():
    image = _png(_data())
    assert _bar_lengths(image) == []
    assert _pixels_of(image, chart.FUNNEL_BAR_COLOUR) == 0


def test_a_chart_for_sixty_reps_shows_the_top_fifteen():
    reps = {f"U{i:04d}": i + 1 for i in range(60)}
    labels = {user: f"Representative with a very long name {user} 王丽 José" for user in reps}
    bars = _bar_lengths(_png(_data(touches_by_rep=reps, funnel=(10_000, 300, 20, 4, 1, 0)), labels))
    assert len(bars) == chart.REPS_SHOWN and bars == sorted(bars, reverse=True)


def test_names_no_font_can_draw_fall_back_to_what_one_can(monkeypatch):
    assert chart._display_name("U1", {"U1": "José Müller"}) == "Jose Muller"
    assert chart._display_name("U1", {"U1": "王丽"}) == "王丽"  # the CJK font draws it
    assert chart._display_name("U1", {"U1": "\U0001f600"}) == "U1"
    assert chart._display_name("U1", {}) == "U1"
    # Without any CJK font: Chinese names show the id and Chinese titles come in English.
    monkeypatch.setattr(chart, "CJK_FONTS", ())
    for cached in (chart.cjk_font_file, chart._cjk_font):
        cached.cache_clear()
        monkeypatch.setattr(chart, cached.__name__, cached)  # cleared again when the test ends, below
    try:
        assert chart._display_name("U1", {"U1": "王丽"}) == "U1"
        assert chart._catalog("chart.reps_title", "zh") == t("chart.reps_title", "en")
    finally:
        monkeypatch.undo()
        chart.cjk_font_file.cache_clear()
        chart._cjk_font.cache_clear()
