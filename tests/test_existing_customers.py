"""Existing customers are not enquiries, an inbound claim guesses a short company name, and leads fold legal forms."""

from tests.conftest import ALICE, WANG
from tests.support import command, lead, open_new_lead_form


def test_a_new_lead_with_a_legal_form_finds_the_open_lead_without_it(app):
    lead(app, "Acme")
    answer = command(app, "new Acme Inc.")
    assert "Acme already has an open lead: #1" in answer
    assert len(app.slack.calls("views.open")) == 1  # no second form


def test_a_chinese_company_with_its_legal_form_is_the_same_lead(app):
    lead(app, "张三金属", user=WANG)
    assert "#1" in command(app, "新建 张三金属有限公司", user=WANG)


def test_a_different_company_is_still_a_new_lead(app):
    lead(app, "Acme")
    form = open_new_lead_form(app, "new Acme Oilfield", user=ALICE)
    assert form["callback_id"] == "lead_new"
