"""What one scheduler run did, counted."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.mail_log import MailPass


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0
    # Of `sent`: found already posted by an attempt that died unrecorded, and recorded without posting.
    found_posted: int = 0
    # Of `sent`: an earlier attempt may have posted it, but the conversation could not be read (no history
    # scope, or Slack refused): posted again without looking, as before message metadata.
    unchecked: int = 0
    mail: MailPass | None = field(default=None, compare=False)  # the mailbox pass beside this run, if any

    def add(self, other: "RunReport") -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retry_later += other.retry_later
        self.failed += other.failed
        self.skipped += other.skipped
        self.found_posted += other.found_posted
        self.unchecked += other.unchecked

    def __str__(self) -> str:
        text = (
            f"claimed {self.claimed}, sent {self.sent}, retry later {self.retry_later}, "
            f"failed {self.failed}, nothing to say {self.skipped}, "
            f"found already posted {self.found_posted}, posted unchecked {self.unchecked}"
        )
        return text if self.mail is None else f"{text}; mail: {self.mail}"
