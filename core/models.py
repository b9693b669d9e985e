"""What core keeps for every app: the background export jobs of the registered lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .permissions import model_permissions


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ExportJob(models.Model):
    """导出任务: a large filtered list (``core.lists``) written to .xlsx in the background,
    for its requester only. Rows moved here from ``residents.LedgerExport``, keeping their ids."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.CASCADE, related_name="+"
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
