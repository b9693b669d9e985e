"""The demo's service hall: the catalogue (well over a hundred 事项, ``demo.services_data``),
every community's windows — 变电所社区's thirteen, one of them the 少数民族服务窗口 where the
demo's 窗口人员 sits — and a year of tickets over every channel (窗口, 信访, 热线, 网格上报,
线上) with office hours and outcomes: almost all handled, a few returned or referred, the
newest still open, one or two overdue, most rated; today's queue has people waiting. All
written through ``services.actions``; what is there already is left alone."""

from __future__ import annotations

import datetime as dt
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from faker import Faker

from core.models import Transition
from residents.models import LedgerStatus, Resident
from services import actions
from services.models import Category, Channel, Kind, ServiceItem, Ticket, Window
from services.workdays import Calendar

from .services_data import items
from .steps import DemoContext, Tally, demo_step

LABELS = {str(label): value for value, label in Category.choices}
# letter, name, categories (labels), minority window, languages
WINDOWS = (
    ("A", "综合受理窗口", "", False, "汉语"),
    ("B", "少数民族服务窗口", "民族事务、民政、就业", True, "汉语、维吾尔语、哈萨克语、蒙古语"),
    ("C", "民政救助窗口", "民政", False, "汉语"),
    ("D", "社会保障窗口", "社保", False, "汉语"),
    ("E", "就业服务窗口", "就业", False, "汉语"),
    ("F", "医保服务窗口", "社保", False, "汉语"),
    ("G", "卫生健康窗口", "卫生健康", False, "汉语"),
    ("H", "残疾人服务窗口", "残联", False, "汉语、手语"),
    ("J", "老龄服务窗口", "民政", False, "汉语"),
    ("K", "法律服务窗口", "法律服务", False, "汉语"),
    ("L", "退役军人服务窗口", "民政", False, "汉语"),
    ("M", "流动人口服务窗口", "其他", False, "汉语、维吾尔语"),
    ("N", "诉求受理窗口", "其他", False, "汉语"),
)
SMALL_HALL = ("A", "B", "C", "D", "E")


def seed_catalogue(tally: Tally) -> None:
    known = set(ServiceItem.objects.values_list("name", flat=True))
    for category, name, limit, materials in items():
        if name in known:
            tally.add("服务事项", existing=1)
            continue
        actions.item_create(
            by=None, category=LABELS[category], name=name, time_limit=limit, materials=materials
        )
        tally.add("服务事项", created=1)


def seed_windows(ctx: DemoContext, tally: Tally) -> None:
    clerk = get_user_model().objects.filter(username="clerk").first()
    for community in ctx.org.communities:
        if Window.objects.filter(community=community).exists():
            tally.add("服务窗口", existing=Window.objects.filter(community=community).count())
            continue
        full = community.pk == ctx.org.biandiansuo.pk
        for letter, name, categories, minority, languages in WINDOWS:
            if not full and letter not in SMALL_HALL:
                continue
            actions.window_create(
                by=None,
                community=community,
                letter=letter,
                name=name,
                categories=categories,
                is_minority_window=minority,
                languages=languages,
                clerks=[clerk] if clerk and full and letter in ("A", "B") else [],
            )
            tally.add("服务窗口", created=1)


# Tickets per working day: 变电所社区's hall and the smaller ones, and each channel's share.
DAILY = {"full": 2.0, "small": 0.6}
CHANNELS = {Channel.WINDOW: 78, Channel.HOTLINE: 9, Channel.PETITION: 2, Channel.GRID: 6, Channel.ONLINE: 5}
SUBJECTS = {
    Channel.HOTLINE: ("楼道灯不亮", "小区垃圾清运不及时", "噪音扰民", "供暖温度不达标", "下水道堵塞"),
    Channel.PETITION: ("反映拆迁补偿问题", "反映物业收费问题", "反映低保评定问题", "反映邻里纠纷处理不满"),
    Channel.GRID: ("网格巡查发现路面破损", "独居老人需要上门服务", "楼道堆放杂物", "电动车楼道充电隐患"),
    Channel.ONLINE: ("网上预约办理居住证", "咨询社保缴费", "申请开具居住证明", "反映小区停车难"),
}
RESULTS = ("已按规定办理完毕", "材料齐全，当场办结", "已审核通过并告知结果", "已协调相关部门解决")


def _at(day: dt.date, rng: Random) -> dt.datetime:
    """A moment of office hours (9:00–12:00, 14:30–17:30) on ``day``."""
    minutes = rng.choice([rng.randint(9 * 60, 12 * 60), rng.randint(14 * 60 + 30, 17 * 60 + 30)])
    return dt.datetime.combine(
        day, dt.time(minutes // 60, minutes % 60), tzinfo=timezone.get_current_timezone()
    )


def _backdate(ticket: Ticket, days: list[dt.date], rng: Random) -> None:
    """The ticket was entered and moved on its days, in office hours, not on the seeding day."""
    created = _at(ticket.received_on, rng)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created, called_at=created if ticket.window_id else None
    )
    moves = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk
    ).order_by("pk")
    for move, day in zip(moves, days, strict=False):
        Transition.objects.filter(pk=move.pk).update(at=max(_at(day, rng), created))


def _ticket(rng, fake, community, grids, windows, residents, items, day, today) -> None:
    channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
    minority_window = next((w for w in windows if w.is_minority_window), None)
    window = None
    if channel == Channel.WINDOW:
        window = minority_window if minority_window and rng.random() < 0.18 else rng.choice(windows)
    kind = Kind.REQUEST if channel != Channel.WINDOW else (Kind.CONSULT if rng.random() < 0.56 else Kind.CASE)
    if channel == Channel.ONLINE and rng.random() < 0.5:
        kind = Kind.CASE
    minority = [r for r in residents if r.ethnicity.is_minority]
    pool = minority if window is minority_window and minority and rng.random() < 0.8 else residents
    applicant: dict = {}
    if rng.random() < 0.85:
        applicant = {"resident": rng.choice(pool)}
    else:
        applicant = {
            "applicant_name": fake.name(),
            "applicant_phone": f"139{rng.randint(10_000_000, 99_999_999)}",
        }
    item = None
    if kind == Kind.CASE or (kind == Kind.CONSULT and rng.random() < 0.6):
        item = rng.choice(items)
    unit = community
    if channel == Channel.GRID:
        resident = applicant.get("resident")
        unit = next((g for g in grids if resident and g.pk == resident.household.grid_id), rng.choice(grids))
    ticket = actions.ticket_create(
        by=None,
        unit=unit,
        channel=channel,
        kind=kind,
        window=window,
        item=item,
        subject=rng.choice(SUBJECTS[channel]) if channel in SUBJECTS else (item.name if item else "政策咨询"),
        received_on=day,
        **applicant,
    )
    days: list[dt.date] = []
    age = (today - day).days
    if channel == Channel.PETITION:
        if age < 5:
            _backdate(ticket, days, rng)
            return
        accepted = day + dt.timedelta(days=rng.randint(1, 10))
    else:
        accepted = day
    if kind == Kind.CONSULT:
        actions.ticket_answer(by=None, ticket=ticket, result="已当场答复，告知办理流程和所需材料。")
        days += [day, day]
    else:
        if rng.random() < 0.004:
            actions.ticket_return(
                by=None, ticket=ticket, reason="材料不全，已一次性告知需补齐的材料。", on=day
            )
            _backdate(ticket, [day], rng)
            return
        ticket = actions.ticket_accept(by=None, ticket=ticket, on=accepted)
        days.append(accepted)
        limit = (ticket.deadline - accepted).days if ticket.deadline else 0
        closing = accepted + dt.timedelta(days=rng.randint(0, max(0, int(limit * 0.8))))
        if channel == Channel.PETITION and rng.random() < 0.08 and age > 70:
            actions.ticket_extend(
                by=None, ticket=ticket, reason="涉及多个部门，情况复杂，经批准延长办理期限。"
            )
            closing = ticket.deadline - dt.timedelta(days=rng.randint(1, 20))
        late = age > 90 and rng.random() < (0.03 if channel == Channel.PETITION else 0.0005)
        if closing > today or late:
            if closing > accepted:
                actions.ticket_start(by=None, ticket=ticket)
                days.append(accepted)
            _backdate(ticket, days, rng)
            return
        if closing > accepted:
            ticket = actions.ticket_start(by=None, ticket=ticket)
            days.append(accepted)
        if rng.random() < 0.003:
            ticket = actions.ticket_refer(
                by=None, ticket=ticket, department=rng.choice(["civil", "hr", "housing"]), on=closing
            )
        else:
            ticket = actions.ticket_complete(by=None, ticket=ticket, result=rng.choice(RESULTS), on=closing)
        days.append(closing)
    if rng.random() < 0.6:
        rating = rng.choices(["satisfied", "basic", "dissatisfied"], weights=[86, 12, 2])[0]
        actions.ticket_rate(
            by=None,
            ticket=ticket,
            satisfaction=rating,
            comment="等候时间较长" if rating == "dissatisfied" else "",
        )
    _backdate(ticket, days, rng)


def _ethnic_changes(rng, community, windows, residents, start, today, count) -> None:
    """民族成分变更, at the minority window, for minority residents (the seeds: seven a year)."""
    item = ServiceItem.objects.filter(name="民族成分变更").first()
    window = next((w for w in windows if w.is_minority_window), None)
    minority = [r for r in residents if r.ethnicity.is_minority]
    if item is None or window is None or not minority:
        return
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randint(0, (today - start).days - 60))
        ticket = actions.ticket_create(
            by=None,
            unit=community,
            channel=Channel.WINDOW,
            kind=Kind.CASE,
            window=window,
            item=item,
            subject="申请变更民族成分",
            received_on=day,
            resident=rng.choice(minority),
        )
        ticket = actions.ticket_accept(by=None, ticket=ticket, on=day)
        ticket = actions.ticket_start(by=None, ticket=ticket)
        closing = day + dt.timedelta(days=rng.randint(20, 40))
        ticket = actions.ticket_complete(
            by=None, ticket=ticket, result="经审核公示，已办理民族成分变更。", on=closing
        )
        _backdate(ticket, [day, day, closing], rng)


def _todays_queue(rng, windows) -> None:
    """People waiting in the hall today, two numbers already called: the board has something to show."""
    for window in windows[:3]:
        for _ in range(rng.randint(2, 5)):
            actions.ticket_take_number(by=None, window=window)
        actions.window_call_next(by=None, window=window)


def seed_tickets(ctx: DemoContext, rng: Random, tally: Tally) -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(rng.getrandbits(32))
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    calendar = Calendar(start, today)
    # 民族成分变更 has its own few (``_ethnic_changes``).
    items = list(ServiceItem.objects.filter(active=True).exclude(name="民族成分变更").order_by("pk"))
    for community in ctx.org.communities:
        existing = Ticket.objects.filter(community=community)
        if existing.exists():
            tally.add("办件", existing=existing.count())
            continue
        windows = list(Window.objects.filter(community=community).order_by("letter"))
        residents = list(
            Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE)
            .select_related("household", "ethnicity")
            .order_by("pk")[:3000]
        )
        if not windows or not residents:
            continue
        grids = ctx.org.grids_of(community)
        daily = DAILY["full" if community.pk == ctx.org.biandiansuo.pk else "small"]
        day = start
        while day < today:
            if calendar.is_working_day(day):
                for _ in range(int(daily) + (1 if rng.random() < daily % 1 else 0)):
                    _ticket(rng, fake, community, grids, windows, residents, items, day, today)
            day += dt.timedelta(days=1)
        if community.pk == ctx.org.biandiansuo.pk:
            _ethnic_changes(rng, community, windows, residents, start, today, 7)
            _todays_queue(rng, windows)
        tally.add("办件", created=Ticket.objects.filter(community=community).count())


@demo_step(50, "便民服务：服务事项、窗口与近一年办件")
def services_step(ctx: DemoContext) -> None:
    # A copy of the shared stream: later steps draw what they drew before this one existed.
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 50)
    tally = Tally()
    seed_catalogue(tally)
    seed_windows(ctx, tally)
    seed_tickets(ctx, rng, tally)
    tally.write(ctx.stdout)
