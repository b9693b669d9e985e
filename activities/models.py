"""活动与走访: the records of a community's ethnic-unity work done together. Changes are kept in
``core.Change`` (``activities.hooks`` registers them); a decision's status moves through
``Decision.transitions`` (``core.transitions``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import OrgLevel, OrgUnit
from residents.models import Household, Resident

# 走访慰问, 会议与决定, 荣誉 ---------------------------------------------------------------------


class VisitReason(models.TextChoices):
    FESTIVAL = "festival", "节日慰问"
    HARDSHIP = "hardship", "困难帮扶"
    ILLNESS = "illness", "病困"
    OTHER = "other", "其他"


class VisitQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> VisitQuerySet:
        return self.filter(grid__path__startswith=unit.path)


class Visit(models.Model):
    """走访慰问: a visit to a household, filed under the grid the household was in that day."""

    household = models.ForeignKey(
        Household, verbose_name="走访户", on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name="社区", on_delete=models.PROTECT, related_name="+", editable=False
    )
    grid = models.ForeignKey(
        OrgUnit, verbose_name="网格", on_delete=models.PROTECT, related_name="+", editable=False
    )
    visited_on = models.DateField("走访日期")
    reason = models.CharField(
        "走访事由", max_length=20, choices=VisitReason.choices, default=VisitReason.FESTIVAL
    )
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="走访人（账号）", blank=True, related_name="+"
    )
    visitor_names = models.CharField(
        "走访人", max_length=200, blank=True, help_text="没有账号的走访人（社区书记、共建单位等），以顿号分隔"
    )
    items = models.CharField("慰问物品", max_length=300, blank=True, help_text="例如：米、面、油各一份")
    amount = models.DecimalField(
        "慰问金及物资折合（元）", max_digits=10, decimal_places=2, default=0, help_text="慰问金与物资折合金额"
    )
    note = models.TextField("走访情况", blank=True)
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

    scope_path = "grid"
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "走访慰问"
        verbose_name_plural = "走访慰问"
        default_permissions = ()
        permissions = model_permissions("visit", verbose_name)
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["grid", "visited_on"]),
            models.Index(fields=["household", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_reason_display()}"

    def visitor_label(self, users=None) -> str:
        users = list(self.visitors.all()) if users is None else users
        names = [user.get_full_name() or user.username for user in users]
        names += [part.strip() for part in self.visitor_names.replace(",", "、").split("、") if part.strip()]
        return "、".join(names)


class MeetingKind(models.TextChoices):
    UNITY = "unity", "民族团结工作会议"
    JOINT = "joint", "联席会议"
    THREE_X = "three_x", "3+X联席议事"
    RESIDENTS = "residents", "居民议事会"
    OTHER = "other", "其他会议"


class Meeting(models.Model):
    """会议: a community's meeting, its minutes and the decisions it made (议定事项)."""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices, default=MeetingKind.UNITY)
    title = models.CharField("会议名称", max_length=100, blank=True, help_text="可不填，默认为会议类型")
    held_on = models.DateField("会议日期")
    place = models.CharField("会议地点", max_length=100, blank=True)
    attendee_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="参会人（账号）", blank=True, related_name="+"
    )
    attendee_names = models.TextField(
        "参会人员", blank=True, help_text="参会人员或单位，以顿号分隔，例如：社区书记、派出所民警、物业公司"
    )
    minutes = models.TextField("会议纪要", blank=True)
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
        verbose_name = "会议"
        verbose_name_plural = "会议"
        default_permissions = ()
        permissions = model_permissions("meeting", verbose_name)
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["community", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on} {self.label}"

    @property
    def label(self) -> str:
        return self.title or self.get_kind_display()

    def attendee_label(self, users=None) -> str:
        users = list(self.attendee_users.all()) if users is None else users
        names = [user.get_full_name() or user.username for user in users]
        names += [part.strip() for part in self.attendee_names.replace(",", "、").split("、") if part.strip()]
        return "、".join(names)


class DecisionStatus(models.TextChoices):
    TODO = "todo", "待办"
    DOING = "doing", "办理中"
    DONE = "done", "已完成"


class DecisionAction(models.TextChoices):
    START = "start", "开始办理"
    FINISH = "finish", "办结"
    REOPEN = "reopen", "重新办理"


WORK_DECISION = "activities.change_decision"
NOT_DONE = (DecisionStatus.TODO, DecisionStatus.DOING)


class DecisionQuerySet(models.QuerySet):
    def in_unit(self, unit: OrgUnit) -> DecisionQuerySet:
        return self.filter(meeting__community__path__startswith=unit.path)

    def open(self) -> DecisionQuerySet:
        return self.filter(status__in=NOT_DONE)

    def overdue(self, day: dt.date | None = None) -> DecisionQuerySet:
        """Not done, their due date passed on ``day`` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(status__in=NOT_DONE, due_on__lt=day)


class Decision(models.Model):
    """议定事项: what a meeting decided, who carries it out (an account or a named unit), by
    when, followed 待办 → 办理中 → 已完成."""

    meeting = models.ForeignKey(
        Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="decisions"
    )
    content = models.CharField("议定事项", max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人（账号）",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_unit = models.CharField(
        "责任单位/责任人", max_length=100, blank=True, help_text="例如：社区居委会、物业公司"
    )
    due_on = models.DateField("办理期限")
    status = models.CharField(
        "状态", max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.TODO
    )
    done_on = models.DateField("完成日期", null=True, blank=True, editable=False)
    result = models.CharField("办理情况", max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "meeting__community"
    objects = DecisionQuerySet.as_manager()

    transitions = TransitionTable(
        DecisionStatus,
        [
            Move(DecisionStatus.TODO, DecisionStatus.DOING, WORK_DECISION),
            Move(DecisionStatus.TODO, DecisionStatus.DONE, WORK_DECISION),
            Move(DecisionStatus.DOING, DecisionStatus.DONE, WORK_DECISION),
            # Found not done after all: back to 办理中, with the reason.
            Move(DecisionStatus.DONE, DecisionStatus.DOING, WORK_DECISION, note_required=True),
        ],
    )

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        default_permissions = ()
        permissions = model_permissions("decision", verbose_name)
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.content[:40]

    @property
    def owner_label(self) -> str:
        names = []
        if self.owner_id:
            names.append(self.owner.get_full_name() or self.owner.username)
        if self.owner_unit:
            names.append(self.owner_unit)
        return "、".join(names) or "（未指定）"

    @property
    def is_done(self) -> bool:
        return self.status == DecisionStatus.DONE

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_on < timezone.localdate()


class HonourLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道级"


class Recipient(models.TextChoices):
    UNIT = "unit", "集体（本单位）"
    PERSON = "person", "个人"


class Honour(models.Model):
    """先进典型与荣誉: a title (最美志愿者, 民族团结进步先进单位 …) given to the community itself or
    to a person of it (a resident from the ledger, or a name), at a level, by a body, on a day."""

    community = models.ForeignKey(
        OrgUnit,
        verbose_name="社区",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": OrgLevel.COMMUNITY},
    )
    recipient = models.CharField("获得者", max_length=10, choices=Recipient.choices, default=Recipient.UNIT)
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_name = models.CharField(
        "姓名", max_length=50, blank=True, help_text="不在台账上的个人（如社区工作人员）"
    )
    title = models.CharField("荣誉称号", max_length=100, help_text="例如：民族团结进步先进单位、最美志愿者")
    level = models.CharField("级别", max_length=20, choices=HonourLevel.choices)
    awarded_by = models.CharField("授予单位", max_length=100)
    awarded_on = models.DateField("授予日期")
    note = models.CharField("事迹简介", max_length=300, blank=True)
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
        verbose_name = "荣誉"
        verbose_name_plural = "荣誉"
        default_permissions = ()
        permissions = model_permissions("honour", verbose_name)
        ordering = ["-awarded_on", "-pk"]
        indexes = [models.Index(fields=["community", "awarded_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient="unit") | Q(resident__isnull=False) | ~Q(person_name=""),
                name="activities_honour_person_named",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_level_display()}）"

    @property
    def recipient_label(self) -> str:
        if self.recipient == Recipient.UNIT:
            return self.community.name
        return self.resident.name if self.resident_id else self.person_name
