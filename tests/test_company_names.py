"""Company keys: one lead per company however its name is typed."""

from bot.text.company_names import company_key


def test_case_spacing_and_width_fold_to_one_key():
    assert company_key("ACME  Oilfield ") == company_key("acme oilfield") == company_key("ＡＣＭＥ　Ｏｉｌｆｉｅｌｄ")


def test_chinese_names_keep_their_characters():
    assert company_key(" 张三 金属加工 ") == "张三 金属加工"


def test_different_companies_stay_different():
    assert company_key("Acme Oilfield") != company_key("Acme Oilfields")
