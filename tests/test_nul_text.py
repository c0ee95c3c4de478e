"""Text with a NUL character (pasted or forged) is stored without it, on SQLite and PostgreSQL alike."""

from tests.support import command, lead


def test_a_note_with_a_nul_character_is_kept_without_it(app):
    lead(app, "Acme")
    command(app, "log 1 call left a\x00 voicemail")
    shown = command(app, "show 1")
    assert "left a voicemail" in shown
    assert "\x00" not in shown
