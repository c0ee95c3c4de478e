"""Block Kit primitives that keep every text inside the limits Slack enforces."""

from __future__ import annotations

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
MODAL_TITLE_MAX = 24
INITIAL_VALUE_MAX = 3000
PLACEHOLDER_MAX = 150
LABEL_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
PRIVATE_METADATA_MAX = 3000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30

ELLIPSIS = "…"


def fit(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no accidental links, mentions or @channel pings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str, limit: int) -> str:
    """Escape user text for mrkdwn and fit it, never cutting an entity in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    raw = text[: limit - 1]
    while len(escape(raw)) > limit - 1:
        raw = raw[:-1]
    return escape(raw) + ELLIPSIS


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict:
    return {"type": "plain_text", "text": fit(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict:
    return {"type": "mrkdwn", "text": fit(text, limit)}


def header(text: str) -> dict:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str, accessory: dict | None = None, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields(texts: list[str]) -> list[dict]:
    """Sections of up to ten two-column fields each."""
    chunks = [texts[i : i + FIELDS_MAX] for i in range(0, len(texts), FIELDS_MAX)]
    return [{"type": "section", "fields": [mrkdwn(t, FIELD_TEXT_MAX) for t in chunk]} for chunk in chunks]


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    element = {
        "type": "button", "text": plain(text, BUTTON_TEXT_MAX), "action_id": action_id,
        "value": fit(value, BUTTON_VALUE_MAX),
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, confirm: str, deny: str, style: str = "danger") -> dict:
    """The "are you sure?" Slack shows before sending a click."""
    return {
        "title": plain(title, CONFIRM_TITLE_MAX), "text": plain(text, CONFIRM_TEXT_MAX),
        "confirm": plain(confirm, CONFIRM_BUTTON_MAX), "deny": plain(deny, CONFIRM_BUTTON_MAX), "style": style,
    }


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": fit(value, OPTION_VALUE_MAX)}


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int = INITIAL_VALUE_MAX,
    placeholder: str = "",
    hint: str = "",
) -> dict:
    element = {"type": "plain_text_input", "action_id": "value", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = fit(initial, min(max_length, INITIAL_VALUE_MAX))
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return _input(block_id, label, element, optional, hint)


def number_input(
    block_id: str, label: str, *, initial: str = "", optional: bool = True, placeholder: str = "", hint: str = ""
) -> dict:
    element = {"type": "number_input", "action_id": "value", "is_decimal_allowed": True, "min_value": "0"}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER_MAX)
    return _input(block_id, label, element, optional, hint)


def select_input(
    block_id: str, label: str, options: list[dict], *,
    initial: str | None = None, optional: bool = False, hint: str = "",
) -> dict:
    element = {"type": "static_select", "action_id": "value", "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(block_id, label, element, optional, hint)


def users_input(
    block_id: str, label: str, *, initial_user: str | None = None, optional: bool = False, hint: str = ""
) -> dict:
    element = {"type": "users_select", "action_id": "value"}
    if initial_user:
        element["initial_user"] = initial_user
    return _input(block_id, label, element, optional=optional, hint=hint)


def time_input(block_id: str, label: str, *, initial: str | None = None, hint: str = "") -> dict:
    element = {"type": "timepicker", "action_id": "value"}
    if initial:
        element["initial_time"] = initial
    return _input(block_id, label, element, optional=False, hint=hint)


def checkboxes_input(block_id: str, label: str, options: list[dict], *, initial: list[str] = ()) -> dict:
    element = {"type": "checkboxes", "action_id": "value", "options": options}
    chosen = [o for o in options if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return _input(block_id, label, element, optional=False, hint="")


def date_input(
    block_id: str, label: str, *, initial: str | None = None, optional: bool = False, hint: str = ""
) -> dict:
    element = {"type": "datepicker", "action_id": "value"}
    if initial:
        element["initial_date"] = initial
    return _input(block_id, label, element, optional, hint)


def _input(block_id: str, label: str, element: dict, optional: bool, hint: str) -> dict:
    block = {
        "type": "input", "block_id": block_id, "label": plain(label, LABEL_MAX), "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, LABEL_MAX)
    return block


def modal(
    callback_id: str, title: str, blocks: list[dict], *, submit: str | None, close: str, private_metadata: str = ""
) -> dict:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain(close, MODAL_TITLE_MAX),
        "blocks": blocks[:VIEW_BLOCKS_MAX],
        "private_metadata": private_metadata[:PRIVATE_METADATA_MAX],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    return view


def reason_modal(
    callback_id: str, title: str, heading: str, reason_label: str, reasons: list[dict], note_label: str,
    *, submit: str, close: str, private_metadata: str, note: str = "",
) -> dict:
    """A modal asking why (one choice) with an optional note (pre-filled with `note`): closing a lead, answering
    a question."""
    blocks = [
        section(f"*{heading}*"),
        select_input("reason", reason_label, reasons),
        text_input("note", note_label, initial=note, multiline=True, optional=True, max_length=INITIAL_VALUE_MAX),
    ]
    return modal(callback_id, title, blocks, submit=submit, close=close, private_metadata=private_metadata)


def message(blocks: list[dict], fallback: str) -> dict:
    """Keyword arguments for chat.postMessage / respond: blocks within 50, plus notification text."""
    return {"blocks": blocks[:MESSAGE_BLOCKS_MAX], "text": fit(fallback, SECTION_TEXT_MAX)}
