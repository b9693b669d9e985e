"""The demo's visits (走访慰问), meetings with their decisions, and honours, for every community,
written through ``activities.actions``: visits to the 困难户 at 春节 and 中秋, to the Muslim
families at 古尔邦节 and through the year for 困难帮扶 and 病困; a monthly 民族团结工作会议, a
quarterly 联席会议 and 居民议事会 and two 3+X 联席议事, their decisions mostly done, some open and
two past their due date; and the honours of the year — 变电所社区 the 省级 and 市级 民族团结进步先进
单位, a 最美志愿者 and a 最美网格员. A community that has visits, meetings or honours already is
left alone for that kind, so running the command again adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from random import Random

from django.contrib.auth import get_user_model
from django.utils import timezone

from activities import actions, queries
from activities.models import Honour, HonourLevel, Meeting, MeetingKind, Recipient, Visit, VisitReason
from grid.models import Role
from residents.models import LedgerStatus, Resident

from .steps import DemoContext, Tally, demo_step

# 走访慰问, 会议与决定, 荣誉 ---------------------------------------------------------------------

# The festivals' days (lunar and Islamic calendars), by year.
FESTIVALS = {
    "春节": {2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6)},
    "古尔邦节": {2025: dt.date(2025, 6, 6), 2026: dt.date(2026, 5, 27), 2027: dt.date(2027, 5, 16)},
    "中秋": {2025: dt.date(2025, 10, 6), 2026: dt.date(2026, 9, 25), 2027: dt.date(2027, 9, 15)},
}
GIFTS = {
    "春节": ("米、面、油各一份", (300, 500)),
    "古尔邦节": ("牛羊肉、馓子", (200, 400)),
    "中秋": ("月饼、水果", (100, 200)),
}
MUSLIM = (
    "回族",
    "维吾尔族",
    "哈萨克族",
    "东乡族",
    "撒拉族",
    "保安族",
    "柯尔克孜族",
    "塔吉克族",
    "乌孜别克族",
    "塔塔尔族",
)
VISITS_PER_FESTIVAL = 60
MEETINGS = (
    (MeetingKind.UNITY, "民族团结工作例会", 1),
    (MeetingKind.JOINT, "社区“大党委”联席会议", 3),
    (MeetingKind.RESIDENTS, "居民议事会", 3),
    (MeetingKind.THREE_X, "“3+X”联席议事会", 6),
)
DECISIONS = (
    ("走访慰问困难少数民族家庭，建立走访台账", "社区居委会"),
    ("用“爱心一元捐”为贫困少数民族家庭孩子购买学习用品", "社区党总支"),
    ("组织民族团结进步宣传月活动", "社区居委会"),
    ("协调解决少数民族居民就业岗位推荐", "社区就业服务站"),
    ("修缮小区楼道照明，解决居民出行不便", "物业公司"),
    ("排查化解少数民族群众与周边群众的矛盾纠纷", "社区调解委员会"),
    ("为独居少数民族老人安装紧急呼叫设备", "社区卫生服务站"),
    ("开展“石榴籽”志愿服务进楼栋", "石榴籽志愿服务队"),
    ("清理小区堆物，改善人居环境", "物业公司"),
    ("协调派出所做好节日期间安全巡逻", "社区警务室"),
)


def _latest(days: dict[int, dt.date], today: dt.date) -> dt.date | None:
    past = [day for day in days.values() if day <= today and (today - day).days <= 365]
    return max(past) if past else None


def _staff_of(community) -> list:
    return list(
        get_user_model()
        .objects.filter(profile__org_unit__path__startswith=community.path, profile__role=Role.STAFF)
        .order_by("pk")[:2]
    )


def _visits(rng: Random, community, today: dt.date) -> int:
    hardship = list(queries.hardship_households(community, today).order_by("pk"))
    if not hardship:
        return 0
    staff = _staff_of(community)
    muslim_ids = set(
        Resident.objects.filter(
            household__community=community, status=LedgerStatus.ACTIVE, ethnicity__name__in=MUSLIM
        ).values_list("household_id", flat=True)
    )
    made = 0
    for festival, days in FESTIVALS.items():
        day = _latest(days, today)
        if day is None:
            continue
        if festival == "古尔邦节":
            homes = [h for h in hardship if h.pk in muslim_ids] or [h for h in hardship if rng.random() < 0.1]
        else:
            # Most 困难户, not all: some are left for the 未走访 list to find.
            homes = [h for h in hardship if rng.random() < (0.85 if festival == "春节" else 0.6)]
        items, (low, high) = GIFTS[festival]
        for home in homes[:VISITS_PER_FESTIVAL]:
            visited_on = day - dt.timedelta(days=rng.randint(1, 6))
            actions.visit_create(
                by=None,
                household=home,
                visited_on=visited_on,
                reason=VisitReason.FESTIVAL,
                visitors=staff[:1],
                visitor_names="社区书记" if rng.random() < 0.5 else "社区书记、共建单位代表",
                items=items,
                amount=Decimal(rng.randrange(low, high + 1, 50)),
                note=f"{festival}前走访，送上节日祝福，了解家庭生活情况。",
            )
            made += 1
    # 困难帮扶 and 病困 through the year.
    for home in rng.sample(hardship, min(len(hardship), 12)):
        reason = VisitReason.ILLNESS if rng.random() < 0.4 else VisitReason.HARDSHIP
        actions.visit_create(
            by=None,
            household=home,
            visited_on=today - dt.timedelta(days=rng.randint(3, 330)),
            reason=reason,
            visitors=staff[-1:],
            visitor_names="网格员" if rng.random() < 0.5 else "社区干部",
            items="慰问金" if reason == VisitReason.HARDSHIP else "营养品、慰问金",
            amount=Decimal(rng.randrange(200, 1001, 100)),
            note="了解困难情况，协助申请临时救助。"
            if reason == VisitReason.HARDSHIP
            else "看望病困群众，协调送医送药。",
        )
        made += 1
    return made


def _meeting_days(today: dt.date, every: int) -> list[dt.date]:
    """The first Wednesday of every ``every``-th month of the last twelve, up to today."""
    days = []
    for back in range(11, -1, -1):
        month = (today.month - 1 - back) % 12 + 1
        year = today.year + (today.month - 1 - back) // 12
        if (12 - back) % every:
            continue
        first = dt.date(year, month, 1)
        wednesday = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        if wednesday <= today:
            days.append(wednesday)
    return days


def _meetings(rng: Random, community, today: dt.date) -> tuple[int, int]:
    staff = _staff_of(community)
    meetings = decisions = 0
    held = []
    for kind, title, every in MEETINGS:
        for day in _meeting_days(today, every):
            meeting = actions.meeting_create(
                by=None,
                community=community,
                kind=kind,
                title=title,
                held_on=day,
                place="社区党群服务中心会议室",
                attendee_users=staff,
                attendee_names="社区书记、社区民警、物业公司、辖区共建单位代表、居民代表",
                minutes="传达学习民族工作会议精神，研究部署本阶段民族团结进步创建工作，议定事项如下。",
            )
            meetings += 1
            held.append(meeting)
            for content, owner in rng.sample(
                DECISIONS, rng.choice((1, 2, 2, 3)) if kind == MeetingKind.UNITY else 2
            ):
                decision = actions.decision_add(
                    by=None,
                    meeting=meeting,
                    content=content,
                    owner=staff[0] if staff and rng.random() < 0.3 else None,
                    owner_unit=owner,
                    due_on=day + dt.timedelta(days=rng.choice((15, 30, 45))),
                )
                decisions += 1
                if decision.due_on < today:
                    done_on = min(today, decision.due_on - dt.timedelta(days=rng.randint(0, 10)))
                    actions.decision_start(by=None, decision=decision)
                    actions.decision_finish(
                        by=None, decision=decision, result="已按期落实。", on=max(done_on, day)
                    )
                elif rng.random() < 0.5:
                    actions.decision_start(by=None, decision=decision, note="已安排专人办理。")
    # Two decisions past their due date still open: reopened, as a follow-up visit found them undone.
    done = [
        d
        for meeting in sorted(held, key=lambda m: m.held_on, reverse=True)
        for d in meeting.decisions.filter(status="done").order_by("pk")
    ]
    for decision in done[2:4]:
        actions.decision_reopen(by=None, decision=decision, reason="回访发现尚未完全落实，继续办理。")
    return meetings, decisions


def _in_year(rng: Random, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=rng.randint(20, 330))


def _honours(rng: Random, ctx: DemoContext, community, today: dt.date) -> int:
    made = 0

    def honour(**fields):
        nonlocal made
        actions.honour_create(by=None, community=community, awarded_on=_in_year(rng, today), **fields)
        made += 1

    if community.pk == ctx.org.biandiansuo.pk:
        honour(title="民族团结进步先进单位", level=HonourLevel.PROVINCE, awarded_by="辽宁省人民政府")
        honour(title="民族团结进步先进单位", level=HonourLevel.CITY, awarded_by="阜新市人民政府")
        honour(
            title="最美志愿者服务先进单位", level=HonourLevel.PROVINCE, awarded_by="辽宁省精神文明建设委员会"
        )
        volunteer = (
            Resident.objects.filter(
                household__community=community, status=LedgerStatus.ACTIVE, ethnicity__is_minority=True
            )
            .order_by("pk")
            .first()
        )
        if volunteer is not None:
            honour(
                title="最美志愿者",
                level=HonourLevel.CITY,
                awarded_by="阜新市精神文明建设委员会",
                recipient=Recipient.PERSON,
                resident=volunteer,
                note="石榴籽志愿服务队队员，常年为少数民族困难老人义务服务。",
            )
        worker = (
            get_user_model()
            .objects.filter(
                profile__org_unit__path__startswith=community.path, profile__role=Role.GRID_WORKER
            )
            .order_by("pk")
            .first()
        )
        honour(
            title="最美网格员",
            level=HonourLevel.DISTRICT,
            awarded_by="区委政法委",
            recipient=Recipient.PERSON,
            person_name=(worker.get_full_name() or worker.username) if worker else "网格员",
            note="熟悉网格内每户少数民族家庭，节日走访、困难帮扶做到“五个及时”。",
        )
    else:
        honour(title="民族团结进步先进集体", level=HonourLevel.STREET, awarded_by="街道党工委")
        if rng.random() < 0.5:
            honour(title="民族团结进步先进单位", level=HonourLevel.DISTRICT, awarded_by="区人民政府")
    return made


@demo_step(61, "走访慰问、会议与荣誉")
def visits_meetings_honours_step(ctx: DemoContext) -> None:
    # A copy of the shared stream: later steps draw what they drew before this one existed.
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 61)
    today = timezone.localdate()
    tally = Tally()
    for community in ctx.org.communities:
        visits = Visit.objects.filter(community=community)
        if visits.exists():
            tally.add("走访慰问", existing=visits.count())
        else:
            tally.add("走访慰问", created=_visits(rng, community, today))
        meetings = Meeting.objects.filter(community=community)
        if meetings.exists():
            tally.add("会议", existing=meetings.count())
        else:
            made, decisions = _meetings(rng, community, today)
            tally.add("会议", created=made)
            tally.add("议定事项", created=decisions)
        honours = Honour.objects.filter(community=community)
        if honours.exists():
            tally.add("荣誉", existing=honours.count())
        else:
            tally.add("荣誉", created=_honours(rng, ctx, community, today))
    tally.write(ctx.stdout)
