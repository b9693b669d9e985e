"""Activities' forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core import registry
from core.lists import ListFilterForm
from core.widgets import PickerWidget
from grid.models import Building, OrgLevel, OrgUnit, Place
from grid.scope import scope_queryset
from residents.models import Resident
from residents.pickers import picker_label

from .models import Activity, ActivityKind, MemberRole, Team, TeamKind, Theme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def units_for(user):
    """The communities and grids in ``user``'s scope: where activities and teams are kept."""
    return scope_queryset(user, OrgUnit.objects.filter(level__in=(OrgLevel.COMMUNITY, OrgLevel.GRID)))


def _unit_label(unit: OrgUnit) -> str:
    return unit.name if unit.level == OrgLevel.COMMUNITY else f"　{unit.name}"


class ActivityFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "活动名称或地点", "type": "search"}),
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *ActivityKind.choices])
    theme = forms.ChoiceField(label="主题", required=False, choices=[("", "全部主题"), *Theme.choices])
    start = forms.DateField(label="起始日期", required=False, widget=DATE)
    end = forms.DateField(label="截止日期", required=False, widget=DATE)
    unit = forms.ModelChoiceField(
        label="组织单位", queryset=OrgUnit.objects.none(), required=False, empty_label="全部单位"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["unit"].queryset = units_for(user)


def activities_for(user, filters: dict):
    """The activities the list shows: in ``user``'s scope, filtered; the unit filter takes
    the unit and its grids."""
    rows = scope_queryset(user, Activity.objects.select_related("unit", "place"))
    for name in ("kind", "theme"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    if filters.get("start"):
        rows = rows.filter(starts_at__date__gte=filters["start"])
    if filters.get("end"):
        rows = rows.filter(starts_at__date__lte=filters["end"])
    if filters.get("unit"):
        rows = rows.filter(unit__path__startswith=filters["unit"].path)
    if term := filters.get("q", "").strip():
        rows = rows.filter(
            Q(title__contains=term) | Q(place_text__contains=term) | Q(place__name__contains=term)
        )
    return rows


class ActivityForm(forms.ModelForm):
    unit = forms.ModelChoiceField(label="组织单位", queryset=OrgUnit.objects.none())

    class Meta:
        model = Activity
        fields = [
            "unit",
            "title",
            "kind",
            "theme",
            "starts_at",
            "ends_at",
            "place",
            "place_text",
            "partners",
            "description",
            "others",
            "materials",
            "slogans",
            "boards",
            "reached",
            "bilingual",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "partners": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"title": "例如：粽香庆端午·民族团结一家亲"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_for(user)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = _unit_label
        if units.count() == 1:
            self.fields["unit"].initial = units.first().pk
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = DATETIME_FORMATS
        if not self.instance.pk:
            now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
            self.fields["starts_at"].initial = now
            self.fields["ends_at"].initial = now + dt.timedelta(hours=2)
        self.fields["place"].queryset = scope_queryset(user, Place.objects.select_related("grid")).order_by(
            "grid__path", "name"
        )
        self.fields["place"].empty_label = "（不选，填写地点）"

    def _post_clean(self):
        # The model's checks run in the action (full_clean there), with the unit set.
        pass

    def activity_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "unit"}


def _resident_label(resident: Resident) -> str:
    return picker_label(resident, timezone.localdate())


class AttendForm(forms.Form):
    """签到 by name: a resident found with the ledger's picker (htmx, POST)."""

    resident = forms.ModelChoiceField(label="按姓名查找居民", queryset=Resident.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["resident"]
        field.queryset = scope_queryset(user, Resident.objects.active().select_related("household__grid"))
        field.label_from_instance = _resident_label
        url = registry.picker_url_for("residents.Resident")
        if url:
            field.widget = PickerWidget(url=url)
            field.widget.choices = field.choices


class BuildingForm(forms.Form):
    """Which building's households to tick residents from: the buildings of the activity's
    community in the person's scope."""

    building = forms.ModelChoiceField(label="楼栋", queryset=Building.objects.none(), empty_label="选择楼栋")

    def __init__(self, *args, user, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        unit = activity.unit
        community_path = unit.path if unit.level != OrgLevel.GRID else unit.path[: -OrgUnit.steplen]
        self.fields["building"].queryset = (
            scope_queryset(user, Building.objects.select_related("grid"))
            .filter(grid__path__startswith=community_path)
            .order_by("grid__path", "position", "number")
        )
        self.fields["building"].label_from_instance = lambda b: f"{b.grid.name} {b.number}"


class TickForm(forms.Form):
    """The residents ticked (checkboxes) out of one building's households."""

    residents = forms.ModelMultipleChoiceField(
        label="居民", queryset=Resident.objects.none(), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, user, building: Building, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residents"].queryset = scope_queryset(
            user, Resident.objects.active().filter(household__building=building)
        ).select_related("household", "ethnicity")


class OthersForm(forms.Form):
    others = forms.IntegerField(label="台账外参与人数", min_value=0, max_value=100000)


class PhotoForm(forms.Form):
    image = forms.FileField(label="照片", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label="说明", max_length=100, required=False)


class TeamForm(forms.ModelForm):
    unit = forms.ModelChoiceField(label="所属单位", queryset=OrgUnit.objects.none())

    class Meta:
        model = Team
        fields = ["unit", "name", "kind", "description", "leader_account", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_for(user)
        if self.instance.pk:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units
            self.fields["unit"].label_from_instance = _unit_label
            if units.count() == 1:
                self.fields["unit"].initial = units.first().pk
        self.fields["leader_account"].queryset = scope_queryset(
            user, get_user_model().objects.filter(is_active=True).select_related("profile")
        ).order_by("username")
        self.fields["leader_account"].empty_label = "（不设）"
        self.fields["kind"].choices = TeamKind.choices

    def _post_clean(self):
        pass

    def team_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.fields and name != "unit"
        }


class MemberForm(forms.Form):
    resident = forms.ModelChoiceField(label="按姓名查找居民", queryset=Resident.objects.none())
    role = forms.ChoiceField(label="职务", choices=MemberRole.choices, initial=MemberRole.MEMBER)
    joined_on = forms.DateField(label="加入日期", required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["resident"]
        field.queryset = scope_queryset(user, Resident.objects.active().select_related("household__grid"))
        field.label_from_instance = _resident_label
        url = registry.picker_url_for("residents.Resident")
        if url:
            field.widget = PickerWidget(url=url, params={"adults": "first"})
            field.widget.choices = field.choices


class ServiceForm(forms.Form):
    """录入志愿服务时长: a volunteer of the team, the day, the hours and what was done."""

    resident = forms.ModelChoiceField(
        label="志愿者", queryset=Resident.objects.none(), empty_label="选择队员"
    )
    served_on = forms.DateField(label="服务日期", widget=DATE)
    hours = forms.DecimalField(label="服务时长（小时）", min_value=0.5, max_value=24, decimal_places=1)
    content = forms.CharField(
        label="服务内容", max_length=200, help_text="例如：端午节慰问孤寡老人、楼道清扫"
    )
    activity = forms.ModelChoiceField(
        label="关联活动", queryset=Activity.objects.none(), required=False, empty_label="（无）"
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = Resident.objects.filter(memberships__team=team).order_by(
            "name", "pk"
        )
        self.fields["served_on"].initial = timezone.localdate()
        unit = team.unit
        community_path = unit.path if unit.level != OrgLevel.GRID else unit.path[: -OrgUnit.steplen]
        since = timezone.localdate() - dt.timedelta(days=90)
        self.fields["activity"].queryset = Activity.objects.filter(
            unit__path__startswith=community_path, starts_at__date__gte=since
        ).order_by("-starts_at")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
