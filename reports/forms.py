"""The reports' forms: they validate, nothing more."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.periods import Period, PeriodKind

from .models import ReportState

PERIOD_HELP = "月度如 2026-11，季度如 2026-Q4，年度如 2026"


def report_period(text: str) -> Period:
    period = Period.parse(text)
    if period.kind == PeriodKind.RANGE:
        raise ValidationError("工作报告按月、季度或年度生成，请填写月份、季度或年份。", code="period")
    return period


class ReportFilterForm(forms.Form):
    period = forms.CharField(label="报告期", required=False, help_text=PERIOD_HELP)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ReportState.choices])

    def clean_period(self) -> Period | None:
        text = self.cleaned_data["period"].strip()
        return report_period(text) if text else None


class GenerateForm(forms.Form):
    period = forms.CharField(label="报告期", help_text=PERIOD_HELP)

    def clean_period(self) -> Period:
        return report_period(self.cleaned_data["period"])


class ParagraphsForm(forms.Form):
    highlights = forms.CharField(
        label="工作亮点",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每段一行；重新生成报告时保留。",
    )
    next_steps = forms.CharField(
        label="下步打算",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每条一行，报告中按 1. 2. 编号。",
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        min_length=4,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写退回原因。", "min_length": "退回原因至少写 4 个字。"},
    )
