"""活动与宣传: activities (活动) with their attendance from the ledger, publicity figures and
photos; teams (文体队伍, 志愿者队伍 …) with their members; volunteer service records (志愿服务
时长) confirmed by staff through ``ServiceRecord.transitions`` (``core.transitions``).

Nothing here is typed that can be counted: an activity's participants are its ledger
attendees plus the people not on the ledger (``others``), its minority participants and the
民族 present are counted from the attendees' 民族 (``queries.py``); a team's minority members
are counted from its members. Changes are kept in ``core.Change`` (``activities.hooks``).

活动与走访: the records of a community's ethnic-unity work done together. Changes are kept in
``core.Change`` (``activities.hooks`` registers them); a decision's status moves through
``Decision.transitions`` (``core.transitions``)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import OrgLevel, OrgUnit, Place
from residents.models import Ethnicity, Household, Resident


class ActivityKind(models.TextChoices):
    FESTIVAL = "festival", "节日活动"
    PUBLICITY = "publicity", "宣讲宣传"
    CULTURE = "culture", "文体活动"
    VOLUNTEER = "volunteer", "志愿服务"
    FELLOWSHIP = "fellowship", "联谊座谈"
    TRAINING = "training", "培训讲座"
    OTHER = "other", "其他"


class Theme(models.TextChoices):
    PUBLICITY_MONTH = "publicity_month", "民族团结进步宣传月"
    OUR_FESTIVALS = "our_festivals", "我们的节日"
    COMMUNITY = "community", "铸牢中华民族共同体意识"
    ONE_FAMILY = "one_family", "民族团结一家亲"
    LAW = "law", "法治宣传"
    CIVILISATION = "civilisation", "新时代文明实践"
    OTHER = "other", "其他"


class Activity(models.Model):
    """活动: organised by a community or a grid (its scope), at a place of the grid or one
    named, with partner units (共驻共建), publicity figures and photos; attendance is
    ``Attendance`` rows (ledger residents) plus ``others`` (people not on the ledger)."""

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name="组织单位",
        on_delete=models.PROTECT,
        related_name="activities",
        help_text="开展活动的社区或网格",
    )
    title = models.CharField("活动名称", max_length=100)
    kind = models.CharField("活动类型", max_length=20, choices=ActivityKind.choices)
    theme = models.CharField("活动主题", max_length=30, choices=Theme.choices, default=Theme.OTHER)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.ForeignKey(
        Place,
        verbose_name="活动场所",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        help_text="辖区内登记的场所，例如清真寺、学校；不在其中的填写下面的地点",
    )
    place_text = models.CharField("地点", max_length=100, blank=True, help_text="例如：社区文化广场")
    partners = models.TextField(
        "共驻共建单位", blank=True, help_text="每行一个单位，例如：区民宗局、辖区派出所"
    )
    description = models.TextField("活动内容", blank=True)
    others = models.PositiveIntegerField(
        "台账外参与人数", default=0, help_text="不在居民台账上的参与群众人数（如驻区单位职工、外来游客）"
    )
    materials = models.PositiveIntegerField("发放宣传资料（份）", default=0)
    slogans = models.PositiveIntegerField("张贴宣传标语（幅）", default=0)
    boards = models.PositiveIntegerField("宣传展板（块）", default=0)
    reached = models.PositiveIntegerField("受益群众（人次）", default=0)
    bilingual = models.BooleanField("双语宣传", default=False)
    attendees = models.ManyToManyField(
        Resident, verbose_name="参与居民", through="Attendance", related_name="activities", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    scope_path = "unit"

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"
        default_permissions = ()
        permissions = [
            *model_permissions("activity", verbose_name),
            ("record_attendance", "登记活动签到"),
        ]
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["unit", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.title}"

    @property
    def place_label(self) -> str:
        if self.place_id:
            return self.place.name + (f"（{self.place_text}）" if self.place_text else "")
        return self.place_text

    @property
    def partner_list(self) -> list[str]:
        text = self.partners.replace("、", "\n").replace("，", "\n").replace(",", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class Attendance(models.Model):
    """One resident of the ledger at one activity (签到)."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="attendance"
    )
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, related_name="attendance"
    )
    # The resident's 民族 as on the day they came, copied from the ledger (never typed): the
    # figures count minority participants from it without reading the ledger again.
    ethnicity = models.ForeignKey(
        Ethnicity, verbose_name="民族", on_delete=models.PROTECT, related_name="+", editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    scope_path = "activity__unit"

    class Meta:
        verbose_name = "活动签到"
        verbose_name_plural = "活动签到"
        default_permissions = ()
        permissions = model_permissions("attendance", verbose_name)
        constraints = [
            models.UniqueConstraint(fields=["activity", "resident"], name="activities_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.resident_id}"


def photo_path(instance: Photo, filename: str) -> str:
    """A random name: a photo shows people, and its path must tell nothing nor be guessed; it
    is served only by the scoped view (``activities:photo_image``), never as a public file."""
    return f"activities/photos/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:5]}"


class Photo(models.Model):
    """A photo of an activity, resized to a bounded size with its thumbnail
    (``activities.photos``); EXIF (GPS included) is not kept."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField("照片", upload_to=photo_path, editable=False)
    thumbnail = models.FileField("缩略图", upload_to=photo_path, editable=False)
    width = models.PositiveIntegerField("宽度", editable=False)
    height = models.PositiveIntegerField("高度", editable=False)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_path = "activity__unit"

    class Meta:
        verbose_name = "活动照片"
        verbose_name_plural = "活动照片"
        default_permissions = ()
        permissions = model_permissions("photo", verbose_name)
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or f"照片{self.pk}"


# --- teams and volunteer service ------------------------------------------------------------


class TeamKind(models.TextChoices):
    CULTURE = "culture", "文体队伍"
    VOLUNTEER = "volunteer", "志愿者队伍"
    PUBLICITY = "publicity", "宣讲队伍"
    OTHER = "other", "其他"


class Team(models.Model):
    """队伍 of a community (or a grid): its members are residents (``Membership``), one of them
    its 队长; ``leader_account`` is the account of whoever may enter the team's volunteer hours
    (their own team only) beside the staff."""

    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField("队伍名称", max_length=50)
    kind = models.CharField("队伍类型", max_length=20, choices=TeamKind.choices)
    description = models.TextField("简介", blank=True)
    leader_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="队长账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        help_text="可为本队录入志愿服务时长的账号（可不设）",
    )
    active = models.BooleanField("在册", default=True)
    members = models.ManyToManyField(
        Resident, verbose_name="队员", through="Membership", related_name="teams", blank=True
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    scope_path = "unit"

    class Meta:
        verbose_name = "队伍"
        verbose_name_plural = "队伍"
        default_permissions = ()
        permissions = model_permissions("team", verbose_name)
        ordering = ["unit", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="activities_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    LEADER = "leader", "队长"
    DEPUTY = "deputy", "副队长"
    MEMBER = "member", "队员"


class Membership(models.Model):
    team = models.ForeignKey(Team, verbose_name="队伍", on_delete=models.CASCADE, related_name="memberships")
    resident = models.ForeignKey(
        Resident, verbose_name="居民", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("职务", max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    # Copied from the ledger when the resident joins (never typed); minority members are
    # counted from it.
    ethnicity = models.ForeignKey(
        Ethnicity, verbose_name="民族", on_delete=models.PROTECT, related_name="+", editable=False
    )
    joined_on = models.DateField("加入日期", null=True, blank=True)

    scope_path = "team__unit"

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        default_permissions = ()
        permissions = model_permissions("membership", verbose_name)
        ordering = ["team", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "resident"], name="activities_membership_unique"),
            # One 队长 per team.
            models.UniqueConstraint(
                fields=["team"], condition=Q(role="leader"), name="activities_membership_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.resident_id}"


class ServiceStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "退回"


CONFIRM = "activities.change_servicerecord"


class ServiceRecord(models.Model):
    """志愿服务记录: hours one volunteer (a member of the team) served on a day, entered by staff
    or the team's leader account, confirmed (or returned) by staff. Only confirmed hours count."""

    team = models.ForeignKey(Team, verbose_name="队伍", on_delete=models.CASCADE, related_name="services")
    resident = models.ForeignKey(
        Resident, verbose_name="志愿者", on_delete=models.PROTECT, related_name="volunteer_services"
    )
    served_on = models.DateField("服务日期")
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=1)
    content = models.CharField("服务内容", max_length=200)
    activity = models.ForeignKey(
        Activity,
        verbose_name="关联活动",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
    )
    status = models.CharField(
        "状态", max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.PENDING, editable=False
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    scope_path = "team__unit"

    transitions = TransitionTable(
        ServiceStatus,
        [
            Move(ServiceStatus.PENDING, ServiceStatus.CONFIRMED, CONFIRM),
            Move(ServiceStatus.PENDING, ServiceStatus.RETURNED, CONFIRM, note_required=True),
        ],
    )

    class Meta:
        verbose_name = "志愿服务记录"
        verbose_name_plural = "志愿服务记录"
        default_permissions = ()
        permissions = model_permissions("servicerecord", verbose_name)
        ordering = ["-served_on", "-pk"]
        indexes = [models.Index(fields=["team", "served_on"])]

    def __str__(self) -> str:
        return f"{self.served_on} {self.hours}小时"


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
