"""Tables: teams, leads, the touches logged on them, the reps we know, enquiries, and what keeps processes in step."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every foreign key's column has an index of its own (index=True): deleting a workspace that left deletes its
# leads and accounts, and PostgreSQL checks each deleted row against the rows that may still point at it; without
# an index that reads the whole child table (every workspace's follow-ups) once per deleted lead.

OPEN, WON, LOST = "open", "won", "lost"


class UTCDateTime(TypeDecorator):
    """Stores UTC without a zone (SQLite has none) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    # Through the epoch rather than `replace(tzinfo=…)`: the same instant exactly, at a tenth of the CPU (a
    # datetime's replace() parses its keywords), and a list reads forty of these a command.
    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return _EPOCH + (value - _UTC_EPOCH)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else _UTC_EPOCH + (value - _EPOCH)


_EPOCH = datetime(1970, 1, 1)
_UTC_EPOCH = _EPOCH.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Team(Base):
    """A Slack workspace; hands out the short lead numbers reps type."""

    __tablename__ = "teams"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_lead_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when Slack said the token no longer works; scheduled sends stop until a restart.
    sending_stopped: Mapped[str | None] = mapped_column(String(64))
    # The channel that gets the team summary (`/lead summary on`), and who turned it on.
    summary_channel: Mapped[str | None] = mapped_column(String(32))
    summary_enabled_by: Mapped[str | None] = mapped_column(String(32))
    # Set when the app was uninstalled while LEADBOT_KEEP_DATA_DAYS keeps its data: nothing is sent to the
    # workspace any more, and the scheduler deletes all of its data once this instant has passed.
    delete_data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rep(Base):
    """A Slack user as last seen through users.info: name, time zone, whether still active."""

    __tablename__ = "reps"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The rep's own settings (`/lead settings`); empty means the team's default.
    digest_time: Mapped[str | None] = mapped_column(String(5))  # "09:00"
    workdays: Mapped[str | None] = mapped_column(String(32))  # "mon-fri"
    work_hours: Mapped[str | None] = mapped_column(String(11))  # "09:00-18:00"
    # Whose public holidays are the rep's days off: "CN", "DE-BY", "none"; empty: the team's (LEADBOT_HOLIDAYS).
    holidays: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    snooze_days: Mapped[int | None] = mapped_column(Integer)
    # When this rep's next morning digest is due, in UTC; the scheduler's index.
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RepChange(Base):
    """A row of `reps` that changed, written by triggers on `reps` (migration 0017), so that every process drops it
    from the rep rows it keeps (bot/store/rep_changes.py).

    Used on SQLite only: PostgreSQL's trigger tells the processes with NOTIFY instead, and this table stays empty
    there. Rows older than an hour are deleted. Not a workspace's data (no team_id): deleting a workspace's reps
    writes rows here, which must stay for the other processes to read. A migration that rebuilds `reps` on SQLite
    (batch mode) drops the triggers with the old table and must create them again.
    """

    __tablename__ = "rep_changes"
    # AUTOINCREMENT: a seq is never used twice, so a reader knows every row up to the highest it read.
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rep: Mapped[str] = mapped_column(String(65))  # "team_id user_id", as PostgreSQL's notification says it
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Lead(Base):
    """One enquiry, from capture until it is won or lost."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # One open lead per company and team; closed ones may repeat.
        Index(
            "uq_leads_open_company",
            "team_id",
            "company_key",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_leads_team_owner_status_next", "team_id", "owner_id", "status", "next_follow_up_on"),
        Index("ix_leads_team_status_next", "team_id", "status", "next_follow_up_on"),
        Index("ix_leads_nudge_due_at", "nudge_due_at"),
        Index("ix_leads_status_nudges_unanswered", "status", "nudges_unanswered"),
        Index("ix_leads_team_account_key", "team_id", "account_key"),
        # The team summary counts what was captured and closed in a period.
        Index("ix_leads_team_created_at", "team_id", "created_at"),
        Index("ix_leads_team_closed_at", "team_id", "closed_at"),
        # "Does following up pay?" counts a year of closed leads by outcome and follow-ups from the index alone.
        Index("ix_leads_team_closed_outcome", "team_id", "closed_at", "status", "touch_count", "owner_id", "source"),
        # Mail is matched to leads by the contact's exact address, or by its domain (not for free-mail domains).
        Index("ix_leads_team_contact_email", "team_id", "contact_email"),
        Index("ix_leads_team_contact_domain", "team_id", "contact_domain"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), ForeignKey("teams.team_id"))
    number: Mapped[int] = mapped_column(Integer)
    company: Mapped[str] = mapped_column(String(255))
    company_key: Mapped[str] = mapped_column(String(255))
    # Company without its legal form, to find the account a lead belongs to (see bot.text.company_names.account_key).
    account_key: Mapped[str] = mapped_column(String(255), default="", server_default="")
    contact_name: Mapped[str] = mapped_column(String(255), default="")
    contact_role: Mapped[str] = mapped_column(String(255), default="")
    # The contact's email address, lower-cased, and its domain (kept even for free-mail domains: whether a
    # domain is free mail is LEADBOT_FREE_MAIL_DOMAINS's call at matching time, so changing it needs no rewrite).
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_domain: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))
    asked_for: Mapped[str] = mapped_column(Text, default="")
    situation: Mapped[str] = mapped_column(String(32))
    discovery_notes: Mapped[str] = mapped_column(Text, default="")
    claimed_potential: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    potential_unit: Mapped[str] = mapped_column(String(255), default="")
    owner_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    lost_reason: Mapped[str | None] = mapped_column(String(32))
    lost_note: Mapped[str] = mapped_column(Text, default="")
    touch_count: Mapped[int] = mapped_column(Integer, default=0)
    next_follow_up_on: Mapped[date | None] = mapped_column(Date)
    last_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The date the buyer named ("call me after the 15th"); it overrides the cadence step.
    buyer_date: Mapped[date | None] = mapped_column(Date)
    # When the scheduler should next look at this lead; never later than a nudge is due.
    nudge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudges_unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # touch_count when the manager was last told about this lead, so one silence escalates once.
    escalated_at_touch: Mapped[int | None] = mapped_column(Integer)
    needs_new_owner: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The Slack message the enquiry came from, when it came from one.
    source_link: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What a won deal was worth, when the rep said (in the team's currency unless they named another).
    won_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    won_currency: Mapped[str | None] = mapped_column(String(3))
    # When the buyer wrote (email or shared channel) and nobody has answered yet; a waiting lead is not quiet.
    reply_waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What discovery found out (SPIN: situation, problem, implication, need-payoff), "" while still unknown;
    # filled from the follow-up form, or read from the free discovery notes (bot.text.background).
    bg_situation: Mapped[str] = mapped_column(Text, default="", server_default="")
    bg_problem: Mapped[str] = mapped_column(Text, default="", server_default="")
    bg_implication: Mapped[str] = mapped_column(Text, default="", server_default="")
    bg_need_payoff: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the owner pinned it to the top of *Call these first* (the digest and Home); empty: not pinned.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    touches: Mapped[list["Touch"]] = relationship(back_populates="lead", order_by="Touch.logged_at")


class Touch(Base):
    """A logged follow-up: a call, email, visit, message or meeting."""

    __tablename__ = "touches"
    __table_args__ = (
        Index("ix_touches_team_lead", "team_id", "lead_id"),
        Index("ix_touches_team_logged_at", "team_id", "logged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    buyer_said: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the follow-up came from: typed in Slack, read from the sales mailbox, or said in a linked channel.
    source: Mapped[str] = mapped_column(String(16), default="typed", server_default="typed")

    lead: Mapped[Lead] = relationship(back_populates="touches")


PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"


class Delivery(Base):
    """The ledger of scheduled messages: one row per (team, kind, subject, period), written before posting."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "kind", "subject", "period"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_message", "team_id", "message_channel", "message_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(32))  # user or channel id to post to
    payload: Mapped[str] = mapped_column(Text, default="{}")  # what to render, as JSON
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A sender holds the lease while posting, so a second scheduler never posts the same row.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the lease (current or last) was taken
    # An earlier attempt may have reached Slack without its ts being recorded, starting at this instant (its
    # sender died holding the lease, or the post's answer was lost): look in the conversation before posting.
    unsure_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class Account(Base):
    """A customer that orders from us, matched by name however it is written."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("team_id", "account_key"),
        Index("ix_accounts_check_due_at", "check_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    account_key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    # The owner named with its orders; when empty the lead's owner or the team default applies.
    owner_id: Mapped[str | None] = mapped_column(String(32))
    # When the small-buyer rule should next be checked: after an order, or when a question may be asked again.
    check_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    """One order an account placed, typed with `/lead order` or imported from CSV."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("team_id", "import_key"),
        Index("ix_orders_team_account_ordered_on", "team_id", "account_id", "ordered_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    ordered_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    currency: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[str | None] = mapped_column(String(128))
    # Re-importing a file must add nothing: its ref, or company + date + amount, identifies a row.
    import_key: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmallBuyerAnswer(Base):
    """Why a steady small customer buys so little from us, as the owner answered, and the step it led to."""

    __tablename__ = "small_buyer_answers"
    __table_args__ = (Index("ix_small_buyer_answers_team_answered_at", "team_id", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_step_on: Mapped[date] = mapped_column(Date)
    lead_number: Mapped[int | None] = mapped_column(Integer)  # the follow-up that carries the next step


class TeamSetting(Base):
    """Team-wide settings an admin saved in `/lead settings`; they override the environment's defaults."""

    __tablename__ = "team_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    values: Mapped[str] = mapped_column(Text, default="{}")  # JSON: setting name → value as typed
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Refusal(Base):
    """A "only wanted a proposal" closing leadbot refused for too few follow-ups (the summary counts them)."""

    __tablename__ = "refusals"
    __table_args__ = (Index("ix_refusals_team_at", "team_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lead_number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
class InboundChannel(Base):
    """A channel where enquiries land (a web form, an email forward, colleagues): each new message is offered
    for claiming."""

    __tablename__ = "inbound_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    round_robin: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Enquiries that arrive by email (`/lead inbound mail on`) are posted here to be claimed.
    mail: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Whose turn it was last, so round-robin goes on from there.
    last_assigned_to: Mapped[str | None] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


ENQUIRY_OPEN, ENQUIRY_TAKEN, ENQUIRY_DISMISSED = "open", "taken", "dismissed"


class Enquiry(Base):
    """One top-level message in an inbound channel, from arrival until someone takes it or says it is no enquiry."""

    __tablename__ = "enquiries"
    __table_args__ = (
        # Slack retries events and sometimes delivers one twice; the message's own key makes that one enquiry.
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_enquiries_status_remind_due_at", "status", "remind_due_at"),
        Index("ix_enquiries_team_channel_owner", "team_id", "channel_id", "owner_id"),
        Index("ix_enquiries_team_lead", "team_id", "lead_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")  # a user id, or the bot or workflow's name
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    permalink: Mapped[str | None] = mapped_column(String(512))
    reply_ts: Mapped[str | None] = mapped_column(String(32))  # leadbot's threaded reply with the buttons
    status: Mapped[str] = mapped_column(String(16), default=ENQUIRY_OPEN)
    taken_how: Mapped[str | None] = mapped_column(String(16))  # claim, assign or round_robin
    owner_id: Mapped[str | None] = mapped_column(String(32))  # who got the lead
    handled_by: Mapped[str | None] = mapped_column(String(32))  # who pressed the button; empty for round-robin
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    # When the scheduler should remind the channel (or assign by round-robin) if nobody has claimed it.
    remind_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For an enquiry that came by email: the message it came from (MailMessage.message_key).
    mail_key: Mapped[str | None] = mapped_column(String(255))


class SlackEvent(Base):
    """A Slack event or form submission already acted on, so a repeat reaching any web worker is dropped."""

    __tablename__ = "slack_events"
    __table_args__ = (Index("ix_slack_events_received_at", "received_at"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerRun(Base):
    """When each scheduler process last finished a run: the health check's proof that scheduled messages go out."""

    __tablename__ = "scheduler_runs"

    runner: Mapped[str] = mapped_column(String(255), primary_key=True)  # host:pid
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)


TYPED, EMAIL, CHANNEL = "typed", "email", "channel"  # Touch.source and BuyerReply.source


class BuyerReply(Base):
    """The buyer wrote back (by email or in a linked channel); waiting until the owner follows up, snoozes or notes
    the buyer's date."""

    __tablename__ = "buyer_replies"
    __table_args__ = (
        # A reply is recorded once however often its message is read: the mail's key or the channel message's.
        UniqueConstraint("team_id", "ref"),
        Index("ix_buyer_replies_team_lead", "team_id", "lead_id"),
        Index("ix_buyer_replies_team_replied_at", "team_id", "replied_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # EMAIL or CHANNEL
    ref: Mapped[str] = mapped_column(String(255))  # "mail:<message key>" or "slack:<channel>:<ts>"
    note: Mapped[str] = mapped_column(Text, default="")  # the first lines of what the buyer wrote
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_how: Mapped[str | None] = mapped_column(String(16))  # follow_up, snooze or said_later


class LinkedChannel(Base):
    """A channel tied to a lead (`/lead link`), typically shared with the customer: its messages log themselves."""

    __tablename__ = "linked_channels"
    __table_args__ = (Index("ix_linked_channels_team_lead", "team_id", "lead_id"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    linked_by: Mapped[str] = mapped_column(String(32))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


MAIL_FOLLOW_UP, MAIL_BUYER_REPLY, MAIL_ENQUIRY, MAIL_IGNORED, MAIL_UNREADABLE = (
    "follow_up", "buyer_reply", "enquiry", "ignored", "unreadable",
)


class HandledMail(Base):
    """A message from the sales mailbox that leadbot has handled, so it is acted on once however often it is read."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("team_id", "message_key"),
        Index("ix_mail_messages_team_handled_at", "team_id", "handled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # The Message-ID as sent, or a hash of it when longer than fits, or of sender, date and subject when missing.
    message_key: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # MAIL_FOLLOW_UP, MAIL_BUYER_REPLY, MAIL_ENQUIRY, ...
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)


class MailboxState(Base):
    """Where the last read of the sales mailbox stopped, and whether reading it is failing (for /healthz)."""

    __tablename__ = "mailbox_state"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the workspace the mailbox reports to
    mailbox: Mapped[str] = mapped_column(String(255), primary_key=True)  # user@host:port/folder, no password
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int | None] = mapped_column(BigInteger)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))


# Add to Slack: each workspace's installation and bot token, and the state of installs under way. slack_sdk's
# SQLAlchemy stores read and write these tables; their columns are slack_sdk's own, built by its classmethods so
# that they cannot drift apart (migration 0015 writes them out).
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
class WebhookEndpoint(Base):
    """A URL that receives the workspace's events, signed with its own secret (Standard Webhooks)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("team_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))  # whsec_…: kept, since every delivery is signed with it
    events: Mapped[str] = mapped_column(String(512), default="")  # comma list of event types; empty: all
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # it receives the events from then on
    # Since when every delivery to it failed (cleared by one that got through); 24 hours of it disables it.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
class ApiToken(Base):
    """A key an integration calls the HTTP API with, for one workspace: only its SHA-256 is kept, never the token.

    The minute it was last used in and how many requests it made then are its rate limit, shared by every web
    worker.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
