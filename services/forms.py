"""Services' forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

from django import forms
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from core import registry
from core.lists import ListFilterForm
from core.widgets import PickerWidget
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset
from residents.models import Ethnicity, Resident
from residents.pickers import picker_label

from .models import (
    CLOSED,
    OPEN,
    Category,
    Channel,
    Department,
    Kind,
    Satisfaction,
    ServiceItem,
    Ticket,
    TicketStatus,
    Window,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TicketFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "排队号、申请人姓名或内容", "type": "search"}),
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("", "全部状态"),
            ("open", "办理中（含受理）"),
            ("closed", "已办结（含退回、转办）"),
            *TicketStatus.choices,
        ],
    )
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部渠道"), *Channel.choices])
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *Kind.choices])
    category = forms.ChoiceField(
        label="事项类别", required=False, choices=[("", "全部类别"), *Category.choices]
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "不限"), ("1", "已逾期")])
    window = forms.ModelChoiceField(
        label="窗口", queryset=Window.objects.none(), required=False, empty_label="全部窗口"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["window"].queryset = scope_queryset(user, Window.objects.select_related("community"))


def tickets_for(user, filters: dict):
    """The tickets the list shows: in ``user``'s scope, filtered."""
    rows = scope_queryset(user, Ticket.objects.select_related("item", "window", "unit"))
    status = filters.get("status")
    if status == "open":
        rows = rows.filter(status__in=OPEN)
    elif status == "closed":
        rows = rows.filter(status__in=CLOSED)
    elif status:
        rows = rows.filter(status=status)
    for name in ("channel", "kind"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("category"):
        rows = rows.filter(item__category=filters["category"])
    if filters.get("window"):
        rows = rows.filter(window=filters["window"])
    if filters.get("overdue"):
        rows = rows.overdue()
    if term := filters.get("q", "").strip():
        rows = rows.filter(Q(queue_code=term.upper()) | Q(applicant_name=term) | Q(subject__contains=term))
    return rows


def _resident_label(resident: Resident) -> str:
    return picker_label(resident, timezone.localdate())


class ApplicantFields(forms.Form):
    """The applicant: a resident picked from the ledger, or a walk-in's name, 民族 and phone."""

    resident = forms.ModelChoiceField(
        label="申请人（台账居民）", queryset=Resident.objects.none(), required=False
    )
    applicant_name = forms.CharField(label="申请人姓名（不在台账上时填写）", max_length=50, required=False)
    applicant_ethnicity = forms.ModelChoiceField(
        label="民族", queryset=Ethnicity.objects.all(), required=False
    )
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False)

    def _narrow_applicant(self, user) -> None:
        field = self.fields["resident"]
        field.queryset = scope_queryset(user, Resident.objects.active().select_related("household__grid"))
        field.label_from_instance = _resident_label
        url = registry.picker_url_for("residents.Resident")
        if url:
            field.widget = PickerWidget(url=url, params={"adults": "first"})
            field.widget.choices = field.choices
            field.widget.is_required = False

    def applicant(self) -> dict:
        data = self.cleaned_data
        if data.get("resident"):
            return {"resident": data["resident"], "applicant_phone": data.get("applicant_phone", "")}
        return {
            "resident": None,
            "applicant_name": data.get("applicant_name", "").strip(),
            "applicant_ethnicity": data.get("applicant_ethnicity"),
            "applicant_phone": data.get("applicant_phone", ""),
        }


def _items():
    return ServiceItem.objects.filter(active=True).order_by("category", "name")


class TicketForm(ApplicantFields):
    """登记办件 from a channel other than the queue: 信访, 热线, 网格上报, 线上 (or a window
    without a number)."""

    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.HOTLINE)
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.REQUEST)
    unit = forms.ModelChoiceField(label="所属社区或网格", queryset=OrgUnit.objects.none())
    window = forms.ModelChoiceField(label="窗口", queryset=Window.objects.none(), required=False)
    item = forms.ModelChoiceField(label="事项", queryset=ServiceItem.objects.none(), required=False)
    subject = forms.CharField(label="内容摘要", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label="登记日期", widget=DATE)

    field_order = ["channel", "kind", "unit", "window", "item", "subject", "received_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scope_queryset(user, OrgUnit.objects.filter(level__in=[OrgLevel.COMMUNITY, OrgLevel.GRID]))
        self.fields["unit"].queryset = units.order_by("path")
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk
        self.fields["window"].queryset = scope_queryset(user, Window.objects.filter(active=True))
        self.fields["item"].queryset = _items()
        self.fields["received_on"].initial = timezone.localdate()
        self._narrow_applicant(user)

    def ticket_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "kind": data["kind"],
            "window": data.get("window"),
            "item": data.get("item"),
            "subject": data["subject"],
            "received_on": data["received_on"],
            **self.applicant(),
        }


class RecordForm(ApplicantFields):
    """The desk's one form for the person at the window: what, who, and then 受理 or 答复."""

    kind = forms.ChoiceField(label="类型", choices=Kind.choices)
    item = forms.ModelChoiceField(label="事项", queryset=ServiceItem.objects.none(), required=False)
    subject = forms.CharField(label="内容摘要", max_length=300, required=False)

    field_order = [
        "kind",
        "item",
        "resident",
        "applicant_name",
        "applicant_ethnicity",
        "applicant_phone",
        "subject",
    ]

    def __init__(self, *args, user, window: Window | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        items = _items()
        labels = {str(label): value for value, label in Category.choices}
        wanted = [
            labels[c.strip()]
            for c in (window.categories if window else "").split("、")
            if c.strip() in labels
        ]
        if wanted:
            # The window's own categories first; any item stays possible.
            own = Case(When(category__in=wanted, then=Value(0)), default=Value(1))
            items = items.annotate(own=own).order_by("own", "category", "name")
        self.fields["item"].queryset = items
        self._narrow_applicant(user)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    result = forms.CharField(
        label="办理结果", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferForm(forms.Form):
    department = forms.ChoiceField(label="转办部门", choices=Department.choices)
    note = forms.CharField(
        label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="评价意见", required=False, max_length=200)
