"""The periodic 创建工作 report (工作汇报) of an org unit, its versions, and the runs that write them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.jobs import Job, Phase
from core.periods import Period, PeriodKind
from core.permissions import model_permissions
from core.reporting import Section
from core.transitions import Move, TransitionTable


class ReportState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已上报"
    RETURNED = "returned", "已退回"


REPORT_KINDS = [
    (PeriodKind.MONTH.value, "月报"),
    (PeriodKind.QUARTER.value, "季报"),
    (PeriodKind.YEAR.value, "年报"),
]


class SummaryReport(models.Model):
    """One unit's report for one period. Its text is in its versions; the staff's own
    paragraphs are kept here, so that regenerating the figures never loses them."""

    org_unit = models.ForeignKey(
        settings.SCOPE_UNIT_MODEL, verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField("报告类型", max_length=10, choices=REPORT_KINDS)
    period_start = models.DateField("报告期起")
    period_end = models.DateField("报告期止")
    state = models.CharField("状态", max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    highlights = models.TextField("工作亮点", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    # The first time it went up: whether it was on time (DHIS2's "on time") is judged on it.
    first_submitted_at = models.DateTimeField("首次上报时间", null=True, blank=True)
    submitted_at = models.DateTimeField("上报时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上报人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    scope_path = "org_unit"

    transitions = TransitionTable(
        ReportState,
        [
            Move(ReportState.DRAFT, ReportState.SUBMITTED, "reports.submit_summaryreport"),
            Move(ReportState.RETURNED, ReportState.SUBMITTED, "reports.submit_summaryreport"),
            Move(
                ReportState.SUBMITTED,
                ReportState.RETURNED,
                "reports.return_summaryreport",
                note_required=True,
            ),
        ],
        field="state",
    )

    class Meta:
        verbose_name = "工作报告"
        verbose_name_plural = "工作报告"
        default_permissions = ()
        permissions = [
            *model_permissions("summaryreport", "工作报告"),
            ("submit_summaryreport", "上报工作报告"),
            ("return_summaryreport", "退回下级工作报告"),
            ("generate_summaryreport", "生成工作报告"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period_kind", "period_start"], name="one_report_per_unit_and_period"
            )
        ]
        indexes = [models.Index(fields=["period_kind", "period_start", "state"])]
        ordering = ["-period_start", "org_unit__path"]

    def __str__(self) -> str:
        return f"{self.org_unit.name}{self.period.label}{self.get_period_kind_display()}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, self.period_kind)

    @property
    def is_frozen(self) -> bool:
        """A submitted report stays as it went up until the street returns it."""
        return self.state == ReportState.SUBMITTED

    def latest_version(self) -> ReportVersion | None:
        return self.versions.order_by("-number").first()


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "定时生成"
    USER = "user", "手动生成"
    COMMAND = "command", "命令生成"


class ReportVersion(models.Model):
    """The figures and generated text as they were at one generation; older ones stay readable."""

    report = models.ForeignKey(
        SummaryReport, verbose_name="报告", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    figures = models.JSONField("数据快照", default=dict)
    sections = models.JSONField("报告正文", default=list)
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    trigger = models.CharField("生成方式", max_length=10, choices=Trigger.choices)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_path = "report__org_unit"

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        default_permissions = ()
        permissions = model_permissions("reportversion", verbose_name)
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_number_unique")
        ]
        ordering = ["report", "-number"]

    def __str__(self) -> str:
        return f"第{self.number}版"

    def section_list(self) -> list[Section]:
        return [Section.from_json(item) for item in self.sections]

    @property
    def generated_by_label(self) -> str:
        if self.generated_by_id:
            return self.generated_by.get_full_name() or self.generated_by.get_username()
        return self.get_trigger_display()


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReportRun(Job):
    """One generation of a period's reports: for one unit on demand, or for every unit of
    the tree on the 1st of the month. Its counts say what the run did."""

    period_kind = models.CharField("报告类型", max_length=10, choices=REPORT_KINDS)
    period_start = models.DateField("报告期起")
    period_end = models.DateField("报告期止")
    # One unit's report (on demand), or every unit (the schedule, ``generate_reports``).
    org_unit = models.ForeignKey(
        settings.SCOPE_UNIT_MODEL,
        verbose_name="单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    trigger = models.CharField("生成方式", max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField("状态", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    generated = models.PositiveIntegerField("新版本数", default=0)
    unchanged = models.PositiveIntegerField("无变化数", default=0)
    frozen = models.PositiveIntegerField("已上报未改数", default=0)
    message = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    scope_path = "org_unit"

    transitions = TransitionTable(
        RunStatus,
        [
            Move(RunStatus.QUEUED, RunStatus.RUNNING),
            Move(RunStatus.RUNNING, RunStatus.DONE),
            Move(RunStatus.RUNNING, RunStatus.FAILED),
            Move(RunStatus.QUEUED, RunStatus.FAILED),
            Move(RunStatus.RUNNING, RunStatus.QUEUED),
        ],
    )
    job_phases = (Phase(RunStatus.QUEUED, RunStatus.RUNNING, "reports.tasks.run_report_run"),)
    job_failed = RunStatus.FAILED
    job_progress_key = "report-run"
    job_lost_message = "生成报告时后台任务多次中断。请稍后重新生成，或联系系统管理员。"
    job_gave_up_message = "生成报告时出现系统错误。请稍后重新生成，或联系系统管理员。"

    class Meta:
        verbose_name = "报告生成任务"
        verbose_name_plural = "报告生成任务"
        default_permissions = ()
        permissions = model_permissions("reportrun", verbose_name)
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period.label}报告生成（{self.get_status_display()}）"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end, self.period_kind)

    @property
    def is_running(self) -> bool:
        return self.status in {RunStatus.QUEUED, RunStatus.RUNNING}

    def job_failure_values(self, message: str) -> dict:
        return {"message": message, "finished_at": timezone.now()}
