"""Report periods (报告期): a month, a quarter, a year, or a range a reader picks.

A period is a closed range of days in Asia/Shanghai. Stock figures (households, residents)
are read on its last day; flow figures (cases, tickets, activities) count what happened
inside it. Keys are what people type and what URLs carry: ``2026-11``, ``2026-Q4``,
``2026``, ``2026-01-05~2026-02-10``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"
    RANGE = "range", "自定义"


QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
# The earliest and latest years a period may name (the validators' date range).
FIRST_YEAR, LAST_YEAR = 1900, 2099


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str = PeriodKind.RANGE

    # --- making one -------------------------------------------------------------------------

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(dt.date(year, month, 1), _month_end(year, month), PeriodKind.MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls(dt.date(year, first, 1), _month_end(year, first + 2), PeriodKind.QUARTER)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), PeriodKind.YEAR)

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == PeriodKind.MONTH:
            return cls.month(day.year, day.month)
        if kind == PeriodKind.QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == PeriodKind.YEAR:
            return cls.year(day.year)
        raise ValueError(f"no period of kind {kind!r} contains a day")

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-11``, ``2026-Q4``, ``2026`` or ``2026-01-05~2026-02-10``; a Chinese
        ``ValidationError`` for anything else."""
        text = (text or "").strip()
        try:
            if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
                year, month = int(m[1]), int(m[2])
                if 1 <= month <= 12:
                    return cls._checked(cls.month(year, month))
            elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
                return cls._checked(cls.quarter(int(m[1]), int(m[2])))
            elif m := re.fullmatch(r"\d{4}", text):
                return cls._checked(cls.year(int(text)))
            elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})", text):
                start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
                if start <= end:
                    return cls._checked(cls(start, end, PeriodKind.RANGE))
                raise ValidationError("起始日期不能晚于结束日期。", code="period")
        except ValueError:
            pass
        raise ValidationError(
            "报告期格式不正确：月度如 2026-11，季度如 2026-Q4，年度如 2026，自定义如 2026-01-05~2026-02-10。",
            code="period",
        )

    @classmethod
    def _checked(cls, period: Period) -> Period:
        if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR:
            raise ValidationError(f"报告期须在 {FIRST_YEAR}—{LAST_YEAR} 年之间。", code="period")
        return period

    # --- naming it ----------------------------------------------------------------------------

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}~{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """2026年11月, 2026年第四季度, 2026年, 2026年1月5日至2月10日."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}年{QUARTER_NAMES[(self.start.month - 1) // 3 + 1]}"
        if self.kind == PeriodKind.YEAR:
            return f"{self.start.year}年"
        end = f"{self.end.month}月{self.end.day}日"
        if self.end.year != self.start.year:
            end = f"{self.end.year}年{end}"
        return f"{self.start.year}年{self.start.month}月{self.start.day}日至{end}"

    def __str__(self) -> str:
        return self.label

    # --- neighbours ---------------------------------------------------------------------------

    def previous(self) -> Period:
        """The period just before, of the same kind (a range: of the same length)."""
        if self.kind == PeriodKind.RANGE:
            length = self.end - self.start
            end = self.start - dt.timedelta(days=1)
            return Period(end - length, end, PeriodKind.RANGE)
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def last_completed(kind: str, today: dt.date) -> Period:
    """The newest period of ``kind`` that has ended before ``today``."""
    return Period.containing(kind, today).previous()


def due_periods(today: dt.date) -> list[Period]:
    """What the run on ``today`` (the 1st of a month, Asia/Shanghai) reports on: last month,
    and last quarter and last year when they have just ended. Any other day: nothing."""
    if today.day != 1:
        return []
    due = [last_completed(PeriodKind.MONTH, today)]
    if today.month in (1, 4, 7, 10):
        due.append(last_completed(PeriodKind.QUARTER, today))
    if today.month == 1:
        due.append(last_completed(PeriodKind.YEAR, today))
    return due
