"""One email address as a person types or pastes it: checked, lower-cased, and its domain."""

from __future__ import annotations

import re
from email.utils import parseaddr

EMAIL_MAX = 320  # Lead.contact_email's width: 64 for the local part, @, 255 for the domain
DOMAIN_MAX = 255

# Deliberately loose on the local part (mail servers accept far more than forms usually allow), strict on what
# would make two addresses or no address: spaces, commas, semicolons, angle brackets, a second @.
_LOCAL = re.compile(r"^[^\s@<>(),;:\"\[\]\\]{1,64}$")
# Labels of letters (any script: 公司.cn, münchen.de), digits and inner hyphens, with a top-level domain of 2+.
_LABEL = re.compile(r"^(?!-)[\w-]{1,63}(?<!-)$")


class AddressError(ValueError):
    """Not one email address; the message is the catalog key that says why."""


def parse_address(raw: str | None) -> str | None:
    """The address in `raw`, lower-cased; None when empty. `Li Ming <li@acme.com>` and `mailto:` are accepted.

    Raises AddressError("field.email_one_only") for a list, AddressError("field.email_invalid") for anything else
    that is not an address.
    """
    text = (raw or "").strip().replace("\uff20", "@")  # a full-width ＠ from a Chinese keyboard
    if not text:
        return None
    if re.search(r"[,;，；]", text) or text.count("@") > 1:
        raise AddressError("field.email_one_only")
    if "<" in text:
        _name, text = parseaddr(text)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):]
    address = text.strip().lower()
    local, at, domain = address.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not _LOCAL.match(local) or not valid_domain(domain) or len(address) > EMAIL_MAX:
        raise AddressError("field.email_invalid")
    return f"{local}@{domain}"


def valid_domain(domain: str) -> bool:
    """A domain with at least two labels and a top-level one of two characters or more (`acme.com`, `公司.中国`)."""
    labels = domain.split(".")
    return (
        0 < len(domain) <= DOMAIN_MAX
        and len(labels) >= 2
        and all(_LABEL.match(label) and "_" not in label for label in labels)
        and len(labels[-1]) >= 2
        and not labels[-1].isdigit()
    )


def domain_of(address: str) -> str:
    """The part after the last @, lower-cased, without a trailing dot; "" when there is none."""
    local, at, domain = address.strip().rstrip(">").rpartition("@")
    return domain.strip().rstrip(".").lower() if at and local else ""
