"""Chinese all the way through: punctuation, help syntax, WeChat and phone follow-ups, amounts written 1.2万."""

import re

from tests.conftest import ALICE, WANG
from tests.support import command, lead, text_of


def _card_for(app, user: str) -> str:
    return text_of(app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == user)[-1].params)


def test_a_chinese_card_joins_the_contact_and_role_with_a_chinese_comma(app):
    lead(app, "张三金属", user=WANG, contact_name="张三", contact_role="采购经理")
    text = _card_for(app, WANG)
    assert "张三，采购经理" in text and "张三, 采购经理" not in text


def test_an_english_card_keeps_the_english_comma(app):
    lead(app, "Acme", contact_name="Li Ming", contact_role="buyer")
    assert "Li Ming, buyer" in _card_for(app, ALICE)


def test_the_chinese_help_writes_its_syntax_in_chinese(app):
    help_text = command(app, "帮助", user=WANG)
    # Escaped as Slack's mrkdwn needs, so Slack shows <编号或公司> and not a broken link.
    assert "&lt;编号或公司&gt;" in help_text and "[备注]" in help_text and "@某人" in help_text
    assert "微信" in help_text and "1.2万" in help_text
    assert not re.search(r"number or company|\[note\]|@person", help_text)


def test_the_english_help_keeps_its_syntax_in_english(app):
    help_text = command(app, "help")
    assert "&lt;number or company&gt;" in help_text and "[note]" in help_text and "wechat" in help_text


def test_a_chinese_error_example_is_in_chinese(app):
    lead(app, "张三金属", user=WANG)
    assert "`/lead 转交 1 @王芳`" in command(app, "转交 1", user=WANG)
    assert "/lead 订单 张三金属 1.2万" in command(app, "订单 张三金属", user=WANG)


def test_wechat_is_a_kind_of_follow_up_in_both_languages(app):
    lead(app, "张三金属", user=WANG)
    assert "累计 1 次" in command(app, "跟进 1 微信 发了报价", user=WANG)
    assert "累计 2 次" in command(app, "跟进 1 wechat 确认了样品", user=WANG)
    shown = command(app, "查看 1", user=WANG)
    assert shown.count("微信") == 2 and "发了报价" in shown
    lead(app, "Acme")
    command(app, "log Acme weixin sent the quote")
    assert "WeChat by <@UALICE01> — sent the quote" in command(app, "show Acme")


def test_phone_and_dianhua_log_a_call(app):
    lead(app, "Acme")
    command(app, "log 1 phone asked about the budget meeting")
    command(app, "log 1 电话 问了预算会")
    shown = command(app, "show 1")
    assert "Call by <@UALICE01> — asked about the budget meeting" in shown
    assert "Call by <@UALICE01> — 问了预算会" in shown


def test_the_follow_up_form_offers_wechat(app):
    lead(app, "Acme")
    app.send.command("log 1", ALICE)
    view = app.slack.view(app.slack.wait_for("views.open", count=2)[-1].response["view"]["id"])
    kinds = next(b for b in view["blocks"] if b.get("block_id") == "kind")["element"]["options"]
    assert [o["value"] for o in kinds][:2] == ["call", "wechat"]
    assert app.send.submit_view(ALICE, view, {"kind": "wechat", "note": "sent drawings"}).body == ""
    app.settle()
    assert "WeChat by <@UALICE01> — sent drawings" in command(app, "show 1")


def test_the_new_lead_form_takes_a_claimed_potential_of_1_2_wan(app):
    lead(app, "张三金属", user=WANG, claimed_potential="1.2万", potential_unit="吨/年")
    text = _card_for(app, WANG)
    assert "1.2万 吨/年" in text and "6,000 吨/年" in text


def test_the_new_lead_form_takes_amounts_as_reps_type_them(app):
    for typed, company in (("1.2 万", "Acme"), ("12k", "Beta"), ("12,000", "Gamma")):
        lead(app, company, claimed_potential=typed)
        assert "12,000" in command(app, f"show {company}"), typed


def test_the_new_lead_form_refuses_a_potential_that_is_no_amount(app):
    from tests.support import answer, capture

    reply = capture(app, "Acme", claimed_potential="lots")
    assert "1.2万" in answer(reply)["errors"]["claimed_potential"]
    reply = capture(app, "Acme", claimed_potential="-5")
    assert "claimed_potential" in answer(reply)["errors"]


def test_an_order_of_1_2_wan_with_a_space(app):
    assert "¥12,000" in command(app, "order Zhang Metalworks 1.2 万")
    assert "订单 ¥1.5万" in command(app, "订单 李四金属 1.5 万 返单", user=WANG)


def test_the_small_order_ceiling_may_be_written_1_2_wan(app, db, slack):
    from tests.conftest import ADMIN, TEAM, make_settings

    assert make_settings(db.url, slack.base_url, LEADBOT_SMALL_ORDER_MAX="1.2万").small_order_max == 12000
    app.deps.team_settings.save(TEAM, {"small_order_max": "1.5 万"}, ADMIN, app.deps.clock.now())
    assert app.deps.config(TEAM).small_order_max == 15000


def test_the_summary_chart_draws_chinese_titles_and_names_not_tofu():
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    from bot.blocks import chart
    from bot.text.i18n import t
    from tests.test_team_summary_data import _data

    found = chart.cjk_font_file()
    assert found is not None, "no font with Chinese glyphs: scripts/test installs fonts-wqy-microhei"
    font = ImageFont.truetype(found[0], 13, index=found[1])
    # Every character has a glyph of its own, not the "missing" box (tofu).
    assert chart._covers(font, "王芳张伟跟进次数") and not chart._covers(chart._font(13), "王芳")
    data = _data(touches_by_rep={"U1": 5, "U2": 3}, funnel=(2, 1, 0, 0, 0, 0))
    image = Image.open(BytesIO(chart.summary_chart(data, {"U1": "王芳", "U2": "张伟"}, "zh"))).convert("RGB")
    # The Chinese title is drawn with the CJK font: exactly the pixels of drawing it alone with that font.
    title = t("chart.reps_title", "zh")
    alone = Image.new("RGB", image.size, chart.BACKGROUND)
    big = ImageFont.truetype(found[0], 16, index=found[1])
    ImageDraw.Draw(alone).text((chart.REPS_LEFT, chart.TITLE_TOP), title, font=big, fill=chart.TEXT_COLOUR)
    box = (0, 0, chart.REPS_RIGHT, chart.PLOT_TOP - 8)
    assert image.crop(box).tobytes() == alone.crop(box).tobytes()
    assert image.crop(box).getcolors(maxcolors=1 << 16) != [(box[2] * box[3], chart.BACKGROUND)]
    # The names are drawn, not replaced by the user ids.
    names = (chart.REPS_LEFT, chart.PLOT_TOP, chart.REPS_LEFT + chart.NAME_WIDTH, chart.PLOT_TOP + 60)
    by_id = Image.open(BytesIO(chart.summary_chart(data, {}, "zh"))).convert("RGB")
    assert image.crop(names).tobytes() != by_id.crop(names).tobytes()


def test_the_team_summary_counts_wechat_follow_ups_by_kind_in_both_languages():
    from bot.blocks.summary import summary_message
    from tests.support import text_of as read
    from tests.test_team_summary_data import _data

    data = _data(touches_by_rep={WANG: 7}, touches_by_kind={"wechat": 4, "call": 2, "email": 1})
    assert "*How*: WeChat 4 · Call 2 · Email 1" in read(summary_message(data, "Mon 30 Nov", "CNY", "en"))
    assert "*跟进方式*：微信 4 · 电话 2 · 邮件 1" in read(summary_message(data, "11月30日", "CNY", "zh"))
