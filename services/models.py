"""便民服务: the working-day calendar's amendments (``Holiday``), the hall's windows (窗口), the
service catalogue (事项) and the tickets (办件) across channels. Changes are kept in
``core.Change`` (``services.hooks`` registers them); a ticket's status moves through
``Ticket.transitions`` (``core.transitions``)."""

from __future__ import annotations

from django.db import models

from core.permissions import model_permissions


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
