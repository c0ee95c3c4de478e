"""`leadbot sandbox --demo` in real headless Chromium: a rep captures a lead, a week passes, the follow-up is logged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("LEADBOT_CHROMIUM", "/usr/bin/chromium")
# No network, no first-run chores: the browser only talks to the sandbox on 127.0.0.1.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START = "2026-12-01T08:00:00Z"  # Tuesday, 09:00 in Berlin
WAIT_MS = 30_000


@pytest.fixture
def sandbox_url(tmp_path):
    """`leadbot sandbox --demo` as a real process; yields the one URL it prints."""
    yield from _sandbox(tmp_path)


@pytest.fixture
def zh_sandbox_url(tmp_path):
    """The same with `--language zh`: the page, the team and the demo in Chinese."""
    yield from _sandbox(tmp_path, "--language", "zh")


def _sandbox(tmp_path, *options: str):
    command = [sys.executable, "-m", "bot.cli.main", "sandbox", "--demo", "--port", "0",
               "--db", str(tmp_path / "sandbox.db"), "--start", START, *options]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "DATABASE_URL"))}
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    printed = threading.Event()

    def read() -> None:  # drain the output all along, so the sandbox never blocks on a full pipe
        for line in process.stdout:
            lines.append(line)
            if re.search(r"open http://127\.0\.0\.1:\d+/", line):
                printed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert printed.wait(60), "".join(lines)
    urls = [m.group(1) for line in lines for m in [re.search(r"open (http://127\.0\.0\.1:\d+)/", line)] if m]
    assert len(urls) == 1
    yield urls[0]
    process.terminate()
    assert process.wait(timeout=20) == 0  # SIGTERM stops it as cleanly as Ctrl-C
    reader.join(timeout=5)
    assert "leadbot sandbox: stopped" in "".join(lines)


@pytest.fixture
def page(sandbox_url):
    yield from _browser(sandbox_url, "en-GB", {"width": 1280, "height": 820})


@pytest.fixture
def zh_page(zh_sandbox_url):
    # Tall enough for the summary's chart and the help under it in one picture.
    yield from _browser(zh_sandbox_url, "zh-CN", {"width": 1280, "height": 1500})


def _browser(url: str, locale: str, viewport: dict):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)  # moving the clock a week takes seconds on a busy machine
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport=viewport, locale=locale)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.set_default_timeout(WAIT_MS)
        tab.goto(url + "/")
        yield tab
        browser.close()
        assert errors == []


def _type(page, text: str) -> None:
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")
    page.wait_for_selector("body:not(.busy)")


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}.png"))


@pytest.mark.slow
def test_a_rep_captures_a_lead_and_logs_the_follow_up_a_week_later(page):
    from playwright.sync_api import expect

    page.select_option("#who", "U0JONAS")
    expect(page.locator("#sidebar .room.active")).to_have_attribute("data-room", "D0JONAS")
    _shot(page, "1-start")

    _type(page, "/lead new Acme Oilfield — wants a coating proposal")
    modal = page.locator("#modal")
    expect(modal.locator("h2")).to_have_text("New lead")
    expect(page.locator("#in-company")).to_have_value("Acme Oilfield")
    page.click("#modal-submit")  # two required selects are still empty
    expect(page.locator('[data-block="source"] .error')).to_have_text("Please complete this required field.")
    _shot(page, "2-new-lead-form")
    page.select_option("#in-source", "website")
    page.select_option("#in-situation", "boss_research")
    page.fill("#in-contact_name", "Hans Berger")
    page.click("#modal-submit")
    expect(page.locator("#overlay")).to_be_hidden()
    card = page.locator(".msg.ephemeral").last
    expect(card).to_contain_text("#13 Acme Oilfield")
    expect(card).to_contain_text("Only visible to you")
    expect(card).to_contain_text("Thu 3 Dec")  # the first follow-up, two days out

    _type(page, "/lead list")
    listing = page.locator(".msg.ephemeral").last
    expect(listing).to_contain_text("Your open leads")
    expect(listing).to_contain_text("#13 Acme Oilfield")
    _shot(page, "3-list")

    page.click("button[data-step=week]")
    expect(page.locator("#clock-now")).to_contain_text("8 Dec")
    page.wait_for_selector("body:not(.busy)")
    digest = page.locator(".msg", has_text="Your leads for Tue 8 Dec").last
    expect(digest).to_contain_text("#13 Acme Oilfield")
    digest.evaluate("node => node.scrollIntoView()")
    page.evaluate("document.getElementById('toast').hidden = true")
    _shot(page, "4-a-week-later")  # the README's picture (docs/sandbox.png)

    section = digest.locator(".b-section", has_text="#13 Acme Oilfield")
    actions = section.locator("xpath=following-sibling::div[contains(@class, 'b-actions')][1]")
    actions.locator("button", has_text="Log follow-up").click()
    expect(modal.locator("h2")).to_have_text("Log follow-up")
    page.select_option("#in-kind", "call")
    page.fill("#in-note", "Called Hans: the report goes to his boss on Friday")
    page.fill("#in-buyer_said", "Send the reference list")
    _shot(page, "5-log-follow-up")
    page.click("#modal-submit")
    expect(page.locator("#overlay")).to_be_hidden()

    _type(page, "/lead show 13")
    shown = page.locator(".msg.ephemeral").last
    expect(shown).to_contain_text("Called Hans")
    expect(shown).to_contain_text("1 of 3 follow-ups (aim for 3–5)")
    expect(shown).to_contain_text("Tue 15 Dec")  # the next follow-up moved on a cadence step
    expect(digest).to_contain_text("Follow-up logged")
    _shot(page, "6-moved-on")


@pytest.mark.slow
def test_the_chinese_sandbox_shows_a_chinese_chart_chinese_help_and_captures_a_message(zh_page):
    from playwright.sync_api import expect

    page = zh_page
    expect(page.locator("button[data-step=monday]")).to_have_text("周一 9:00")
    _type(page, "/lead 跟进 1 微信 发了两个防腐案例")  # Mei's follow-ups this week: her bar on the chart
    _type(page, "/lead 跟进 2 电话 样品下周寄到")
    expect(page.locator(".msg.ephemeral").last).to_contain_text("累计 1 次")
    page.select_option("#who", "U0SAM")  # the manager, in Berlin: the team summary comes at 09:00 his time
    page.click("button[data-step=monday]")
    expect(page.locator("#clock-now")).to_contain_text("12月7日")
    page.wait_for_selector("body:not(.busy)")
    page.click("#sidebar .room[data-room=C0SALESTEAM]")
    summary = page.locator(".msg", has_text="团队汇总").last
    chart = summary.locator(".file img")
    expect(chart).to_be_visible()
    # Visible comes before loaded: wait for the PNG itself (on a busy machine it arrives a moment later).
    loaded_width = "img => img.complete ? img.naturalWidth : new Promise(done => img.addEventListener('load', " \
        "() => done(img.naturalWidth), {once: true}))"
    assert chart.evaluate(loaded_width) == 800  # the PNG loaded

    _type(page, "/lead 帮助")
    shown = page.locator(".msg.ephemeral").last
    expect(shown).to_contain_text("<编号或公司>")
    expect(shown).to_contain_text("/lead 跟进")
    summary.evaluate("node => node.scrollIntoView()")
    page.evaluate("document.getElementById('toast').hidden = true")
    page.screenshot(path=str(ARTIFACTS / "sandbox-zh.png"))  # the README's Chinese picture (docs/sandbox-zh.png)

    # Any message's ⋮ menu has *Capture as lead*: the new-lead form opens with the message in it.
    _type(page, "青岛化工设备有限公司 问 6 个储罐的涂装报价")
    message = page.locator(".msg:not(.ephemeral)", has_text="问 6 个储罐").last
    message.hover()
    message.locator(".msg-menu .overflow-btn").click()
    message.locator("[data-shortcut=capture_as_lead]").click()
    expect(page.locator("#modal h2")).to_have_text("新建线索")
    expect(page.locator("#in-asked_for")).to_have_value("青岛化工设备有限公司 问 6 个储罐的涂装报价")
