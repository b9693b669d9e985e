"""矛盾纠纷调解: dispute cases (纠纷案件), their parties, mediators and teams, and the sessions
held on them (调解记录). Changes are kept in ``core.Change`` (``mediation.hooks`` registers
them); statuses move through ``Case.transitions`` (``core.transitions``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import OrgLevel, OrgUnit, phone_validator
from residents.models import Ethnicity, Resident


class Category(models.TextChoices):
    NEIGHBOUR = "neighbour", "邻里"
    FAMILY = "family", "家庭婚姻"
    PROPERTY = "property", "物业"
    LABOUR = "labour", "劳资"
    BUSINESS = "business", "经营"
    LAND = "land", "土地房屋"
    OTHER = "other", "其他"


class Source(models.TextChoices):
    GRID = "grid", "网格排查"
    VISIT = "visit", "来访"
    HOTLINE = "hotline", "热线"
    REFERRED_DOWN = "superior", "上级转办"
    CLINIC = "clinic", "法律诊所"
    OTHER = "other", "其他"


class Risk(models.TextChoices):
    ORDINARY = "ordinary", "一般"
    SERIOUS = "serious", "较大"
    MAJOR = "major", "重大"


class Department(models.TextChoices):
    POLICE = "police", "派出所"
    JUSTICE = "justice", "司法所"
    COURT = "court", "法院"
    PETITION = "petition", "信访"
    OTHER = "other", "其他"


class CaseStatus(models.TextChoices):
    REGISTERED = "registered", "登记"
    ACCEPTED = "accepted", "受理"
    REJECTED = "rejected", "不予受理"
    MEDIATING = "mediating", "调解中"
    SUCCEEDED = "succeeded", "调解成功"
    FAILED = "failed", "调解不成"
    REFERRED = "referred", "转办"
    TERMINATED = "terminated", "终止"


# Open: the deadline runs (受理, 调解中). Outcomes: what 化解率 counts (mediation.queries).
OPEN = (CaseStatus.ACCEPTED, CaseStatus.MEDIATING)
OUTCOMES = (CaseStatus.SUCCEEDED, CaseStatus.FAILED, CaseStatus.REFERRED, CaseStatus.TERMINATED)
CLOSED = (*OUTCOMES, CaseStatus.REJECTED)

WORK = "mediation.change_case"
REOPEN = "mediation.reopen_case"


class CaseAction(models.TextChoices):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    START = "start", "开始调解"
    SUCCEED = "succeed", "调解成功"
    FAIL = "fail", "调解不成"
    REFER = "refer", "转办"
    TERMINATE = "terminate", "终止"
    REOPEN = "reopen", "重新开启"
    EXTEND = "extend", "延长期限"
    ASSIGN = "assign", "指派调解员"


class CaseCounter(models.Model):
    """The last file number given in a community's year: 人调字第N号 never repeats."""

    community = models.ForeignKey(OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用至", default=0)

    scope_path = "community"

    class Meta:
        verbose_name = "案件编号计数"
        verbose_name_plural = "案件编号计数"
        default_permissions = ()
        permissions = model_permissions("casecounter", verbose_name)
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="mediation_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year}: {self.last}"


class MediationTeam(models.Model):
    """调解团队 of a community: 移动微调室, 金牌调解队 …"""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)

    scope_path = "community"

    class Meta:
        verbose_name = "调解团队"
        verbose_name_plural = "调解团队"
        default_permissions = ()
        permissions = model_permissions("mediationteam", verbose_name)
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="mediation_team_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class MediatorRole(models.TextChoices):
    FULL_TIME = "full_time", "专职调解员"
    COUNSEL = "counsel", "法律顾问"
    POLICE = "police", "社区民警"
    PARTY_ELDER = "party_elder", "老党员"
    LAWYER = "lawyer", "律师"
    PSYCHOLOGIST = "psychologist", "心理咨询师"
    PROPERTY = "property", "物业"
    OTHER = "other", "其他"


class Mediator(models.Model):
    """调解员: a resident on the ledger, or someone from outside it (a lawyer, the police officer)."""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    role = models.CharField(
        "身份", max_length=20, choices=MediatorRole.choices, default=MediatorRole.FULL_TIME
    )
    organisation = models.CharField("所在单位", max_length=100, blank=True)
    teams = models.ManyToManyField(
        MediationTeam, verbose_name="所在团队", blank=True, related_name="mediators"
    )
    active = models.BooleanField("在岗", default=True)

    scope_path = "community"

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        default_permissions = ()
        permissions = model_permissions("mediator", verbose_name)
        ordering = ["community", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN)

    def overdue(self, day: dt.date | None = None) -> CaseQuerySet:
        """Open (受理, 调解中) and past the deadline on ``day`` (today by default)."""
        return self.open().filter(deadline__lt=day or timezone.localdate())

    def with_repeat(self, days: int | None = None) -> CaseQuerySet:
        """Each case with ``repeat_flag``: whether one of its parties is in another case
        reported within ``days`` (MEDIATION_REPEAT_DAYS) of it — one subquery in the list's
        query, no query per row. ``Case.flags`` reads it."""
        return self.annotate(repeat_flag=repeat_exists(days))

    def in_unit(self, unit: OrgUnit) -> CaseQuerySet:
        return self.filter(grid__path__startswith=unit.path)

    def repeats_of(self, case: Case, days: int = 90) -> CaseQuerySet:
        """Other cases with a party of ``case`` (the same resident, or the same outside name
        and phone) reported within ``days`` of it: a repeat dispute (重复纠纷)."""
        return (
            self.exclude(pk=case.pk)
            .filter(repeat_condition(case.parties.all(), case.reported_on, days))
            .distinct()
        )


def repeat_condition(parties, around: dt.date, days: int = 90) -> Q:
    """The cases, within ``days`` of ``around``, with one of ``parties`` among theirs."""
    people = Q(pk__in=[])
    for party in parties:
        if party.resident_id:
            people |= Q(parties__resident_id=party.resident_id)
        elif party.phone:
            people |= Q(parties__resident__isnull=True, parties__name=party.name, parties__phone=party.phone)
    window = dt.timedelta(days=days)
    return people & Q(reported_on__gte=around - window, reported_on__lte=around + window)


def repeat_exists(days: int | None = None, *, case: str = "pk") -> Exists:
    """True for a case (the outer query's row) with a party in another case within ``days``
    of it: the same resident, or an outsider with the same name and phone — as ``repeat_condition``.
    ``case`` names the outer query's case id (``"case_id"`` on a query of escalations)."""
    window = dt.timedelta(days=settings.MEDIATION_REPEAT_DAYS if days is None else days)
    # The other case's date is shifted, never the compared one: SQLite compares dates as
    # text, and a shifted date carries a time ("2026-03-02 00:00:00"), which must be on the
    # side where equality still holds.
    others = (
        Party.objects.exclude(case_id=OuterRef("case_id"))
        .alias(
            other_late=ExpressionWrapper(F("case__reported_on") + window, output_field=DateField()),
        )
        .filter(
            other_late__gte=OuterRef("case__reported_on"),
            case__reported_on__lte=ExpressionWrapper(
                OuterRef("case__reported_on") + window, output_field=DateField()
            ),
        )
    )
    same_resident = others.filter(resident_id=OuterRef("resident_id"))
    same_outsider = others.filter(resident__isnull=True, name=OuterRef("name"), phone=OuterRef("phone"))
    return Exists(
        Party.objects.filter(case_id=OuterRef(case))
        .annotate(_resident=Exists(same_resident), _outsider=Exists(same_outsider))
        .filter(
            Q(resident__isnull=False, _resident=True)
            | (Q(resident__isnull=True, _outsider=True) & ~Q(phone=""))
        )
    )


class Case(models.Model):
    """纠纷案件, filed in a grid, numbered per community and year: （2026）变电所人调字第31号."""

    community = models.ForeignKey(
        OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+", editable=False
    )
    grid = models.ForeignKey(
        OrgUnit,
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="mediation_cases",
        limit_choices_to={"level": OrgLevel.GRID},
    )
    year = models.PositiveSmallIntegerField("年度", editable=False)
    number = models.PositiveIntegerField("序号", editable=False)
    file_number = models.CharField("案号", max_length=60, editable=False)
    title = models.CharField("案由", max_length=100)
    facts = models.TextField("纠纷简要情况")
    category = models.CharField("纠纷类型", max_length=20, choices=Category.choices)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.GRID)
    risk = models.CharField("风险等级", max_length=20, choices=Risk.choices, default=Risk.ORDINARY)
    ethnic_factor = models.BooleanField("涉及民族因素", default=False)
    religious_factor = models.BooleanField("涉及宗教因素", default=False)
    reported_on = models.DateField("登记日期")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    deadline = models.DateField("调解期限", null=True, blank=True)
    extended = models.BooleanField("已延期", default=False)
    extension_reason = models.CharField("延期理由", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.REGISTERED
    )
    closed_on = models.DateField("结案日期", null=True, blank=True)
    # Days from acceptance (or registration) to closing, kept when it closes: the figures
    # average it in SQL, the same on every database.
    days_to_close = models.PositiveIntegerField("办理天数", null=True, blank=True, editable=False)
    referred_to = models.CharField("转办部门", max_length=20, choices=Department.choices, blank=True)
    outcome_note = models.CharField("结果说明", max_length=500, blank=True)
    mediators = models.ManyToManyField(Mediator, verbose_name="调解员", blank=True, related_name="cases")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "grid"
    objects = CaseQuerySet.as_manager()

    transitions = TransitionTable(
        CaseStatus,
        [
            Move(CaseStatus.REGISTERED, CaseStatus.ACCEPTED, WORK),
            Move(CaseStatus.REGISTERED, CaseStatus.REJECTED, WORK, note_required=True),
            Move(CaseStatus.ACCEPTED, CaseStatus.MEDIATING, WORK),
            Move(CaseStatus.ACCEPTED, CaseStatus.TERMINATED, WORK, note_required=True),
            Move(CaseStatus.MEDIATING, CaseStatus.SUCCEEDED, WORK),
            Move(CaseStatus.MEDIATING, CaseStatus.FAILED, WORK, note_required=True),
            Move(CaseStatus.MEDIATING, CaseStatus.TERMINATED, WORK, note_required=True),
            Move(CaseStatus.FAILED, CaseStatus.REFERRED, WORK),
            Move(CaseStatus.FAILED, CaseStatus.TERMINATED, WORK, note_required=True),
            # Staff reopen a closed case, with the reason: not accepted → registered again,
            # a mediated one → 调解中 again.
            Move(CaseStatus.REJECTED, CaseStatus.REGISTERED, REOPEN, note_required=True),
            *(Move(status, CaseStatus.MEDIATING, REOPEN, note_required=True) for status in OUTCOMES),
        ],
    )

    class Meta:
        verbose_name = "纠纷案件"
        verbose_name_plural = "纠纷案件"
        default_permissions = ()
        permissions = [
            *model_permissions("case", verbose_name),
            ("reopen_case", "重新开启纠纷案件"),
        ]
        ordering = ["-reported_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "number"], name="mediation_case_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "reported_on"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < timezone.localdate()

    @property
    def days_left(self) -> int | None:
        if not self.is_open or self.deadline is None:
            return None
        return (self.deadline - timezone.localdate()).days

    @property
    def days_overdue(self) -> int:
        left = self.days_left
        return -left if left is not None and left < 0 else 0

    def flags(self) -> list[str]:
        """The markers shown wherever the case appears (预警)."""
        flags = []
        if self.risk == Risk.MAJOR:
            flags.append("重大")
        if self.ethnic_factor:
            flags.append("涉及民族因素")
        if self.religious_factor:
            flags.append("涉及宗教因素")
        if self.is_overdue:
            flags.append("已逾期")
        if self.is_repeat:
            flags.append("重复纠纷")
        return flags

    @property
    def is_repeat(self) -> bool:
        """A party of this case is in another dispute within MEDIATION_REPEAT_DAYS (重复纠纷):
        the list's annotation (``CaseQuerySet.with_repeat``) when it has it, else one query."""
        if not hasattr(self, "repeat_flag"):
            self.repeat_flag = (
                Case.objects.filter(pk=self.pk).with_repeat().values_list("repeat_flag", flat=True).first()
                or False
            )
        return bool(self.repeat_flag)


class Side(models.TextChoices):
    APPLICANT = "applicant", "申请方"
    RESPONDENT = "respondent", "被申请方"
    OTHER = "other", "其他"


class Party(models.Model):
    """当事人: a resident on the ledger, or an outside person named here."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="parties")
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=50)
    ethnicity = models.ForeignKey(
        Ethnicity, verbose_name="民族", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    side = models.CharField("当事人类别", max_length=20, choices=Side.choices, default=Side.APPLICANT)

    scope_path = "case__grid"

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        default_permissions = ()
        permissions = model_permissions("party", verbose_name)
        ordering = ["case", "side", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_side_display()}）"


class Session(models.Model):
    """调解记录: one sitting on a case — when, where, who came, what was said and done."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("调解日期")
    place = models.CharField("调解地点", max_length=100)
    mediators = models.ManyToManyField(Mediator, verbose_name="参加调解员", blank=True, related_name="+")
    parties = models.ManyToManyField(Party, verbose_name="到场当事人", blank=True, related_name="sessions")
    notes = models.TextField("调解情况")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    scope_path = "case__grid"

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        default_permissions = ()
        permissions = model_permissions("session", verbose_name)
        ordering = ["case", "held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class Escalation(models.Model):
    """升级预警: a flagged case that was overdue or a repeat on ``day``, written once per case
    and day by the daily task (``mediation.actions.cases_escalate``). It is what the
    community's and the street's leaders see on their home pages and in the daily list."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="escalations")
    day = models.DateField("预警日期")
    overdue = models.BooleanField("已逾期", default=False)
    repeat = models.BooleanField("重复纠纷", default=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    scope_path = "case__grid"

    class Meta:
        verbose_name = "升级预警"
        verbose_name_plural = "升级预警"
        default_permissions = ()
        permissions = model_permissions("escalation", verbose_name)
        ordering = ["-day", "case"]
        constraints = [
            models.UniqueConstraint(fields=["case", "day"], name="mediation_escalation_unique"),
        ]
        indexes = [models.Index(fields=["day", "case"])]

    def __str__(self) -> str:
        return f"{self.day} {self.case_id}"

    @property
    def reasons(self) -> list[str]:
        return [label for label, on in (("已逾期", self.overdue), ("重复纠纷", self.repeat)) if on]
