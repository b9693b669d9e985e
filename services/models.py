"""便民服务: the working-day calendar's amendments (``Holiday``), the hall's windows (窗口), the
service catalogue (事项) and the tickets (办件) across channels. Changes are kept in
``core.Change`` (``services.hooks`` registers them); a ticket's status moves through
``Ticket.transitions`` (``core.transitions``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from core.permissions import model_permissions
from grid.models import OrgLevel, OrgUnit


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
