"""The demo's 帮扶 and 为民实事: a year of help per community — 就业援助 for unemployed
residents followed from 认定 to a job (most placed, some still being helped), 低保 and
临时救助 for 低保 and 困难 households, 助学 and 医疗 — and the 实事 / 微心愿 residents raised,
most done, a few still open and one or two past their due date, so that 变电所社区's year
reads like seed 003 (实事52件). All through ``services.actions``; a community that has them
already is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from random import Random

from django.db.models import Q
from django.utils import timezone

from residents.models import Employment, LedgerStatus, Resident
from services import actions
from services.models import Assistance, AssistanceKind, MatterKind, MatterOrigin, PracticalMatter

from .steps import DemoContext, Tally, demo_step

# (kind, measures, amount range in 元 or None)
HELP = (
    (AssistanceKind.SUBSISTENCE, "纳入最低生活保障，按月发放低保金", (600, 1200)),
    (AssistanceKind.TEMPORARY, "发放临时救助金，协调解决燃眉之急", (500, 3000)),
    (AssistanceKind.EDUCATION, "为困难家庭学生申请助学金", (1000, 3000)),
    (AssistanceKind.MEDICAL, "协助办理大病医疗救助", (800, 5000)),
    (AssistanceKind.OTHER, "上门送去米面油等生活物资", None),
)
JOBS = ("社区公益性岗位", "物业公司保洁员", "超市理货员", "快递分拣员", "餐饮服务员", "家政服务员", "保安员")
MATTERS = (
    "楼道加装扶手",
    "更换小区路灯",
    "疏通化粪池",
    "修补破损路面",
    "增设非机动车充电桩",
    "清理楼道堆积杂物",
    "维修单元门禁",
    "增设休闲座椅",
    "整治小区积水",
    "修剪遮挡窗户的树木",
    "安装楼道声控灯",
    "开设“四点半课堂”",
    "为老年人开设智能手机课",
    "增设便民晾衣架",
    "设立爱心理发点",
)
WISHES = (
    "为独居老人更换燃气灶",
    "为留守儿童送书包文具",
    "为残疾人送轮椅",
    "帮助困难老人修补屋顶",
    "为学生送台灯",
)
OWNERS = ("社区居委会", "物业服务中心", "网格员", "共建单位", "街道城管科")


def _day(rng: Random, start: dt.date, today: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((today - start).days))


def _help(rng: Random, community, today: dt.date, full: bool) -> int:
    start = today - dt.timedelta(days=365)
    active = Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE)
    jobless = list(active.filter(employment=Employment.UNEMPLOYED).order_by("pk")[: 30 if full else 6])
    needy = list(
        active.filter(Q(household__is_dibao=True) | Q(household__is_hardship=True)).order_by("pk")[
            : 60 if full else 12
        ]
    )
    made = 0
    for resident in jobless:
        on = _day(rng, start, today - dt.timedelta(days=20))
        help_ = actions.assistance_create(
            by=None,
            kind=AssistanceKind.EMPLOYMENT,
            resident=resident,
            started_on=on,
            measures="开展职业指导，推荐就业岗位",
        )
        help_ = actions.assistance_start(by=None, assistance=help_)
        if rng.random() < 0.7:
            placed = min(today, on + dt.timedelta(days=rng.randint(15, 120)))
            actions.assistance_place(by=None, assistance=help_, placement=rng.choice(JOBS), on=placed)
        made += 1
    for resident in needy:
        kind, measures, amounts = rng.choice(HELP)
        on = _day(rng, start, today)
        amount = Decimal(rng.randrange(*amounts, 50)) if amounts else None
        household = kind in (AssistanceKind.SUBSISTENCE, AssistanceKind.OTHER)
        help_ = actions.assistance_create(
            by=None,
            kind=kind,
            resident=None if household else resident,
            household=resident.household if household else None,
            started_on=on,
            measures=measures,
            amount=amount,
        )
        if kind != AssistanceKind.SUBSISTENCE and (today - on).days > 10:
            actions.assistance_complete(by=None, assistance=help_, on=min(today, on + dt.timedelta(days=7)))
        made += 1
    return made


def _matters(rng: Random, community, grids, today: dt.date, full: bool) -> int:
    start = today - dt.timedelta(days=365)
    residents = list(
        Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE).order_by("pk")[
            :400
        ]
    )
    count = 52 if full else 10
    for number in range(count):
        wish = number % 6 == 5
        raised = _day(rng, start, today)
        due = raised + dt.timedelta(days=rng.randint(15, 90))
        matter = actions.matter_create(
            by=None,
            unit=rng.choice([community, *grids]),
            kind=MatterKind.WISH if wish else MatterKind.PRACTICAL,
            title=rng.choice(WISHES if wish else MATTERS),
            origin=rng.choice(MatterOrigin.values[:3]),
            raised_on=raised,
            owner=rng.choice(OWNERS),
            due_on=due,
            beneficiary_count=rng.randint(1, 3) if wish else rng.randint(10, 200),
        )
        for resident in rng.sample(residents, k=min(len(residents), 1 if wish else 3)):
            actions.matter_add_beneficiary(by=None, matter=matter, resident=resident)
        done = min(today, raised + dt.timedelta(days=rng.randint(5, 80)))
        # Most are done by now; the newest stay open, and one or two are past due.
        if (today - raised).days > 45 and rng.random() < 0.93:
            actions.matter_complete(by=None, matter=matter, result="已办结，群众满意", on=done)
        elif rng.random() < 0.5:
            actions.matter_start(by=None, matter=matter)
    return count


@demo_step(51, "便民服务：帮扶与为民实事")
def help_step(ctx: DemoContext) -> None:
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 51)
    today = timezone.localdate()
    tally = Tally()
    for community in ctx.org.communities:
        full = community.pk == ctx.org.biandiansuo.pk
        existing = Assistance.objects.filter(community=community).count()
        if existing:
            tally.add("帮扶", existing=existing)
        else:
            tally.add("帮扶", created=_help(rng, community, today, full))
        existing = PracticalMatter.objects.filter(community=community).count()
        if existing:
            tally.add("实事", existing=existing)
        else:
            tally.add("实事", created=_matters(rng, community, ctx.org.grids_of(community), today, full))
    tally.write(ctx.stdout)
