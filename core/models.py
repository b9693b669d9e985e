"""Records every app shares: the change history of any record (变更记录), the log of status
moves (``core.transitions``) and the background export jobs of the registered lists."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .jobs import Job, Phase
from .permissions import model_permissions
from .transitions import Move, TransitionTable


def _record_type(verbose_name: str, **options) -> models.ForeignKey:
    """A reference to a kind of record (a content type), kept without a database constraint."""
    return models.ForeignKey(
        ContentType,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
        **options,
    )


def _filed_under(**options) -> models.ForeignKey:
    """The org unit a row is filed under (and scoped by), kept without a database constraint:
    org units are never deleted."""
    return models.ForeignKey(
        settings.SCOPE_UNIT_MODEL,
        verbose_name="所在单位",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        **options,
    )


def _actor(**options) -> models.ForeignKey:
    """Who did it: never erased, so a user who has acted is deactivated, not deleted (PROTECT)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        **options,
    )


class Change(models.Model):
    """变更记录: who changed which fields of a record, from what to what, and when.

    One table for every record type an app registers with ``core.history.track``. Written
    by the apps' actions (and in bulk by importers), never by signals. ``changes`` is
    ``{field: [old text, new text]}``; a field of a related record kept with it (a resident's
    流动人口登记) is keyed with that record's prefix (``floating_registration.origin``).

    A change may also be listed under a *parent* record's page: a resident's changes under
    their household, as it was when the change was made. ``org_unit`` is where the record
    was at that moment; the history is scoped by it, so a reader sees what happened while
    the record was in their part of the tree, not what another community recorded before.
    """

    # An append-only log, like django-simple-history's tables: its references carry no
    # database constraint. One costs a trigger per row on every import (four per history
    # row, 540,000 for a 100,000-resident ledger) and guards nothing: rows are written only
    # beside the rows they describe, and no record with a history is ever hard-deleted.
    record_type = _record_type("记录类型")
    record_id = models.BigIntegerField("记录编号")
    parent_type = _record_type("所属记录类型", null=True, blank=True)
    parent_id = models.BigIntegerField("所属记录编号", null=True, blank=True)
    org_unit = _filed_under(db_index=False)
    # The app's own verbs (迁出, 受理 …) beside 新增/修改; labels come from its registration.
    action = models.CharField("操作", max_length=20)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    user = _actor(db_index=False)
    # The job that wrote it (an Excel import), when it wasn't a page.
    source_type = _record_type("来源类型", null=True, blank=True)
    source_id = models.BigIntegerField("来源编号", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    scope_path = "org_unit"

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        default_permissions = ()
        permissions = model_permissions("change", verbose_name)
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-at"], name="change_record_at"),
            # Only changes listed under a parent are ever looked up by it.
            models.Index(
                fields=["parent_type", "parent_id", "-at"],
                name="change_parent_at",
                condition=Q(parent_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class Transition(models.Model):
    """One status move of any record: from what to what, by whom (empty: the system), when, why.

    Append-only. Its record reference carries no database constraint (a log entry never
    stops a record's deletion where that is otherwise allowed); who made the move is kept
    (PROTECT): a user who has acted is deactivated, never deleted.
    """

    content_type = models.ForeignKey(
        ContentType,
        verbose_name="记录类型",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField("记录编号")
    field = models.CharField("字段", max_length=40, default="status")
    from_state = models.CharField("原状态", max_length=40)
    to_state = models.CharField("新状态", max_length=40)
    by = _actor(related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "状态变更记录"
        verbose_name_plural = "状态变更记录"
        default_permissions = ()
        permissions = model_permissions("transition", verbose_name)
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


EXPORT_MOVES = [
    Move(ExportStatus.QUEUED, ExportStatus.RUNNING),
    Move(ExportStatus.RUNNING, ExportStatus.DONE),
    Move(ExportStatus.RUNNING, ExportStatus.FAILED),
    Move(ExportStatus.QUEUED, ExportStatus.FAILED),
    Move(ExportStatus.RUNNING, ExportStatus.QUEUED),  # the sweep's retry of a run whose worker was lost
]


class ExportJob(Job):
    """导出任务: a large filtered list (``core.lists``) written to .xlsx in the background,
    for its requester only. Rows moved here from ``residents.LedgerExport``, keeping their ids."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    # The registered list (``core.lists.register``) the file is built from, e.g. "residents.households".
    list_key = models.CharField("导出内容", max_length=60)
    # The list page's filters that were valid when asked, the search term (``q``) among
    # them: enough to rebuild the same list. The term never goes into a URL.
    params = models.JSONField("筛选条件", default=dict, blank=True)
    full = models.BooleanField("含完整个人信息", default=False)
    # Where the requester worked when asking. The file holds this unit's records, so it is
    # built, shown and downloaded only while the requester's scope still covers it.
    scope_unit = models.ForeignKey(
        settings.SCOPE_UNIT_MODEL,
        verbose_name="数据范围",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    row_count = models.PositiveIntegerField("行数", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    message = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    scope_path = "scope_unit"

    transitions = TransitionTable(ExportStatus, EXPORT_MOVES)
    job_phases = (Phase(ExportStatus.QUEUED, ExportStatus.RUNNING, "core.tasks.run_export_job"),)
    job_failed = ExportStatus.FAILED
    job_progress_key = "export"
    job_lost_message = "生成文件时后台任务多次中断，未生成文件。请稍后重新导出，或联系系统管理员。"
    job_gave_up_message = "生成文件时出现系统错误，未生成文件。请稍后重新导出，或联系系统管理员。"

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        default_permissions = ()
        permissions = model_permissions("exportjob", verbose_name)
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user_created")]

    def __str__(self) -> str:
        return f"{self.title}导出（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}

    def job_failure_values(self, message: str) -> dict:
        return {"message": message, "finished_at": timezone.now()}

    @property
    def title(self) -> str:
        """The list's title ("户台账"); a list no longer registered is named by its key."""
        from .lists import find

        found = find(self.list_key)
        return found.title if found else self.list_key

    @property
    def download_name(self) -> str:
        """The name people see: the same as a direct download's, dated the day it was asked."""
        return f"{self.title}-{timezone.localtime(self.created_at):%Y%m%d}.xlsx"


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", "登录"
    SIGN_IN_FAILED = "sign_in_failed", "登录失败"
    SIGN_OUT = "sign_out", "退出"
    DENIED = "denied", "拒绝访问"
    WRITE = "write", "数据变更"
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    FULL_VALUES = "full_values", "查看完整个人信息"
    ID_LOOKUP = "id_lookup", "身份证号查询"
    ACCOUNT = "account", "用户与角色变更"


class AuditEvent(models.Model):
    """安全审计记录: who did what, when, from where, to which record, with what outcome.

    Append-only: the application only inserts; on PostgreSQL a trigger (migration 0005)
    refuses UPDATE and DELETE of its rows whoever asks. No personal values go in: the
    object is a reference, ``detail`` holds counts and reasons, never a name or number.
    Read by the 审计员 role alone (三员分立: the system admin cannot).
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    kind = models.CharField("类别", max_length=20, choices=AuditKind.choices)
    # Empty for an anonymous request or the system.
    user = _actor(related_name="+")
    # A failed sign-in names the account tried, which may not exist.
    username = models.CharField("账号", max_length=150, blank=True)
    address = models.GenericIPAddressField("地址", null=True, blank=True)
    org_unit = _filed_under()
    object_type = _record_type("对象类型", null=True, blank=True)
    object_id = models.BigIntegerField("对象编号", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, default="ok")
    detail = models.JSONField("说明", default=dict, blank=True)

    scope_path = "org_unit"

    class Meta:
        verbose_name = "安全审计记录"
        verbose_name_plural = "安全审计记录"
        default_permissions = ()
        permissions = model_permissions("auditevent", verbose_name)
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"
