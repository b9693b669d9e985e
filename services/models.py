"""便民服务: the working-day calendar's amendments (``Holiday``), the hall's windows (窗口), the
service catalogue (事项) and the tickets (办件) across channels. Changes are kept in
``core.Change`` (``services.hooks`` registers them); a ticket's status moves through
``Ticket.transitions`` (``core.transitions``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import OrgLevel, OrgUnit, phone_validator
from residents.models import Ethnicity, Resident


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", "假日"
    WORKDAY = "workday", "调休上班"


class Holiday(models.Model):
    """One day of the State Council's schedule as the admins amend it: a 假日 on a weekday, or
    a weekend day worked (调休上班). It overrides ``chinesecalendar`` (services.workdays), and a
    year with any row here counts as known even if the package does not know it yet: the new
    year's schedule is published each November, before an intranet can upgrade."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=HolidayKind.choices)
    name = models.CharField("名称", max_length=30, blank=True, help_text="例如：春节、国庆节")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        default_permissions = ()
        permissions = model_permissions("holiday", verbose_name)
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}{' ' + self.name if self.name else ''}"


class Category(models.TextChoices):
    CIVIL = "civil", "民政"
    SOCIAL_SECURITY = "social_security", "社保"
    EMPLOYMENT = "employment", "就业"
    HEALTH = "health", "卫生健康"
    DISABILITY = "disability", "残联"
    ETHNIC = "ethnic", "民族事务"
    LEGAL = "legal", "法律服务"
    OTHER = "other", "其他"


class ServiceItem(models.Model):
    """事项 of the service catalogue: the same list for every hall of the installation (kept by
    the admins, ``.xlsx`` in and out); its time limit counts working days (services.workdays),
    0 for what is done on the spot (即办)."""

    category = models.CharField("类别", max_length=20, choices=Category.choices)
    name = models.CharField("事项名称", max_length=100, unique=True)
    time_limit = models.PositiveSmallIntegerField(
        "办理时限（工作日）", default=0, help_text="0 表示即办件，当场办结"
    )
    materials = models.TextField("所需材料", blank=True, help_text="每行一项")
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        default_permissions = ()
        permissions = model_permissions("serviceitem", verbose_name)
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


LETTER = RegexValidator(r"^[A-Z]$", "请填写一个大写英文字母（A—Z），作为叫号前缀。")


class Window(models.Model):
    """窗口 of a community's service hall; its letter starts its queue numbers (A001 …)."""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    letter = models.CharField("叫号字母", max_length=1, validators=[LETTER])
    name = models.CharField("窗口名称", max_length=50, help_text="例如：民政救助窗口")
    is_minority_window = models.BooleanField("少数民族服务窗口", default=False)
    languages = models.CharField("服务语言", max_length=100, default="汉语", help_text="例如：汉语、维吾尔语")
    categories = models.CharField(
        "受理类别", max_length=200, blank=True, help_text="该窗口受理的事项类别，以顿号分隔；空为综合窗口"
    )
    clerks = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="窗口人员", blank=True, related_name="service_windows"
    )
    active = models.BooleanField("开放", default=True)

    scope_path = "community"

    class Meta:
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"
        default_permissions = ()
        permissions = model_permissions("window", verbose_name)
        ordering = ["community", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["community", "letter"], name="services_window_letter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.name}"

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.replace(",", "、").split("、") if part.strip()]


# --- tickets (办件) --------------------------------------------------------------------------


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    PETITION = "petition", "信访"
    HOTLINE = "hotline", "热线"
    GRID = "grid", "网格上报"
    ONLINE = "online", "线上"


class Kind(models.TextChoices):
    CONSULT = "consult", "咨询"
    CASE = "case", "办件"
    REQUEST = "request", "诉求"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", "等候"
    ACCEPTED = "accepted", "受理"
    IN_PROGRESS = "in_progress", "办理中"
    COMPLETED = "completed", "办结"
    RETURNED = "returned", "退回"
    REFERRED = "referred", "转办"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class Department(models.TextChoices):
    STREET = "street", "街道办事处"
    CIVIL = "civil", "区民政局"
    HUMAN_RESOURCES = "hr", "区人社局"
    HEALTH = "health", "区卫健委"
    DISABILITY = "disability", "区残联"
    ETHNIC = "ethnic", "区民宗局"
    JUSTICE = "justice", "司法所"
    POLICE = "police", "派出所"
    HOUSING = "housing", "住建部门"
    OTHER = "other", "其他部门"


# Open: accepted and not yet closed — the deadline runs. Closed: how a ticket ends.
OPEN = (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)
CLOSED = (TicketStatus.COMPLETED, TicketStatus.RETURNED, TicketStatus.REFERRED)
WORK = "services.change_ticket"


class TicketAction(models.TextChoices):
    CALL = "call", "叫号"
    RECORD = "record", "登记信息"
    ACCEPT = "accept", "受理"
    START = "start", "开始办理"
    COMPLETE = "complete", "办结"
    RETURN = "return", "退回"
    REFER = "refer", "转办"
    EXTEND = "extend", "延长期限"
    RATE = "rate", "满意度评价"


class QueueCounter(models.Model):
    """The last queue number a window gave out on a day: A001, A002 … never repeat or skip."""

    window = models.ForeignKey(Window, verbose_name="窗口", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("日期")
    last = models.PositiveIntegerField("已用至", default=0)

    scope_path = "window__community"

    class Meta:
        verbose_name = "叫号计数"
        verbose_name_plural = "叫号计数"
        default_permissions = ()
        permissions = model_permissions("queuecounter", verbose_name)
        constraints = [
            models.UniqueConstraint(fields=["window", "day"], name="services_queue_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.day}: {self.last}"


class TicketQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> TicketQuerySet:
        return self.filter(unit__path__startswith=unit.path)

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN)

    def overdue(self, day: dt.date | None = None) -> TicketQuerySet:
        """Open past the deadline on ``day``, or a 信访 still awaiting its acceptance decision
        past the 15 days (today by default)."""
        day = day or timezone.localdate()
        return self.filter(
            Q(status__in=OPEN, deadline__lt=day) | Q(status=TicketStatus.WAITING, accept_by__lt=day)
        )


class Ticket(models.Model):
    """办件: a consultation, a case or a request, by any channel, filed under a community (or
    the grid it was reported from)."""

    community = models.ForeignKey(
        OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+", editable=False
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        related_name="service_tickets",
        help_text="社区，或网格上报的网格",
    )
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices, default=Channel.WINDOW)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.CONSULT)
    window = models.ForeignKey(
        Window, verbose_name="窗口", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    queue_day = models.DateField("取号日期", null=True, blank=True, editable=False)
    queue_number = models.PositiveIntegerField("号码序号", null=True, blank=True, editable=False)
    queue_code = models.CharField("排队号", max_length=8, blank=True, editable=False)
    called_at = models.DateTimeField("叫号时间", null=True, blank=True, editable=False)
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applicant_name = models.CharField("申请人姓名", max_length=50, blank=True)
    applicant_ethnicity = models.ForeignKey(
        Ethnicity,
        verbose_name="申请人民族",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applicant_phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    item = models.ForeignKey(
        ServiceItem,
        verbose_name="事项",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    subject = models.CharField("内容摘要", max_length=300, blank=True)
    received_on = models.DateField("登记日期")
    accept_by = models.DateField("受理告知期限", null=True, blank=True, editable=False)
    accepted_on = models.DateField("受理日期", null=True, blank=True, editable=False)
    deadline = models.DateField("办理期限", null=True, blank=True, editable=False)
    deadline_estimated = models.BooleanField("期限按周末估算", default=False, editable=False)
    extended = models.BooleanField("已延期", default=False, editable=False)
    extension_reason = models.CharField("延期理由", max_length=200, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=20, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    closed_on = models.DateField("办结日期", null=True, blank=True, editable=False)
    # Working days from acceptance to closing, kept when it closes: the figures average it.
    handling_days = models.PositiveIntegerField("办理工作日", null=True, blank=True, editable=False)
    result = models.CharField("办理结果", max_length=500, blank=True)
    referred_to = models.CharField("转办部门", max_length=20, choices=Department.choices, blank=True)
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    satisfaction_comment = models.CharField("评价意见", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A past ledger's row this ticket came from (services.ticket_import): re-importing skips it.
    import_key = models.CharField("导入标识", max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "unit"
    objects = TicketQuerySet.as_manager()

    transitions = TransitionTable(
        TicketStatus,
        [
            Move(TicketStatus.WAITING, TicketStatus.ACCEPTED, WORK),
            Move(TicketStatus.WAITING, TicketStatus.RETURNED, WORK, note_required=True),
            Move(TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, WORK),
            # 即办件: done on the spot, straight from 受理.
            Move(TicketStatus.ACCEPTED, TicketStatus.COMPLETED, WORK),
            Move(TicketStatus.IN_PROGRESS, TicketStatus.COMPLETED, WORK),
            *(Move(status, TicketStatus.RETURNED, WORK, note_required=True) for status in OPEN),
            *(Move(status, TicketStatus.REFERRED, WORK) for status in OPEN),
        ],
    )

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        default_permissions = ()
        permissions = [*model_permissions("ticket", verbose_name), ("import_ticket", "导入历史办件台账")]
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "queue_day", "queue_number"],
                condition=Q(queue_number__isnull=False),
                name="services_ticket_queue_unique",
            ),
            models.UniqueConstraint(
                fields=["community", "import_key"],
                condition=~Q(import_key=""),
                name="services_ticket_import_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "received_on"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["window", "queue_day", "status"]),
        ]

    def __str__(self) -> str:
        label = self.queue_code or f"#{self.pk}"
        return f"{label} {self.item or self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_overdue(self) -> bool:
        today = timezone.localdate()
        if self.status == TicketStatus.WAITING:
            return self.accept_by is not None and self.accept_by < today
        return self.is_open and self.deadline is not None and self.deadline < today

    @property
    def applicant_label(self) -> str:
        return self.applicant_name or "（未登记）"

    @property
    def is_minority(self) -> bool:
        return bool(self.applicant_ethnicity_id and self.applicant_ethnicity.is_minority)


# --- 帮扶 and 实事 / 微心愿 --------------------------------------------------------------------


class AssistanceKind(models.TextChoices):
    EMPLOYMENT = "employment", "就业援助"
    SUBSISTENCE = "subsistence", "低保"
    TEMPORARY = "temporary", "临时救助"
    EDUCATION = "education", "助学"
    MEDICAL = "medical", "医疗"
    OTHER = "other", "其他"


class AssistanceStatus(models.TextChoices):
    # 就业援助 starts at 认定 (就业援助对象认定); every other kind starts 帮扶中.
    IDENTIFIED = "identified", "已认定"
    HELPING = "helping", "帮扶中"
    PLACED = "placed", "已就业"
    DONE = "done", "已完成"
    ENDED = "ended", "终止"


ASSISTANCE_OPEN = (AssistanceStatus.IDENTIFIED, AssistanceStatus.HELPING)
HELP = "services.change_assistance"


class AssistanceAction(models.TextChoices):
    START = "start", "开始帮扶"
    PLACE = "place", "实现就业"
    COMPLETE = "complete", "帮扶完成"
    END = "end", "终止帮扶"


class AssistanceQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> AssistanceQuerySet:
        return self.filter(unit__path__startswith=unit.path)


class Assistance(models.Model):
    """帮扶: help given to a resident (or a whole household) of the ledger, filed under their
    grid. 就业援助 follows the person from 就业援助对象认定 (``identified_on``) through 帮扶中 to
    安置 (``placed_on``, ``placement``); the other kinds are given and completed."""

    community = models.ForeignKey(
        OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+", editable=False
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name="所属网格", on_delete=models.PROTECT, related_name="+", editable=False
    )
    kind = models.CharField("帮扶类型", max_length=20, choices=AssistanceKind.choices)
    resident = models.ForeignKey(
        Resident, verbose_name="帮扶对象", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "residents.Household",
        verbose_name="帮扶家庭",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="帮扶整户时选择；帮扶个人时自动取其所在户",
    )
    started_on = models.DateField("帮扶日期")
    measures = models.TextField("帮扶措施", help_text="做了什么：例如推荐岗位、发放救助金、协调就医")
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=AssistanceStatus.choices, editable=False)
    identified_on = models.DateField("认定日期", null=True, blank=True, help_text="就业援助对象认定的日期")
    placed_on = models.DateField("就业日期", null=True, blank=True, editable=False)
    placement = models.CharField("就业去向", max_length=100, blank=True, editable=False)
    closed_on = models.DateField("结束日期", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "unit"
    objects = AssistanceQuerySet.as_manager()

    transitions = TransitionTable(
        AssistanceStatus,
        [
            Move(AssistanceStatus.IDENTIFIED, AssistanceStatus.HELPING, HELP),
            Move(AssistanceStatus.HELPING, AssistanceStatus.PLACED, HELP),
            Move(AssistanceStatus.HELPING, AssistanceStatus.DONE, HELP),
            *(Move(status, AssistanceStatus.ENDED, HELP, note_required=True) for status in ASSISTANCE_OPEN),
        ],
    )

    class Meta:
        verbose_name = "帮扶"
        verbose_name_plural = "帮扶"
        default_permissions = ()
        permissions = model_permissions("assistance", verbose_name)
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["unit", "started_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in ASSISTANCE_OPEN

    @property
    def is_employment(self) -> bool:
        return self.kind == AssistanceKind.EMPLOYMENT


class MatterKind(models.TextChoices):
    PRACTICAL = "practical", "实事"
    WISH = "wish", "微心愿"


class MatterOrigin(models.TextChoices):
    RESIDENT = "resident", "居民提出"
    GRID_WORKER = "grid_worker", "网格员上报"
    DELIBERATION = "deliberation", "居民议事"
    MEETING = "meeting", "会议议定"


class MatterStatus(models.TextChoices):
    OPEN = "open", "待办"
    IN_PROGRESS = "in_progress", "办理中"
    DONE = "done", "已办结"
    CANCELLED = "cancelled", "已撤销"


MATTER_OPEN = (MatterStatus.OPEN, MatterStatus.IN_PROGRESS)
MATTERS = "services.change_practicalmatter"


class MatterAction(models.TextChoices):
    START = "start", "开始办理"
    COMPLETE = "complete", "办结"
    CANCEL = "cancel", "撤销"
    BENEFICIARY = "beneficiary", "添加受益居民"


class PracticalMatterQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> PracticalMatterQuerySet:
        return self.filter(unit__path__startswith=unit.path)

    def overdue(self, day: dt.date | None = None) -> PracticalMatterQuerySet:
        return self.filter(status__in=MATTER_OPEN, due_on__lt=day or timezone.localdate())


class PracticalMatter(models.Model):
    """实事 / 微心愿: something residents need done, raised by a resident, a grid worker, a
    residents' deliberation (集体议事) or a meeting's decision (``source``: any record in
    scope, e.g. ``activities.Decision``, named by content type and id without services
    importing it), with an owner, a due date, the residents it serves, followed to 办结."""

    community = models.ForeignKey(
        OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+", editable=False
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="所属单位",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="社区，或所在网格",
    )
    kind = models.CharField("类别", max_length=20, choices=MatterKind.choices, default=MatterKind.PRACTICAL)
    title = models.CharField("事项", max_length=100)
    description = models.TextField("具体内容", blank=True)
    origin = models.CharField(
        "来源", max_length=20, choices=MatterOrigin.choices, default=MatterOrigin.RESIDENT
    )
    raised_on = models.DateField("提出日期")
    owner = models.CharField("责任人（单位）", max_length=50)
    due_on = models.DateField("完成时限")
    status = models.CharField(
        "状态", max_length=20, choices=MatterStatus.choices, default=MatterStatus.OPEN, editable=False
    )
    done_on = models.DateField("办结日期", null=True, blank=True, editable=False)
    result = models.CharField("办理结果", max_length=300, blank=True, editable=False)
    beneficiaries = models.ManyToManyField(Resident, verbose_name="受益居民", blank=True, related_name="+")
    beneficiary_count = models.PositiveIntegerField(
        "受益人数", default=0, help_text="受益的群众人数（含台账外的人）；不少于所选居民人数"
    )
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name="来源记录类型",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
    )
    source_id = models.PositiveBigIntegerField("来源记录", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "unit"
    objects = PracticalMatterQuerySet.as_manager()

    transitions = TransitionTable(
        MatterStatus,
        [
            Move(MatterStatus.OPEN, MatterStatus.IN_PROGRESS, MATTERS),
            *(Move(status, MatterStatus.DONE, MATTERS) for status in MATTER_OPEN),
            *(Move(status, MatterStatus.CANCELLED, MATTERS, note_required=True) for status in MATTER_OPEN),
        ],
    )

    class Meta:
        verbose_name = "实事（微心愿）"
        verbose_name_plural = "实事（微心愿）"
        default_permissions = ()
        permissions = model_permissions("practicalmatter", verbose_name)
        ordering = ["-raised_on", "-pk"]
        indexes = [
            models.Index(fields=["unit", "raised_on"]),
            models.Index(fields=["source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in MATTER_OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()
