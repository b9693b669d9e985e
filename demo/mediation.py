"""The demo's disputes: a roster (移动微调室 and 金牌调解队) and a year of cases in every community,
written through ``mediation.actions`` — most resolved, a few referred or ended, some still
open and one or two overdue, one ethnic-factor case each — with their sessions. Each
community that has cases already is left alone.

预警: a few cases overdue and one repeat dispute (an applicant back within weeks) in each
community, escalated by ``mediation.actions.cases_escalate`` for the last few days as the
daily task would have; and an ethnic-factor case escalated months ago, since resolved, so
the dashboard has a 距上次涉及民族因素案件升级 to count."""

from __future__ import annotations

import datetime as dt
from random import Random

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from faker import Faker

from core.models import Transition
from mediation import actions
from mediation.models import Case, Category, MediationTeam, Mediator, MediatorRole, Risk, Source
from residents.models import LedgerStatus, Resident

from .steps import DemoContext, Tally, demo_step

TEAMS = (
    ("移动微调室", "专职调解员、法律顾问、社区民警、退休老党员"),
    ("金牌调解队", "派出所、司法所、律师、心理咨询师、物业公司"),
)
ROSTER = (
    (MediatorRole.FULL_TIME, "社区调解委员会", 0),
    (MediatorRole.COUNSEL, "社区法律顾问", 0),
    (MediatorRole.POLICE, "派出所", 0),
    (MediatorRole.PARTY_ELDER, "", 0),
    (MediatorRole.LAWYER, "律师事务所", 1),
    (MediatorRole.PSYCHOLOGIST, "心理咨询中心", 1),
    (MediatorRole.PROPERTY, "物业公司", 1),
)
TITLES = {
    Category.NEIGHBOUR: ("楼上漏水纠纷", "噪音扰民纠纷", "楼道堆物纠纷", "宠物扰邻纠纷", "停车位纠纷"),
    Category.FAMILY: ("赡养老人纠纷", "婚姻家庭纠纷", "遗产继承纠纷"),
    Category.PROPERTY: ("物业费纠纷", "电梯维修费用纠纷", "小区绿化纠纷"),
    Category.LABOUR: ("拖欠工资纠纷", "工伤赔偿纠纷"),
    Category.BUSINESS: ("商铺租赁纠纷", "买卖合同纠纷"),
    Category.LAND: ("房屋租赁纠纷", "房屋买卖纠纷"),
    Category.OTHER: ("其他纠纷",),
}
CATEGORY_WEIGHTS = {
    Category.NEIGHBOUR: 40,
    Category.FAMILY: 20,
    Category.PROPERTY: 18,
    Category.LABOUR: 6,
    Category.BUSINESS: 6,
    Category.LAND: 7,
    Category.OTHER: 3,
}
PLACES = ("移动微调室", "社区调解室", "当事人家中", "小区议事亭")


def _pick(rng: Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _roster(rng: Random, community, fake) -> list[Mediator]:
    teams = [
        MediationTeam.objects.create(community=community, name=name, description=description)
        for name, description in TEAMS
    ]
    people = []
    for role, organisation, team in ROSTER:
        phone = f"139{rng.randint(10_000_000, 99_999_999)}"
        people.append(
            actions.mediator_create(
                by=None,
                community=community,
                name=fake.name(),
                phone=phone,
                role=role,
                organisation=organisation,
                teams=[teams[team]],
            )
        )
    return people


def _backdate(case: Case, days: list[dt.date]) -> None:
    """The moves happened on their days, not on the day the demo was seeded."""
    moves = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
    ).order_by("pk")
    tz = timezone.get_current_timezone()
    for move, day in zip(moves, days, strict=False):
        at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=tz)
        Transition.objects.filter(pk=move.pk).update(at=at)


def _case(
    rng: Random, community, grids, residents, mediators, reported_on, today, *, ethnic=False, fake
) -> Case:
    category = _pick(rng, CATEGORY_WEIGHTS)
    applicant = rng.choice(residents)
    parties = [{"resident": applicant, "side": "applicant"}]
    if rng.random() < 0.7:
        parties.append({"resident": rng.choice(residents), "side": "respondent"})
    else:
        parties.append(
            {"name": fake.name(), "phone": f"138{rng.randint(10_000_000, 99_999_999)}", "side": "respondent"}
        )
    if parties[1].get("resident") == applicant:
        parties[1] = {"name": fake.name(), "side": "respondent"}
    grid = next((g for g in grids if g.pk == applicant.household.grid_id), rng.choice(grids))
    risk = Risk.MAJOR if rng.random() < 0.03 else (Risk.SERIOUS if rng.random() < 0.15 else Risk.ORDINARY)
    case = actions.case_create(
        by=None,
        grid=grid,
        parties=parties,
        title=rng.choice(TITLES[category]),
        facts="网格员排查发现，当事人双方因此发生争执，经社区登记后进入调解程序。",
        category=category,
        source=rng.choices(list(Source.values), weights=[50, 20, 10, 8, 7, 5])[0],
        risk=risk,
        ethnic_factor=ethnic,
        reported_on=reported_on,
    )
    days = []
    age = (today - reported_on).days
    if age < 2:
        return case
    accepted = reported_on + dt.timedelta(days=rng.randint(0, 2))
    if rng.random() < 0.02:
        actions.case_reject(
            by=None, case=case, reason="不属于人民调解受理范围，已告知当事人向有关部门反映。", on=accepted
        )
        _backdate(case, [accepted])
        return case
    actions.case_accept(by=None, case=case, on=accepted)
    actions.case_assign(by=None, case=case, mediators=rng.sample(mediators, 2))
    days.append(accepted)
    first = accepted + dt.timedelta(days=rng.randint(1, 4))
    if first > today:
        _backdate(case, days)
        return case
    party_list = list(case.parties.all())
    actions.session_create(
        by=None,
        case=case,
        held_on=first,
        place=rng.choice(PLACES),
        notes="调解员分别听取双方陈述，释法说理，双方表示愿意协商解决。",
        mediators=list(case.mediators.all()),
        parties=party_list,
    )
    days.append(first)
    # Most cases close within three weeks; the newest are still being mediated.
    closing = first + dt.timedelta(days=rng.randint(2, 20))
    overdue = age > 45 and rng.random() < 0.02
    if closing > today or overdue:
        _backdate(case, days)
        return case
    outcome = rng.random()
    if ethnic or outcome < 0.93:
        actions.case_succeed(by=None, case=case, note="双方达成调解协议，当场履行。", on=closing)
        days.append(closing)
    elif outcome < 0.96:
        actions.case_fail(by=None, case=case, reason="双方分歧较大，未能达成协议。", on=closing)
        actions.case_refer(
            by=None, case=case, department=rng.choice(["court", "justice", "police"]), on=closing
        )
        days += [closing, closing]
    else:
        actions.case_terminate(by=None, case=case, reason="申请人撤回调解申请。", on=closing)
        days.append(closing)
    _backdate(case, days)
    return case


@demo_step(40, "矛盾纠纷调解（近一年）")
def mediation_step(ctx: DemoContext) -> None:
    # A copy of the shared stream: later steps draw what they drew before this one existed.
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 40)
    fake = Faker("zh_CN")
    fake.seed_instance(rng.getrandbits(32))
    today = timezone.localdate()
    tally = Tally()
    for community in ctx.org.communities:
        existing = Case.objects.filter(community=community)
        if existing.exists():
            tally.add("纠纷案件", existing=existing.count())
            continue
        residents = list(
            Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE)
            .select_related("household", "ethnicity")
            .order_by("pk")[:3000]
        )
        if len(residents) < 2:
            continue
        grids = ctx.org.grids_of(community)
        mediators = _roster(rng, community, fake)
        made = 0
        start = today - dt.timedelta(days=365)
        ethnic_day = rng.randint(30, 300)
        day = start
        while day <= today:
            if rng.random() < 0.12:  # about 44 a year
                ethnic = (day - start).days >= ethnic_day and not Case.objects.filter(
                    community=community, ethnic_factor=True
                ).exists()
                _case(rng, community, grids, residents, mediators, day, today, ethnic=ethnic, fake=fake)
                made += 1
            day += dt.timedelta(days=1)
        made += _warnings(rng, community, grids, residents, mediators, today, fake=fake)
        tally.add("纠纷案件", created=made)
    # What the daily task would have raised on the last few mornings (idempotent per day).
    escalated = sum(
        len(actions.cases_escalate(day=today - dt.timedelta(days=back))) for back in range(3, -1, -1)
    )
    tally.add("升级预警", created=escalated)
    tally.write(ctx.stdout)


def _open_case(rng: Random, community, grids, residents, mediators, reported_on, *, fake, **fields) -> Case:
    """A case accepted on ``reported_on`` and being mediated, not closed (yet)."""
    applicant = fields.pop("applicant", None) or rng.choice(residents)
    grid = next((g for g in grids if g.pk == applicant.household.grid_id), rng.choice(grids))
    case = actions.case_create(
        by=None,
        grid=grid,
        parties=[
            {"resident": applicant, "side": "applicant"},
            {"name": fake.name(), "side": "respondent"},
        ],
        title=fields.pop("title", "噪音扰民纠纷"),
        facts="网格员排查发现，当事人双方因此多次发生争执，经社区登记后进入调解程序。",
        category=fields.pop("category", Category.NEIGHBOUR),
        source=Source.GRID,
        reported_on=reported_on,
        **fields,
    )
    case = actions.case_accept(by=None, case=case, on=reported_on)
    actions.case_assign(by=None, case=case, mediators=rng.sample(mediators, 2))
    case = actions.case_start(by=None, case=case)
    _backdate(case, [reported_on, reported_on])
    return case


def _warnings(rng: Random, community, grids, residents, mediators, today, *, fake) -> int:
    """Two overdue cases, one repeat dispute and an ethnic-factor case escalated months ago."""
    for weeks in (7, 9):
        _open_case(rng, community, grids, residents, mediators, today - dt.timedelta(weeks=weeks), fake=fake)
    first = _open_case(
        rng,
        community,
        grids,
        residents,
        mediators,
        today - dt.timedelta(days=20),
        fake=fake,
        title="楼道堆物纠纷",
    )
    _open_case(
        rng,
        community,
        grids,
        residents,
        mediators,
        today - dt.timedelta(days=5),
        fake=fake,
        applicant=first.parties.get(side="applicant").resident,
        title="楼道堆物纠纷（再次发生）",
    )
    # Months ago: an ethnic-factor dispute ran past its deadline, was escalated, then resolved.
    reported = today - dt.timedelta(days=rng.randint(120, 200))
    ethnic = _open_case(
        rng,
        community,
        grids,
        residents,
        mediators,
        reported,
        fake=fake,
        title="商铺租赁纠纷",
        category=Category.BUSINESS,
        ethnic_factor=True,
    )
    escalated_on = ethnic.deadline + dt.timedelta(days=1)
    actions.cases_escalate(day=escalated_on)
    closing = escalated_on + dt.timedelta(days=6)
    actions.case_succeed(by=None, case=ethnic, note="经金牌调解队联合调解，双方达成协议。", on=closing)
    _backdate(ethnic, [reported, reported, closing])
    return 5
