"""`leadbot sandbox --demo`: a small, realistic team seeded through leadbot's own services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.clock import local_today
from bot.config import Settings
from bot.services.leads import LeadDraft
from bot.services.orders import OrderInput
from bot.work_calendar import WorkCalendar
from sandbox.workspace import INBOUND, MANAGER, REPS, SALES, TEAM, Workspace

MEI, JONAS, MARIA = (rep.id for rep in REPS)
START_AFTER_DIGEST = timedelta(minutes=5)


@dataclass(frozen=True)
class DemoLead:
    company: str
    owner: str
    contact: str
    role: str
    source: str
    asked_for: str
    situation: str
    notes: str
    claimed: int | None
    unit: str
    age_days: int  # captured this many days before the sandbox starts
    touches: tuple[tuple[int, str, str], ...] = ()  # (days before start, kind, note)
    next_in_days: int | None = None  # the next follow-up relative to the start (negative: overdue)
    buyer_said: str = ""
    outcome: str = ""  # "won", "lost:<reason>", or "" (open)
    snoozed: int = 0  # snoozed yesterday for this many days
    email: str = ""  # the contact's address (reserved .example domains: nobody real gets mail from the demo)


@dataclass
class Seeded:
    """What the demo created, for the command line and the tests."""

    leads: list[int] = field(default_factory=list)
    open_leads: int = 0
    accounts: list[str] = field(default_factory=list)
    orders: int = 0


LEADS = (
    DemoLead("Daqing Oilfield Design Institute", MEI, "Zhang Wei", "process engineer", "website",
             "A proposal for anti-corrosion coating of 40 km of pipeline", "boss_research",
             "S: the boss asked whether to coat in-house. P: corrosion shuts lines twice a year.",
             3_000_000, "per year", 12, ((10, "email", "Sent the proposal and two case studies"),), -3,
             email="zhang.wei@daqing-design.example"),
    DemoLead("Suzhou Precision Castings", MEI, "Chen Jing", "purchasing", "trade_show",
             "Samples of high-temperature release agent", "wants_to_buy", "", 180_000, "per year", 0, (), 2),
    DemoLead("Ningbo Harbour Cranes", MEI, "Liu Yang", "maintenance lead", "referral",
             "Marine-grade topcoat for 12 cranes", "wants_to_buy", "", 900_000, "order",
             34, ((30, "call", "Walked through the spec"), (20, "visit", "Site visit, measured the cranes"),
                  (6, "meeting", "Price agreed with procurement")), outcome="won"),
    DemoLead("Wuxi Pump Works", MEI, "Zhou Min", "R&D manager", "inbound_call",
             "Coating for impellers; wants to test three options", "trial", "", 250_000, "per year",
             8, ((6, "call", "They test after the holiday"),), snoozed=6),
    DemoLead("Kessler Anlagenbau GmbH", JONAS, "Petra Kessler", "managing director", "website",
             "Quote for coating 6 process tanks", "comparing", "Two other vendors quoted; they value delivery time.",
             420_000, "project", 21, ((19, "call", "Clarified tank sizes"), (12, "email", "Sent the quote"),
                                       (3, "call", "They shortlisted us")), 1,
             email="p.kessler@kessler-anlagen.example"),
    DemoLead("Nordsee Offshore Wind", JONAS, "Jan Petersen", "asset manager", "marketing",
             "Information on splash-zone coatings for monopiles", "boss_research", "", 5_000_000, "per year",
             40, ((35, "email", "Sent the brochure"),), -26),
    DemoLead("Brandt Chemie AG", JONAS, "Lena Brandt", "buyer", "referral",
             "Floor coating for a new warehouse", "comparing", "", 120_000, "project",
             30, ((28, "call", "Sent prices"), (21, "email", "Followed up on the quote")),
             outcome="lost:competitor"),
    DemoLead("Hoffmann Lackiertechnik", JONAS, "Uwe Hoffmann", "owner", "inbound_call",
             "Primer for steel frames, 200 pieces a month", "wants_to_buy", "", 60_000, "per year", 1, (), 1),
    DemoLead("Gulf Coast Fabricators", MARIA, "Tom Reyes", "plant manager", "trade_show",
             "Fireproofing coating for structural steel", "wants_to_buy", "", 1_500_000, "per year",
             16, ((14, "call", "Good first call"), (7, "email", "Sent data sheets")), -1,
             email="tom.reyes@gulfcoastfab.example"),
    DemoLead("Hudson Valley Coatings", MARIA, "Amy Chen", "engineer", "website",
             "Only asked for a full proposal", "unknown", "", 300_000, "per year",
             45, ((40, "email", "Proposal sent"), (30, "call", "No answer"), (15, "email", "Checked in")),
             outcome="lost:went_silent"),
    DemoLead("Lakeside Packaging Inc.", MARIA, "Rob Miller", "operations", "referral",
             "Food-safe coating for conveyor parts", "trial", "", 80_000, "per year",
             6, ((2, "call", "Trial parts arrive next week"),), 4, buyer_said="Call after the trial run"),
    DemoLead("Prairie Agri Equipment", MARIA, "Dale Olson", "purchasing", "website",
             "Powder coating for implement frames", "comparing", "", 700_000, "per year", 9,
             ((7, "email", "Sent a first quote"),), 0),
)

# The same team in a Chinese sandbox (`--language zh`): Chinese companies, contacts and notes, the same situations.
LEADS_ZH = (
    DemoLead("大庆油田设计院", MEI, "张伟", "工艺工程师", "website",
             "40 公里管线防腐涂层方案", "boss_research",
             "背景：领导让他调研要不要自己做防腐。问题：管线每年因腐蚀停两次。",
             3_000_000, "每年", 12, ((10, "email", "发了方案和两个案例"),), -3,
             email="zhangwei@daqing-design.example"),
    DemoLead("苏州精密铸造", MEI, "陈静", "采购", "trade_show",
             "高温脱模剂样品", "wants_to_buy", "", 180_000, "每年", 0, (), 2),
    DemoLead("宁波港口起重机", MEI, "刘洋", "设备维护主管", "referral",
             "12 台起重机的船用面漆", "wants_to_buy", "", 900_000, "单", 34,
             ((30, "call", "过了一遍技术要求"), (20, "visit", "现场看了起重机，量了尺寸"),
              (6, "meeting", "和采购谈妥了价格")), outcome="won"),
    DemoLead("无锡水泵厂", MEI, "周敏", "研发经理", "inbound_call",
             "叶轮涂层，想试三种方案", "trial", "", 250_000, "每年",
             8, ((6, "wechat", "他们节后再做测试"),), snoozed=6),
    DemoLead("青岛化工设备有限公司", JONAS, "王建国", "总经理", "website",
             "6 个工艺储罐的涂装报价", "comparing", "另外两家也报了价；他们看重交期。",
             420_000, "项目", 21, ((19, "call", "确认了储罐尺寸"), (12, "email", "发了报价"),
                                   (3, "wechat", "我们进了短名单")), 1, email="wangjg@qd-chem.example"),
    DemoLead("江苏海上风电", JONAS, "孙海", "资产经理", "marketing",
             "单桩飞溅区涂层的资料", "boss_research", "", 5_000_000, "每年",
             40, ((35, "email", "发了产品手册"),), -26),
    DemoLead("天津化学工业集团", JONAS, "李娜", "采购", "referral",
             "新仓库的地坪涂料", "comparing", "", 120_000, "项目",
             30, ((28, "call", "报了价"), (21, "email", "跟进报价")), outcome="lost:competitor"),
    DemoLead("杭州喷涂技术", JONAS, "胡强", "老板", "inbound_call",
             "钢结构框架底漆，每月 200 件", "wants_to_buy", "", 60_000, "每年", 1, (), 1),
    DemoLead("广州钢结构工程", MARIA, "黄涛", "厂长", "trade_show",
             "钢结构防火涂料", "wants_to_buy", "", 1_500_000, "每年",
             16, ((14, "call", "第一次通话很顺利"), (7, "wechat", "发了数据表")), -1,
             email="huangtao@gz-steel.example"),
    DemoLead("武汉涂装工程", MARIA, "陈艾米", "工程师", "website",
             "只要了一份完整方案", "unknown", "", 300_000, "每年",
             45, ((40, "email", "发了方案"), (30, "call", "没人接"), (15, "wechat", "问了下进展")),
             outcome="lost:went_silent"),
    DemoLead("厦门食品包装有限公司", MARIA, "郑明", "运营", "referral",
             "输送带零件的食品级涂层", "trial", "", 80_000, "每年",
             6, ((2, "call", "试用零件下周到"),), 4, buyer_said="试生产之后再联系"),
    DemoLead("河南农机装备", MARIA, "刘大海", "采购", "website",
             "农机车架的粉末涂料", "comparing", "", 700_000, "每年", 9,
             ((7, "email", "发了第一版报价"),), 0),
)

# Small steady buyers: (company, owner, [(months before start, amount)]) in the team currency.
STEADY_BUYERS = (
    ("Harbin Valve Co.", MEI, ((26, 3_200), (19, 2_800), (13, 3_500), (7, 2_900), (2, 3_100))),
    ("Schmidt Maschinenbau", JONAS, ((20, 4_500), (14, 3_900), (8, 4_200), (3, 4_800))),
    ("Ohio Tool & Die", MARIA, ((18, 1_900), (11, 2_300), (5, 2_100), (1, 2_400))),
)
STEADY_BUYERS_ZH = (
    ("哈尔滨阀门厂", MEI, ((26, 3_200), (19, 2_800), (13, 3_500), (7, 2_900), (2, 3_100))),
    ("沈阳机械制造有限公司", JONAS, ((20, 4_500), (14, 3_900), (8, 4_200), (3, 4_800))),
    ("东莞模具厂", MARIA, ((18, 1_900), (11, 2_300), (5, 2_100), (1, 2_400))),
)


def demo_data(language: str) -> tuple[tuple[DemoLead, ...], tuple]:
    """The leads and steady buyers of the demo, in the sandbox's language."""
    return (LEADS_ZH, STEADY_BUYERS_ZH) if language == "zh" else (LEADS, STEADY_BUYERS)


def working_morning(now: datetime, settings: Settings, tz: str) -> datetime:
    """`now`, if it is working time on a working day in `tz`; else just after the digest on the next working day.

    The demo starts there, so its first minute has a morning digest waiting, even when started on a Saturday.
    """
    calendar = WorkCalendar(settings.workdays, settings.holidays)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    opens, closes = max(settings.work_hours[0], settings.digest_time), settings.work_hours[1]
    today = local.date()
    if calendar.is_working_day(today) and opens <= local.time() < closes:
        return now
    early = calendar.is_working_day(today) and local.time() < opens
    day = today if early else calendar.next_working_day(today + timedelta(days=1))
    return (datetime.combine(day, opens, zone) + START_AFTER_DIGEST).astimezone(timezone.utc)


def start_demo(workspace: Workspace, keep_start: bool) -> Seeded:
    """Seed the demo and deliver what it made due; unless `keep_start`, first move to a working morning."""
    if not keep_start:
        first = REPS[0]  # the page opens as the first rep
        workspace.clock.set(working_morning(workspace.clock.now(), workspace.deps.settings, first.tz))
    seeded = seed(workspace)
    workspace.advance_to(workspace.clock.now())  # what the demo made due arrives at once
    return seeded


def seed(workspace: Workspace) -> Seeded:
    """Create the demo team's leads, follow-ups and orders at times before the sandbox's start.

    The sandbox's scheduler waits meanwhile: a pass over half a team sent Mei a nudge where the whole team's
    first pass sends her morning digest.
    """
    with workspace.scheduler_paused():
        return _seed(workspace)


def _seed(workspace: Workspace) -> Seeded:
    deps = workspace.deps
    start = workspace.clock.now()
    seeded = Seeded()
    for person in REPS + (MANAGER,):
        deps.directory.rep(TEAM, person.id, start)  # as when each first used leadbot: name, time zone
    deps.teams.set_summary_channel(TEAM, SALES, MANAGER.id, start - timedelta(days=60))
    deps.inbound.set_enabled(TEAM, INBOUND, True, MANAGER.id, start - timedelta(days=60))
    leads, steady_buyers = demo_data(deps.settings.language)
    for item in leads:
        seeded.leads.append(_seed_lead(workspace, item, start))
        seeded.open_leads += not item.outcome
    currency = deps.settings.currency
    for company, owner, orders in steady_buyers:
        for months_ago, amount in orders:
            when = start - timedelta(days=30 * months_ago)
            ordered_on = local_today(when, _tz(workspace, owner))
            order = OrderInput(company, Decimal(amount), currency, ordered_on)
            deps.orders.record(TEAM, order, owner, when, _tz(workspace, owner))
            seeded.orders += 1
        seeded.accounts.append(company)
    return seeded


def _seed_lead(workspace: Workspace, item: DemoLead, start: datetime) -> int:
    deps = workspace.deps
    tz = _tz(workspace, item.owner)
    created = _working_time(start - timedelta(days=item.age_days), tz, start)
    first = deps.policy(TEAM).next_follow_up(0, local_today(created, tz))
    draft = LeadDraft(
        company=item.company, contact_name=item.contact, contact_role=item.role, source=item.source,
        asked_for=item.asked_for, situation=item.situation, discovery_notes=item.notes,
        claimed_potential=Decimal(item.claimed) if item.claimed else None, potential_unit=item.unit,
        owner_id=item.owner, first_follow_up_on=first, contact_email=item.email or None,
    )
    lead = deps.leads.capture(TEAM, draft, item.owner, created, tz)
    ref = str(lead.number)
    touches = sorted(item.touches, key=lambda touch: -touch[0])
    for i, (days_ago, kind, note) in enumerate(touches):
        when = _working_time(start - timedelta(days=days_ago), tz, start)
        last = i == len(touches) - 1
        next_on = (_day(start, tz, item.next_in_days)
                   if last and item.next_in_days is not None and item.next_in_days >= 0 else None)
        deps.leads.log_touch(TEAM, ref, item.owner, kind, note, when, tz,
                             buyer_said=item.buyer_said if last else "", next_on=next_on)
    if item.outcome == "won":
        deps.leads.win(TEAM, ref, item.owner, start - timedelta(days=2))
    elif item.outcome.startswith("lost:"):
        deps.leads.lose(TEAM, ref, item.owner, item.outcome.split(":", 1)[1], "", start - timedelta(days=3))
    elif item.snoozed:
        deps.leads.snooze(TEAM, ref, item.owner, item.snoozed, start - timedelta(days=1), tz)
    elif item.next_in_days is not None and not item.touches:
        deps.leads.set_next_date(TEAM, ref, item.owner, _day(start, tz, max(item.next_in_days, 0)), created, tz)
    elif item.next_in_days is not None and item.next_in_days < 0:
        # Overdue: the follow-up date passed without a logged touch.
        deps.leads.set_next_date(TEAM, ref, item.owner, _day(start, tz, item.next_in_days),
                                 start + timedelta(days=item.next_in_days - 1), tz)
    return lead.number


def _tz(workspace: Workspace, user_id: str) -> str:
    return workspace.slack.user(user_id)["tz"]


def _day(start: datetime, tz: str, days: int) -> date:
    return local_today(start, tz) + timedelta(days=days)


def _working_time(when: datetime, tz: str, start: datetime) -> datetime:
    """10:30 that day in the rep's zone (people log work in office hours), never after the start."""
    local = datetime.combine(when.astimezone(ZoneInfo(tz)).date(), time(10, 30), ZoneInfo(tz))
    return min(local, start - timedelta(minutes=5))
