"""One pass over the sales mailbox: each new message becomes a follow-up, a buyer's reply or an enquiry, once.

Once per message, across any number of schedulers: a message is acted on in the same transaction that
claims its key in `mail_messages` (unique per team and key), so two processes reading the same
message at once log one follow-up and send one DM. The mailbox is marked (\\Seen, or moved to the done
folder) only after that commit; a message read again is found claimed and only marked.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.mail.mailbox import MailboxUnavailable, open_mailbox
from bot.mail.message import Forwarded, ReadMail, UnreadableMail, parse_mail
from bot.services.mail_actions import MailActions
from bot.services.mail_enquiries import mail_channel, offer_by_mail
from bot.services.mail_senders import SlackMembers
from bot.services.mailbox_state import MailboxStates
from bot.store.database import Database
from bot.store.models import (
    MAIL_BUYER_REPLY,
    MAIL_ENQUIRY,
    MAIL_FOLLOW_UP,
    MAIL_IGNORED,
    MAIL_UNREADABLE,
    HandledMail,
    Rep,
)
from bot.store.upsert import insert_ignore

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30  # a mailbox slower than this to answer counts as unreachable for this pass
FETCH_BATCH = 50  # messages fetched (and held in memory) at once; the position is saved after each batch
NOTE_LINES = 3
NOTE_MAX = 500
OUTCOMES = (MAIL_FOLLOW_UP, MAIL_BUYER_REPLY, MAIL_ENQUIRY, MAIL_IGNORED, MAIL_UNREADABLE)

# Called with (done, total) as messages are read, for `leadbot mail-poll`'s progress line.
Progress = Callable[[int, int], None]


@dataclass
class MailPass:
    """What one pass did: per outcome, plus messages handled before (by this or another scheduler)."""

    status: str = "off"  # "off" (no mailbox set), "ok", "failing"
    mailbox: str = ""
    first_read: bool = False
    found: int = 0  # messages the pass looked at
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    handled_before: int = 0
    outside_window: int = 0  # a first read's messages dated before LEADBOT_MAIL_SINCE_DAYS
    error: str | None = None

    @property
    def acted(self) -> int:
        """Messages that changed something: a follow-up, a reply or an enquiry (worth running the scheduler again)."""
        return sum(self.outcomes[name] for name in (MAIL_FOLLOW_UP, MAIL_BUYER_REPLY, MAIL_ENQUIRY))

    def __str__(self) -> str:
        if self.status == "off":
            return "no mailbox (LEADBOT_MAIL_URL is not set)"
        if self.status == "failing":
            return f"{self.mailbox}: could not be read ({self.error})"
        counts = ", ".join(f"{name.replace('_', ' ')} {self.outcomes[name]}" for name in OUTCOMES)
        older = f", older than the window {self.outside_window}" if self.first_read else ""
        return f"{self.mailbox}: {self.found} read — {counts}, handled before {self.handled_before}{older}"


@dataclass(frozen=True)
class _Sender:
    """What was learnt about a message before the transaction that acts on it (no Slack call holds a lock)."""

    rep_id: str | None
    ours: bool  # the sender is at one of our own domains
    # A message a rep forwarded (instead of BCCing): the one inside it, and its sender's Slack id if a member.
    forwarded: Forwarded | None = None
    forwarded_rep_id: str | None = None


class MailLog:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        members: SlackMembers,
        states: MailboxStates,
        team_of: Callable[[], str],
        act: MailActions,
    ) -> None:
        self.db = db
        self.settings = settings
        self.members = members
        self.states = states
        self.team_of = team_of
        self.act = act

    @property
    def configured(self) -> bool:
        return self.settings.mail_url is not None

    def poll(self, now: datetime, progress: Progress | None = None) -> MailPass:
        """Read what is new in the mailbox and act on it; never raises for the mailbox's own trouble."""
        address = self.settings.mail_url
        if address is None:
            return MailPass()
        report = MailPass(status="ok", mailbox=address.name)
        try:
            team_id = self.team_of()
        except (SlackApiError, OSError) as error:
            # Without the workspace there is nobody to log for; the mailbox is fine, so this is no mail failure.
            logger.warning("mail: could not tell which workspace the mailbox reports to (%s); next run", error)
            report.status, report.error = "failing", "slack_unreachable"
            return report
        except LookupError as error:  # installed in several workspaces, and LEADBOT_MAIL_TEAM names none
            logger.warning("mail: %s", error)
            report.status, report.error = "failing", "mail_team_unknown"
            return report
        try:
            with open_mailbox(address, self.settings.mail_ca_file or None, TIMEOUT_SECONDS) as mailbox:
                self._read(mailbox, team_id, address.name, now, report, progress)
        except MailboxUnavailable as error:
            report.status, report.error = "failing", str(error)[:200] or type(error).__name__
            if self.states.read_failed(team_id, address.name, report.error, now):
                logger.warning("mail: cannot read %s (%s); will keep trying every run", address.name, report.error)
            return report
        began = self.states.read_ok(team_id, address.name, now)
        if began is not None:
            logger.info("mail: %s can be read again (failing since %s)", address.name, began.isoformat())
        return report

    # -- reading ---------------------------------------------------------------------------------

    def _read(self, mailbox, team_id: str, name: str, now: datetime, report: MailPass, progress) -> None:
        position = self.states.position(team_id, name)
        window_start = None
        if position.uidvalidity != mailbox.uidvalidity or position.last_uid is None:
            # First read, or the server renumbered the mailbox: only the recent past (Message-IDs keep it once).
            report.first_read = True
            window_start = now - timedelta(days=self.settings.mail_since_days)
            # The server searches by whole days (a day early, for its time zones); then each Date header decides.
            uids = list(mailbox.uids_since(window_start.date()))
            # Where the next read by UID starts: past every message there now, read or (too old) not.
            top = mailbox.uidnext - 1
        else:
            uids = list(mailbox.uids_after(position.last_uid))
            top = None
        uids.sort()
        context = _PassContext(team_id, now, window_start)
        done = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            handled: list[int] = []
            for uid, raw in mailbox.fetch(batch, FETCH_BATCH):
                if self._one(context, uid, raw, report):
                    handled.append(uid)
                done += 1
                if progress is not None:
                    progress(done, len(uids))
            if handled:
                mailbox.mark_handled(handled, self.settings.mail_done_folder or None)
            if top is None:
                # Saved batch by batch, so a pass cut short goes on from here (a first read starts over).
                self.states.advance(team_id, name, mailbox.uidvalidity, batch[-1])
        if top is not None:
            self.states.advance(team_id, name, mailbox.uidvalidity, max(top, uids[-1] if uids else 0))

    def _one(self, context: "_PassContext", uid: int, raw: bytes, report: MailPass) -> bool:
        """Handle one message; True when it is to be marked handled in the mailbox."""
        report.found += 1
        try:
            mail = parse_mail(raw)
        except UnreadableMail as error:
            key = getattr(error, "message_key", None) or "unparsed:" + hashlib.sha256(raw).hexdigest()
            logger.warning("mail: skipped unreadable message %s (uid %s): %s", key, uid, error)
            if self._claim_only(context, key, "", "", None, MAIL_UNREADABLE):
                report.outcomes[MAIL_UNREADABLE] += 1
            else:
                report.handled_before += 1
            return False  # left unread in the mailbox, for a person to look at
        if context.window_start is not None and mail.sent_at is not None and mail.sent_at < context.window_start:
            report.outside_window += 1
            return False
        try:
            outcome = self._handle(context, mail)
        except Exception:
            # One message's bug must not stop the pass; it stays unmarked and unclaimed, and is tried again.
            logger.exception("mail: could not handle %s", mail.message_key)
            return False
        if outcome is None:
            report.handled_before += 1
        else:
            report.outcomes[outcome] += 1
        return True

    def _handle(self, context: "_PassContext", mail: ReadMail) -> str | None:
        """Act on the message in the transaction that claims it; None when it was handled before."""
        if mail.automatic:
            return MAIL_IGNORED if self._claim_only(context, mail.message_key, mail.sender, mail.subject,
                                                    mail.sent_at, MAIL_IGNORED) else None
        sender = self._sender(context, mail)
        at = mail.sent_at or context.now
        with self.db.uow() as uow:
            session = uow.session
            if not self._claim(session, context, mail.message_key, mail.sender, mail.subject, mail.sent_at):
                return None
            outcome, lead_id = self._decide_and_act(session, context, mail, sender, at)
            session.execute(
                update(HandledMail)
                .where(HandledMail.team_id == context.team_id, HandledMail.message_key == mail.message_key)
                .values(outcome=outcome, lead_id=lead_id)
            )
            uow.commit()
        return outcome

    def _decide_and_act(
        self, session: Session, context: "_PassContext", mail: ReadMail, sender: _Sender, at: datetime
    ) -> tuple[str, int | None]:
        team_id, free_mail = context.team_id, self.act.free_mail
        if sender.rep_id is not None:
            lead = self.act.lead_for(session, team_id, self._outside(context, mail.recipients), free_mail)
            if lead is not None:
                logged = self.act.follow_up(session, team_id, lead, sender.rep_id, _note(mail), at, context.now)
                return (MAIL_FOLLOW_UP if logged else MAIL_IGNORED), lead.id
            if sender.forwarded is not None:
                return self._forwarded(session, context, mail, sender, at)
            return MAIL_IGNORED, None  # a rep writing to someone who is no lead: nothing to log
        lead = self.act.lead_for(session, team_id, [mail.sender], free_mail)
        if lead is not None:
            replied = self.act.buyer_reply(session, team_id, lead, mail.message_key, _reply_note(mail), at, context.now)
            return (MAIL_BUYER_REPLY if replied else MAIL_IGNORED), lead.id
        if sender.ours:
            return MAIL_IGNORED, None  # a colleague, in Slack or not, is never an enquiry
        channel = mail_channel(session, team_id)
        if channel is None:
            return MAIL_IGNORED, None
        author = f"{mail.sender_name} <{mail.sender}>" if mail.sender_name else mail.sender
        offer_by_mail(session, team_id, channel, mail.message_key, author, _note(mail), at, context.now)
        return MAIL_ENQUIRY, None

    def _forwarded(
        self, session: Session, context: "_PassContext", mail: ReadMail, sender: _Sender, at: datetime
    ) -> tuple[str, int | None]:
        """A rep forwarded a message: ours to a buyer is a follow-up (by whoever sent it, if in Slack), the
        buyer's is their reply; each dated when the original was sent, when the forward says."""
        team_id, free_mail, original = context.team_id, self.act.free_mail, sender.forwarded
        when = original.sent_at or at
        if _domain(original.sender) in context.own_domains(self) or original.sender == mail.sender:
            lead = self.act.lead_for(session, team_id, self._outside(context, original.recipients), free_mail)
            if lead is not None:
                by = sender.forwarded_rep_id or sender.rep_id
                logged = self.act.follow_up(session, team_id, lead, by, _note(mail), when, context.now)
                return (MAIL_FOLLOW_UP if logged else MAIL_IGNORED), lead.id
            return MAIL_IGNORED, None
        lead = self.act.lead_for(session, team_id, [original.sender], free_mail)
        if lead is not None:
            note = _reply_note(mail)
            replied = self.act.buyer_reply(session, team_id, lead, mail.message_key, note, when, context.now)
            return (MAIL_BUYER_REPLY if replied else MAIL_IGNORED), lead.id
        return MAIL_IGNORED, None

    def _sender(self, context: "_PassContext", mail: ReadMail) -> _Sender:
        """Whether the sender is a Slack member, asking Slack only when it matters.

        Slack is asked (users.lookupByEmail, remembered an hour) only about senders at our own domains
        — the mailbox's and those of the reps leadbot knows — or who write to an open lead: a stranger
        at another domain cannot be a rep logging a follow-up, and asking about every one would spend
        Slack's rate limit on a mailbox full of enquiries and newsletters.
        """
        own = context.own_domains(self)
        ours = _domain(mail.sender) in own
        with self.db.read() as uow:
            to_lead = self.act.lead_for(
                uow.session, context.team_id, self._outside(context, mail.recipients), self.act.free_mail
            )
        if not ours and to_lead is None:
            return _Sender(None, False)
        rep_id = self.members.user_for(context.team_id, mail.sender)
        if rep_id is None or to_lead is not None:
            return _Sender(rep_id, ours)
        # A rep's mail to nobody we know: perhaps a forward of what they (or the buyer) wrote.
        original = mail.forwarded
        if original is None or not original.sender:
            return _Sender(rep_id, ours)
        forwarded_rep = None
        if original.sender != mail.sender and _domain(original.sender) in own:
            forwarded_rep = self.members.user_for(context.team_id, original.sender)
        return _Sender(rep_id, ours, original, forwarded_rep)

    def _outside(self, context: "_PassContext", addresses) -> list[str]:
        """Recipients who could be a buyer: not the mailbox itself, not at our own domains."""
        own = context.own_domains(self)
        return [address for address in addresses if _domain(address) not in own]

    # -- the once-per-message claim ------------------------------------------------------------------

    def _claim(
        self, session: Session, context: "_PassContext", key: str, sender: str, subject: str, sent_at: datetime | None
    ) -> bool:
        """Insert-if-absent on (team, key): of two schedulers reading one message, one goes on.

        On PostgreSQL the second insert waits for the first transaction and then finds the row; on
        SQLite write transactions take turns. Either way the loser acts on nothing.
        """
        return insert_ignore(
            session,
            HandledMail,
            {
                "team_id": context.team_id,
                "message_key": key[:255],
                "sender": sender[:320],
                "subject": subject,
                "sent_at": sent_at,
                "handled_at": context.now,
                "outcome": MAIL_IGNORED,  # replaced, in this transaction, by what was done
                "lead_id": None,
            },
        )

    def _claim_only(
        self, context: "_PassContext", key: str, sender: str, subject: str, sent_at: datetime | None, outcome: str
    ) -> bool:
        with self.db.uow() as uow:
            claimed = self._claim(uow.session, context, key, sender, subject, sent_at)
            if claimed and outcome != MAIL_IGNORED:
                uow.session.execute(
                    update(HandledMail)
                    .where(HandledMail.team_id == context.team_id, HandledMail.message_key == key[:255])
                    .values(outcome=outcome)
                )
            uow.commit()
        return claimed

    def our_domains(self, team_id: str) -> frozenset[str]:
        """The mailbox's own domain and those of the reps leadbot knows (free-mail domains aside)."""
        domains = {_domain(self.settings.mail_url.user)} if self.settings.mail_url is not None else set()
        with self.db.read() as uow:
            emails = uow.session.scalars(
                select(func.lower(Rep.email)).where(Rep.team_id == team_id, Rep.email.is_not(None)).distinct()
            ).all()
        domains.update(_domain(email) for email in emails)
        return frozenset(domain for domain in domains if domain and domain not in self.act.free_mail)


class _PassContext:
    """What one pass shares between its messages."""

    def __init__(self, team_id: str, now: datetime, window_start: datetime | None) -> None:
        self.team_id = team_id
        self.now = now
        self.window_start = window_start
        self._own: frozenset[str] | None = None

    def own_domains(self, log: MailLog) -> frozenset[str]:
        if self._own is None:
            self._own = log.our_domains(self.team_id)
        return self._own


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


def _reply_note(mail: ReadMail) -> str:
    """What the buyer wrote, first: the owner reads it in a DM and the digest ("Re: …" says little)."""
    text = mail.first_lines(NOTE_LINES) or mail.subject.strip()
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"


def _note(mail: ReadMail) -> str:
    """The subject and the first lines: what a rep would have typed after `/lead log <n> email`."""
    lines = mail.first_lines(NOTE_LINES) if mail.body else ""
    text = "\n".join(part for part in (mail.subject.strip(), lines.strip()) if part)
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"
