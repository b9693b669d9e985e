"""The period picker (报告期): a kind and its value, turned into a ``core.periods.Period``.

One form for every page that shows a period (the dashboard, the reports): 月度 from an
``<input type="month">``, 季度 as a year and a quarter, 年度 as a year, 自定义 as two dates.
The inputs of the other kinds may be sent too (they are only hidden by the page's script);
only the chosen kind's are read. The page's URL then carries the period's key alone.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from core.periods import FIRST_YEAR, LAST_YEAR, QUARTER_NAMES, Period, PeriodKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        # ISO, as <input type="date"> reads and sends it.
        super().__init__(attrs={"class": "form-control"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(
        label="报告期类型", choices=PeriodKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    month = forms.CharField(
        label="月份",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11", "class": "form-control"}),
    )
    year = forms.IntegerField(
        label="年份",
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
    )
    quarter = forms.TypedChoiceField(
        label="季度",
        required=False,
        coerce=int,
        choices=[("", "—"), *QUARTER_NAMES.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start = forms.DateField(label="起始日期", required=False, widget=DateInput())
    end = forms.DateField(label="结束日期", required=False, widget=DateInput())

    # Which inputs each kind reads (the page shows only those).
    FIELDS = {
        PeriodKind.MONTH: ("month",),
        PeriodKind.QUARTER: ("year", "quarter"),
        PeriodKind.YEAR: ("year",),
        PeriodKind.RANGE: ("start", "end"),
    }
    MISSING = {
        "month": "请选择月份。",
        "year": "请填写年份。",
        "quarter": "请选择季度。",
        "start": "请选择起始日期。",
        "end": "请选择结束日期。",
    }

    @classmethod
    def for_period(cls, period: Period) -> PeriodForm:
        """An unbound form showing ``period``."""
        return cls(
            initial={
                "kind": period.kind,
                "month": f"{period.start:%Y-%m}",
                "year": period.start.year,
                "quarter": (period.start.month - 1) // 3 + 1,
                "start": period.start,
                "end": period.end,
            }
        )

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        missing = False
        for name in self.FIELDS[PeriodKind(kind)]:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, self.MISSING[name])
            if name in self.errors:
                missing = True
        if missing:
            return data
        try:
            data["period"] = Period.parse(self._key(PeriodKind(kind), data))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return data

    @staticmethod
    def _key(kind: PeriodKind, data: dict) -> str:
        if kind == PeriodKind.MONTH:
            return data["month"].strip()
        if kind == PeriodKind.QUARTER:
            return f"{data['year']}-Q{data['quarter']}"
        if kind == PeriodKind.YEAR:
            return str(data["year"])
        start: dt.date = data["start"]
        end: dt.date = data["end"]
        return f"{start.isoformat()}~{end.isoformat()}"

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]
