"""A request finds its listener by its body alone: what a listener takes is worked out once, for the one that runs."""

from __future__ import annotations

from slack_bolt.listener_matcher import builtins

from tests.conftest import ALICE
from tests.support import command, lead, nudges_to, text_of, tick

FRI_MORNING = "2026-12-04T01:00:00+00:00"  # a nudge for a lead captured on Thursday


def test_a_click_on_a_nudge_is_matched_without_working_out_every_listeners_arguments(app, monkeypatch):
    worked_out = []
    real = builtins.build_required_kwargs

    def counted(**kwargs):
        worked_out.append(kwargs["this_func"])
        return real(**kwargs)

    monkeypatch.setattr(builtins, "build_required_kwargs", counted)
    lead(app, "Alpha")  # a command, then a form submitted
    tick(app, FRI_MORNING)
    app.send.click(ALICE, nudges_to(app, ALICE)[-1], "lead_snooze", block_id="lead:1", selected_option="3")
    redrawn = app.slack.wait_for("chat.update")[-1].params

    assert "✓ Next follow-up" in text_of(redrawn)  # the click reached the snooze listener, registered late
    assert "Mon 7 Dec" in command(app, "show 1")
    # Bolt's own matchers, called as Bolt calls them, worked out every argument a listener could take for each
    # listener tried in turn: some thirty times for this click.
    assert worked_out == []
