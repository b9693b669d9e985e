"""The shared records: the log of status moves (``core.transitions``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .permissions import model_permissions


class Transition(models.Model):
    """One status move of any record: from what to what, by whom (empty: the system), when, why.

    Append-only. Its references carry no database constraint: a log entry must outlive
    neither more nor less than what it describes, and must never stop a user or a record
    from being deleted where that is otherwise allowed.
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
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
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
