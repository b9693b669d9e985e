"""矛盾纠纷调解: dispute cases (纠纷案件), their parties, mediators and teams, and the sessions
held on them (调解记录). Changes are kept in ``core.Change`` (``mediation.hooks`` registers
them); statuses move through ``Case.transitions`` (``core.transitions``)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
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
    JOINT = "joint", "联调"


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
    # The mediator's own account, when they sign in: "my cases" are this record's.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator",
    )

    scope_path = "community"

    class Meta:
        verbose_name = "调解员"
        verbose_name_plural = "调解员"
        default_permissions = ()
        permissions = model_permissions("mediator", verbose_name)
        ordering = ["community", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


def mediator_of(user) -> Mediator | None:
    """The roster record a signed-in person is, when an admin linked their account to one."""
    if not getattr(user, "pk", None):
        return None
    return Mediator.objects.filter(user=user, active=True).select_related("community").first()


class ClinicMode(models.TextChoices):
    """法律诊所's five ways of serving (seed 001)."""

    DAILY = "daily", "日常坐诊"
    APPOINTMENT = "appointment", "预约问诊"
    EXPERT = "expert", "专家会诊"
    CIRCUIT = "circuit", "定期巡诊"
    CAMPAIGN = "campaign", "集中义诊"


# Who may sit in the clinic from the roster: its legal advisers and lawyers.
COUNSEL_ROLES = (MediatorRole.COUNSEL, MediatorRole.LAWYER)


class ClinicSession(models.Model):
    """法律诊所 sitting: when, where, in which mode, who counselled, how many people came
    (and how many of them from minorities), what they asked, and the disputes it found."""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    grid = models.ForeignKey(
        OrgUnit,
        verbose_name="网格",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"level": OrgLevel.GRID},
    )
    mode = models.CharField("服务方式", max_length=20, choices=ClinicMode.choices, default=ClinicMode.DAILY)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=100)
    counsel = models.ForeignKey(
        Mediator,
        verbose_name="律师/法律顾问",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clinic_sessions",
        limit_choices_to={"role__in": COUNSEL_ROLES},
    )
    counsel_name = models.CharField("律师/法律顾问姓名", max_length=50, blank=True)
    counsel_organisation = models.CharField("所在单位", max_length=100, blank=True)
    served = models.PositiveIntegerField("服务人数")
    minority_served = models.PositiveIntegerField("其中少数民族", default=0)
    topics = models.TextField("咨询事项")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "community"

    class Meta:
        verbose_name = "法律诊所服务"
        verbose_name_plural = "法律诊所服务"
        default_permissions = ()
        permissions = model_permissions("clinicsession", verbose_name)
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["community", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_mode_display()}"

    def clean(self) -> None:
        errors = {}
        if (
            self.served is not None
            and self.minority_served is not None
            and self.minority_served > self.served
        ):
            errors["minority_served"] = "其中少数民族人数不能超过服务人数。"
        if self.counsel_id is None and not self.counsel_name.strip():
            errors["counsel_name"] = "请选择律师或法律顾问，或填写其姓名。"
        if errors:
            raise ValidationError(errors)

    @property
    def counsel_label(self) -> str:
        if self.counsel_id:
            organisation = self.counsel.organisation
            return f"{self.counsel.name}（{organisation}）" if organisation else self.counsel.name
        if self.counsel_organisation:
            return f"{self.counsel_name}（{self.counsel_organisation}）"
        return self.counsel_name


class JointDepartment(models.TextChoices):
    """Who takes part in a 联调 (joint mediation, 大调解) besides the community's mediators."""

    POLICE = "police", "派出所"
    JUSTICE = "justice", "司法所"
    LAW_FIRM = "law_firm", "律师事务所"
    PSYCHOLOGY = "psychology", "心理咨询"
    PROPERTY = "property", "物业公司"
    OTHER = "other", "其他"


def joint_labels(codes) -> list[str]:
    """The departments' names in the choices' order, whatever order they were stored in."""
    codes = set(codes or ())
    return [str(label) for value, label in JointDepartment.choices if value in codes]


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

    def joint(self) -> CaseQuerySet:
        """联调 cases: some department named beside the mediators."""
        return self.exclude(joint_departments=[])

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
    # The legal-clinic sitting the dispute was found at (source 法律诊所).
    clinic_session = models.ForeignKey(
        ClinicSession,
        verbose_name="法律诊所服务",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # 联调: the departments taking part, as JointDepartment codes. A JSON list rather than a
    # many-to-many to a table of six fixed rows: the same on SQLite and PostgreSQL, no
    # reference rows to seed, and read whole with the case (never searched by department).
    joint_departments = models.JSONField("联调部门", default=list, blank=True)
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

    @property
    def is_joint(self) -> bool:
        return bool(self.joint_departments)

    @property
    def joint_department_labels(self) -> list[str]:
        return joint_labels(self.joint_departments)

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


# --- 调解协议书 and 回访 ------------------------------------------------------------------------

# 人民调解法 §33: the parties may apply to the people's court for 司法确认 within 30 days of
# the agreement taking effect. The statute's figure, not a setting.
JUDICIAL_CONFIRMATION_DAYS = 30


def agreement_scan_path(instance: Agreement, filename: str) -> str:
    """A random name: the signed scan holds the parties' particulars, and its path must tell
    nothing (no case number, no name) nor be guessed; it is served only by the scoped view."""
    extension = Path(filename).suffix.lower()[:5]
    return f"mediation/agreements/{uuid.uuid4().hex}{extension}"


class Agreement(models.Model):
    """人民调解协议书 of a case, with what 人民调解法 §29 requires: the parties' particulars
    (from the case's parties and the ledger), the main facts and the matters in dispute with
    each side's responsibility, the terms, and how, where and by when they are performed.

    Drafted while the case is 调解中 or once it is 调解成功; printed for signing, and the
    signed scan uploaded back (its date is when the agreement takes effect)."""

    case = models.OneToOneField(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField("纠纷主要事实")
    disputes = models.TextField("争议事项")
    responsibilities = models.TextField("各方责任")
    terms = models.TextField("协议内容")
    performance_method = models.CharField("履行方式", max_length=200)
    performance_place = models.CharField("履行地点", max_length=100)
    performance_deadline = models.DateField("履行期限")
    made_on = models.DateField("协议日期")
    signed_on = models.DateField("签署日期", null=True, blank=True, editable=False)
    scan = models.FileField("签署扫描件", upload_to=agreement_scan_path, blank=True, editable=False)
    scan_type = models.CharField("扫描件格式", max_length=10, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制作人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "case__grid"

    class Meta:
        verbose_name = "调解协议书"
        verbose_name_plural = "调解协议书"
        default_permissions = ()
        permissions = model_permissions("agreement", verbose_name)
        indexes = [models.Index(fields=["made_on"])]

    def __str__(self) -> str:
        return f"{self.case.file_number} 调解协议书"

    @property
    def confirmation_deadline(self) -> dt.date | None:
        """The last day to apply for 司法确认 (signed date + 30 days), once it is signed."""
        if self.signed_on is None:
            return None
        return self.signed_on + dt.timedelta(days=JUDICIAL_CONFIRMATION_DAYS)

    @property
    def confirmation_open(self) -> bool:
        deadline = self.confirmation_deadline
        return deadline is not None and deadline >= timezone.localdate()


class Performance(models.TextChoices):
    PERFORMING = "performing", "正在履行"
    PERFORMED = "performed", "已履行完毕"
    BROKEN = "broken", "未履行"


# What a visit finds that counts as the agreement kept (协议履行率).
KEPT = (Performance.PERFORMING, Performance.PERFORMED)


class FollowUpStatus(models.TextChoices):
    DUE = "due", "待回访"
    DONE = "done", "已回访"
    CANCELLED = "cancelled", "已取消"


class FollowUpQuerySet(models.QuerySet):
    def due(self) -> FollowUpQuerySet:
        return self.filter(status=FollowUpStatus.DUE)

    def overdue(self, day: dt.date | None = None) -> FollowUpQuerySet:
        return self.due().filter(due_on__lt=day or timezone.localdate())

    def in_unit(self, unit: OrgUnit) -> FollowUpQuerySet:
        return self.filter(case__grid__path__startswith=unit.path)


class FollowUp(models.Model):
    """回访: a visit due after a case succeeded (MEDIATION_FOLLOWUP_DAYS), and what it found."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="followups")
    # Which success of the case it follows: a broken agreement reopens the case, and the
    # next success starts a new round.
    round = models.PositiveSmallIntegerField("轮次", default=1)
    due_on = models.DateField("应回访日期")
    status = models.CharField(
        "状态", max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.DUE
    )
    visited_on = models.DateField("回访日期", null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回访人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    mediator = models.ForeignKey(
        Mediator,
        verbose_name="回访调解员",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    performance = models.CharField("履行情况", max_length=20, choices=Performance.choices, blank=True)
    note = models.TextField("回访情况", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    scope_path = "case__grid"
    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        default_permissions = ()
        permissions = model_permissions("followup", verbose_name)
        ordering = ["case", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["visited_on"])]

    def __str__(self) -> str:
        return f"{self.case.file_number} 回访 {self.due_on}"

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.DUE and self.due_on < timezone.localdate()

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.due_on).days if self.is_overdue else 0


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
