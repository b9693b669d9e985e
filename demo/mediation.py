"""The demo's disputes: a roster (移动微调室 and 金牌调解队) and a year of cases in every community,
written through ``mediation.actions`` — most resolved, a few referred or ended, some still
open and one or two overdue, one ethnic-factor case each — with their sessions, the
agreements of the settled cases and their follow-up visits (most made and kept, a few still
due or overdue, one per community finding the agreement broken, which reopened the case).
Each community that has cases already is left alone.

预警: a few cases overdue and one repeat dispute (an applicant back within weeks) in each
community, escalated by ``mediation.actions.cases_escalate`` for the last few days as the
daily task would have; and an ethnic-factor case escalated months ago, since resolved, so
the dashboard has a 距上次涉及民族因素案件升级 to count.

Step 44 then gives each community's 专职调解员 an account linked to their roster record, a
year of 法律诊所 sittings in the five modes (a few disputes registered from them), and takes
a few cases on as 联调; a community with sittings already is left alone."""

from __future__ import annotations

import datetime as dt
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from faker import Faker

from core.models import Transition
from grid.models import Role
from mediation import actions
from mediation.models import (
    OPEN,
    Case,
    CaseStatus,
    Category,
    ClinicMode,
    ClinicSession,
    FollowUp,
    FollowUpStatus,
    JointDepartment,
    MediationTeam,
    Mediator,
    MediatorRole,
    Performance,
    Risk,
    Source,
)
from residents.models import LedgerStatus, Resident

from .org import seed_accounts
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


TERMS = (
    "一、{respondent}于{days}日内负责修复（或承担费用），并向{applicant}赔礼道歉。\n"
    "二、双方今后互谅互让，不再因此事发生争执。",
    "一、{respondent}一次性支付{applicant}补偿款人民币{money}元。\n二、双方就本纠纷再无其他争议。",
)


def _agreement(rng: Random, case: Case) -> None:
    parties = list(case.parties.order_by("side", "pk"))
    applicant, respondent = parties[0].name, parties[-1].name
    actions.agreement_create(
        by=None,
        case=case,
        facts=case.facts,
        disputes=f"双方就{case.title.removesuffix('纠纷')}问题的责任和补偿发生争议。",
        responsibilities=f"{respondent}对纠纷的发生负主要责任，{applicant}负次要责任。",
        terms=rng.choice(TERMS).format(
            applicant=applicant,
            respondent=respondent,
            days=rng.choice([3, 7, 10]),
            money=rng.choice([300, 500, 800, 1200]),
        ),
        performance_method=rng.choice(["当面一次性履行", "现金一次性支付", "自行修复，社区见证"]),
        performance_place=rng.choice(PLACES),
        performance_deadline=case.closed_on + dt.timedelta(days=rng.randint(7, 30)),
        made_on=case.closed_on,
    )


def _visits(rng: Random, case: Case, today: dt.date, *, broken: bool) -> bool:
    """The case's visits that have fallen due: made a few days late at most, most finding the
    agreement kept; a few still to make. ``broken``: the first finds it broken (reopens)."""
    mediator = case.mediators.first()
    for followup in case.followups.filter(status=FollowUpStatus.DUE).order_by("due_on"):
        visited = followup.due_on + dt.timedelta(days=rng.randint(0, 3))
        if visited > today or (not broken and rng.random() < 0.04):
            continue
        if broken:
            actions.followup_record(
                by=None,
                followup=followup,
                visited_on=visited,
                performance=Performance.BROKEN,
                note="当事人反映对方未按协议约定履行，经社区重新组织调解。",
                mediator=mediator,
            )
            move = Transition.objects.filter(
                content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
            ).latest("pk")
            tz = timezone.get_current_timezone()
            Transition.objects.filter(pk=move.pk).update(
                at=dt.datetime.combine(visited, dt.time(15), tzinfo=tz)
            )
            return True
        kept = Performance.PERFORMED if rng.random() < 0.8 else Performance.PERFORMING
        actions.followup_record(
            by=None,
            followup=followup,
            visited_on=visited,
            performance=kept,
            note="当事人表示协议已按约定履行。" if kept == Performance.PERFORMED else "正在按约定分期履行。",
            mediator=mediator,
        )
    return False


def _agreements_and_visits(rng: Random, community, today: dt.date, tally: Tally) -> None:
    settled = list(
        Case.objects.filter(community=community, status=CaseStatus.SUCCEEDED).order_by("closed_on", "pk")
    )
    # One settled case old enough for its first visit finds its agreement broken.
    first_visit = min(settings.MEDIATION_FOLLOWUP_DAYS, default=15)
    old = [c for c in settled if (today - c.closed_on).days > first_visit + 30]
    breaker = rng.choice(old) if old else None
    made = 0
    for case in settled:
        _agreement(rng, case)
        made += 1
        _visits(rng, case, today, broken=case is breaker)
    tally.add("调解协议书", created=made)
    done = FollowUp.objects.filter(case__community=community, status=FollowUpStatus.DONE).count()
    tally.add("回访", created=done)


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
    seeded = []
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
        seeded.append(community)
    # Drawn after every community's cases, so those stay as they were before agreements.
    later = Random(rng.getrandbits(64))
    for community in seeded:
        _agreements_and_visits(later, community, today, tally)
    tally.write(ctx.stdout)


# --- 法律诊所, the mediators' accounts and 联调 (step 44) -----------------------------------------

CLINIC_PLACES = {
    ClinicMode.DAILY: "社区法律诊所",
    ClinicMode.APPOINTMENT: "社区法律诊所",
    ClinicMode.EXPERT: "社区党群服务中心",
    ClinicMode.CAMPAIGN: "社区文化广场",
}
CLINIC_SERVED = {
    ClinicMode.DAILY: (3, 12),
    ClinicMode.APPOINTMENT: (1, 3),
    ClinicMode.EXPERT: (2, 6),
    ClinicMode.CIRCUIT: (5, 20),
    ClinicMode.CAMPAIGN: (30, 80),
}
CLINIC_TOPICS = (
    "婚姻家庭、赡养抚养",
    "劳动争议、拖欠工资",
    "房屋租赁、物业服务",
    "邻里相邻关系",
    "继承、遗嘱",
    "消费维权",
    "民间借贷",
)
# 集中义诊 in the weeks of 学雷锋日, 民法典宣传月 and 国家宪法日, about.
CAMPAIGN_WEEKS = (9, 21, 48)


def _clinic_modes(rng: Random, week: int) -> list[str]:
    modes = []
    if rng.random() < 0.9:
        modes.append(ClinicMode.DAILY)
    if rng.random() < 0.3:
        modes.append(ClinicMode.APPOINTMENT)
    if week % 4 == 1:
        modes.append(ClinicMode.CIRCUIT)
    if week % 13 == 6:
        modes.append(ClinicMode.EXPERT)
    if week in CAMPAIGN_WEEKS:
        modes.append(ClinicMode.CAMPAIGN)
    return modes


def _mediator_account(ctx: DemoContext, community, rng: Random, fake) -> None:
    """The community's 专职调解员 signs in: an account with the mediator role (the demo's
    ``mediator`` in 变电所社区, ``mediator_<code>`` elsewhere) linked to their roster record,
    the record named as the account is."""
    record = Mediator.objects.filter(community=community, role=MediatorRole.FULL_TIME).order_by("pk").first()
    if record is None or record.user_id:
        return
    account = next(
        (a for a in ctx.accounts if a.role == Role.MEDIATOR and a.unit.pk == community.pk),
        None,
    )
    if account is None:
        places = [(f"mediator_{community.code[-6:]}", Role.MEDIATOR, community)]
        made = seed_accounts(org=ctx.org, rng=rng, fake=fake, stdout=ctx.stdout, places=places)
        ctx.accounts += made
        account = made[0]
    user = get_user_model().objects.get(username=account.username)
    if Mediator.objects.filter(user=user).exists():
        return
    actions.mediator_update(by=None, mediator=record, name=user.first_name, user=user)


def _clinic_case(rng: Random, clinic: ClinicSession, grids, residents, mediators, today) -> Case:
    applicant, respondent = rng.sample(residents, 2)
    grid = clinic.grid or next((g for g in grids if g.pk == applicant.household.grid_id), rng.choice(grids))
    category = _pick(rng, CATEGORY_WEIGHTS)
    case = actions.case_create(
        by=None,
        grid=grid,
        parties=[
            {"resident": applicant, "side": "applicant"},
            {"resident": respondent, "side": "respondent"},
        ],
        title=rng.choice(TITLES[category]),
        facts="群众到法律诊所咨询时反映，律师解答后建议申请人民调解，社区当场登记。",
        category=category,
        reported_on=clinic.held_on,
        clinic_session=clinic,
    )
    days = [clinic.held_on + dt.timedelta(days=1)]
    if days[0] > today:
        return Case.objects.get(pk=case.pk)
    actions.case_accept(by=None, case=case, on=days[0])
    actions.case_assign(by=None, case=case, mediators=rng.sample(mediators, 2))
    if rng.random() < 0.3:
        # The harder ones are mediated jointly (大调解).
        departments = rng.sample(
            [
                JointDepartment.POLICE,
                JointDepartment.JUSTICE,
                JointDepartment.LAW_FIRM,
                JointDepartment.PROPERTY,
            ],
            2,
        )
        actions.case_mark_joint(by=None, case=case, departments=departments)
    closing = days[0] + dt.timedelta(days=rng.randint(3, 18))
    if closing <= today:
        actions.case_start(by=None, case=case)
        actions.case_succeed(by=None, case=case, note="双方达成调解协议。", on=closing)
        days += [closing, closing]
    _backdate(case, days)
    case = Case.objects.get(pk=case.pk)
    if case.status == CaseStatus.SUCCEEDED:
        # Settled as the other cases are: its agreement, and the visits fallen due.
        _agreement(rng, case)
        _visits(rng, case, today, broken=False)
    return case


@demo_step(44, "法律诊所、调解员账号与联调（近一年）")
def clinic_step(ctx: DemoContext) -> None:
    rng = Random()
    rng.setstate(ctx.rng.getstate())
    rng.seed(rng.getrandbits(64) ^ 44)
    fake = Faker("zh_CN")
    fake.seed_instance(rng.getrandbits(32))
    today = timezone.localdate()
    tally = Tally()
    for community in ctx.org.communities:
        _mediator_account(ctx, community, rng, fake)
        existing = ClinicSession.objects.filter(community=community)
        if existing.exists():
            tally.add("法律诊所服务", existing=existing.count())
            continue
        mediators = list(Mediator.objects.filter(community=community).order_by("pk"))
        counsel = [m for m in mediators if m.role in (MediatorRole.COUNSEL, MediatorRole.LAWYER)]
        residents = list(
            Resident.objects.filter(household__community=community, status=LedgerStatus.ACTIVE)
            .select_related("household")
            .order_by("pk")[:1000]
        )
        grids = ctx.org.grids_of(community)
        if len(mediators) < 2 or len(residents) < 2 or not counsel:
            continue
        start = today - dt.timedelta(days=364)
        made = from_clinic = joint = 0
        for week in range(52):
            monday = start + dt.timedelta(days=7 * week - start.weekday())
            for mode in _clinic_modes(rng, week):
                held_on = min(today, max(start, monday + dt.timedelta(days=rng.randint(0, 4))))
                low, high = CLINIC_SERVED[mode]
                served = rng.randint(low, high)
                grid = rng.choice(grids) if mode == ClinicMode.CIRCUIT else None
                who = {"counsel": rng.choice(counsel)}
                if mode in (ClinicMode.EXPERT, ClinicMode.CAMPAIGN) and rng.random() < 0.5:
                    who = {
                        "counsel_name": fake.name(),
                        "counsel_organisation": f"{fake.last_name()}氏律师事务所",
                    }
                clinic = actions.clinic_session_create(
                    by=None,
                    community=community,
                    grid=grid,
                    mode=mode,
                    held_on=held_on,
                    place=f"{grid.name}居民活动室" if grid else CLINIC_PLACES[mode],
                    served=served,
                    minority_served=round(served * rng.uniform(0.1, 0.4)),
                    topics="、".join(rng.sample(CLINIC_TOPICS, 2)) + "等法律咨询",
                    **who,
                )
                made += 1
                if rng.random() < 0.08:
                    case = _clinic_case(rng, clinic, grids, residents, mediators, today)
                    from_clinic += 1
                    joint += case.is_joint
        # A couple of the cases still being mediated are taken on jointly.
        for case in Case.objects.filter(community=community, status__in=OPEN).order_by("pk")[:2]:
            if not case.is_joint:
                actions.case_mark_joint(
                    by=None, case=case, departments=[JointDepartment.POLICE, JointDepartment.JUSTICE]
                )
                joint += 1
        tally.add("法律诊所服务", created=made)
        tally.add("法律诊所登记的纠纷", created=from_clinic)
        tally.add("联调案件", created=joint)
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
