"""活动与宣传: activities (活动) with their attendance from the ledger, publicity figures and
photos; teams (文体队伍, 志愿者队伍 …) with their members; volunteer service records (志愿服务
时长) confirmed by staff through ``ServiceRecord.transitions`` (``core.transitions``).

Nothing here is typed that can be counted: an activity's participants are its ledger
attendees plus the people not on the ledger (``others``), its minority participants and the
民族 present are counted from the attendees' 民族 (``queries.py``); a team's minority members
are counted from its members. Changes are kept in ``core.Change`` (``activities.hooks``)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.permissions import model_permissions
from core.transitions import Move, TransitionTable
from grid.models import OrgUnit, Place
from residents.models import Ethnicity, Resident


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
