"""Records every app shares: the change history of any record (变更记录) and the log of
status moves (``core.transitions``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .permissions import model_permissions


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
    record_type = models.ForeignKey(
        ContentType,
        verbose_name="记录类型",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    record_id = models.BigIntegerField("记录编号")
    parent_type = models.ForeignKey(
        ContentType,
        verbose_name="所属记录类型",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    parent_id = models.BigIntegerField("所属记录编号", null=True, blank=True)
    org_unit = models.ForeignKey(
        settings.SCOPE_UNIT_MODEL,
        verbose_name="所在单位",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The app's own verbs (迁出, 受理 …) beside 新增/修改; labels come from its registration.
    action = models.CharField("操作", max_length=20)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name="操作人",
        db_constraint=False,
        db_index=False,
    )
    # The job that wrote it (an Excel import), when it wasn't a page.
    source_type = models.ForeignKey(
        ContentType,
        verbose_name="来源类型",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
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
