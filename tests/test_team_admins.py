"""Team things are for admins: the summary's channel and schedule; the manager hears of every change."""

from tests.conftest import ADMIN, ALICE, BOB, GENERAL, WANG
from tests.support import command, text_of


def _dms(app, user: str) -> list[str]:
    app.settle()
    return [text_of(m) for m in app.slack.dms_to(user)]


def test_a_rep_cannot_turn_the_summary_off_or_move_it(app):
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    assert "Only an admin can turn the team summary on or off" in command(app, "summary off")
    assert "Only an admin can turn the team summary on or off" in command(app, "summary on", channel="C0RANDOM")
    assert "goes to <#C0GENERAL>" in command(app, "summary")  # nothing changed


def test_a_chinese_rep_is_refused_in_chinese(app):
    assert "只有管理员能开启、关闭或转移团队汇总" in command(app, "汇总 关闭", user=WANG)
    assert "只有管理员能修改汇总的频率" in command(app, "汇总 每天", user=WANG)


def test_the_manager_is_told_who_turned_the_summary_on_and_where(app_with):
    app = app_with(LEADBOT_MANAGER=BOB)
    # Each change's DM is sent after its command is answered: settle between them to keep their order.
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    app.settle()
    command(app, "summary daily", user=ADMIN)
    app.settle()
    command(app, "summary off", user=ADMIN)
    told = _dms(app, BOB)
    assert "<@UADMIN01> turned the team summary on: it now goes to <#C0GENERAL>." in told[0]
    assert "<@UADMIN01> set the team summary to come every day." in told[1]
    assert "<@UADMIN01> turned the team summary off." in told[2]
    assert len(told) == 3


def test_a_chinese_manager_is_told_in_chinese(app_with):
    app = app_with(LEADBOT_MANAGER=WANG)
    command(app, "汇总 开启", user=ADMIN, channel=GENERAL)
    assert "<@UADMIN01> 开启了团队汇总，现在发到 <#C0GENERAL>。" in _dms(app, WANG)[-1]


def test_a_refused_change_tells_the_manager_nothing(app_with):
    app = app_with(LEADBOT_MANAGER=BOB)
    command(app, "summary on", channel=GENERAL)
    assert _dms(app, BOB) == []


def test_a_manager_who_makes_the_change_is_not_told_about_it(app_with):
    app = app_with(LEADBOT_MANAGER=ADMIN)
    command(app, "summary on", user=ADMIN, channel=GENERAL)
    assert _dms(app, ADMIN) == []


def test_the_manager_is_told_which_team_rules_an_admin_changed(app_with):
    app = app_with(LEADBOT_MANAGER=BOB)
    before = len(app.slack.calls("views.open"))
    app.send.command("settings", ADMIN)
    view = app.slack.view(app.slack.wait_for("views.open", count=before + 1)[-1].response["view"]["id"])
    assert app.send.submit_view(ADMIN, view, {"cadence": "3,10", "min_touches": "4"}).body == ""
    told = _dms(app, BOB)
    assert len(told) == 1
    assert "<@UADMIN01> changed the team's rules in `/lead settings`: Follow-up cadence (days), Follow-ups before" in (
        told[0]
    )
    assert "you are the team's manager" in told[0]
    assert ALICE not in told[0]
