"""Activities' forms: validation only, every queryset narrowed through ``grid.scope``.

The activities' forms: validation only, every queryset narrowed through ``grid.scope``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core.lists import ListFilterForm
from core.periods import Period
from grid.models import Building, OrgLevel, OrgUnit, Place
from grid.scope import scope_queryset
from residents.models import Resident
from residents.pickers import choose_resident

from .models import (
    Activity,
    ActivityKind,
    Decision,
    DecisionStatus,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    MemberRole,
    Recipient,
    Team,
    TeamKind,
    Theme,
    Visit,
    VisitReason,
)

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


class AttendForm(forms.Form):
    """签到 by name: a resident found with the ledger's picker (htmx, POST)."""

    resident = forms.ModelChoiceField(label="按姓名查找居民", queryset=Resident.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choose_resident(self.fields["resident"], user, adults_first=False)


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
        choose_resident(self.fields["resident"], user)


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


# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------


def _month_field() -> forms.CharField:
    return forms.CharField(
        label="月份", required=False, widget=forms.TextInput(attrs={"type": "month"}), max_length=7
    )


def _clean_month(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        year, month = (int(part) for part in value.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        raise forms.ValidationError("月份格式应为 2026-03。") from None
    return f"{year:04d}-{month:02d}"


def _in_month(rows, field: str, month: str):
    year, number = (int(part) for part in month.split("-"))
    return rows.filter(**{f"{field}__year": year, f"{field}__month": number})


def staff_accounts(user, communities):
    """Active accounts working in these communities or below them (the communities are the
    reader's, or the household's being visited), by name."""
    below = Q(pk__in=[])
    for community in communities:
        below |= Q(profile__org_unit__path__startswith=community.path)
    return (
        get_user_model().objects.filter(below, is_active=True).order_by("last_name", "first_name", "username")
    )


def _account_label(account) -> str:
    return account.get_full_name() or account.username


class VisitFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "户号、走访人或慰问物品", "type": "search"}),
    )
    reason = forms.ChoiceField(label="事由", required=False, choices=[("", "全部事由"), *VisitReason.choices])
    grid = forms.ModelChoiceField(
        label="网格", queryset=OrgUnit.objects.none(), required=False, empty_label="全部网格"
    )
    month = _month_field()

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())

    def clean_month(self):
        return _clean_month(self.cleaned_data["month"])


def visits_for(user, filters: dict):
    """The visits the list shows: in ``user``'s scope, filtered."""
    rows = scope_queryset(user, Visit.objects.select_related("household", "grid"))
    if filters.get("reason"):
        rows = rows.filter(reason=filters["reason"])
    if filters.get("grid"):
        rows = rows.filter(grid=filters["grid"])
    if filters.get("month"):
        rows = _in_month(rows, "visited_on", filters["month"])
    if term := filters.get("q", "").strip():
        rows = rows.filter(
            Q(household__number=term) | Q(visitor_names__contains=term) | Q(items__contains=term)
        )
    return rows


class VisitForm(forms.ModelForm):
    """登记走访慰问 from a phone: the household (found through one of its members, or fixed
    when the visit is recorded from the household's page), who went, why, what was given."""

    resident = forms.ModelChoiceField(
        label="走访户（户内居民）",
        queryset=Resident.objects.none(),
        required=False,
        help_text="输入户内任一居民的姓名查找，走访记在其所在户。",
    )

    class Meta:
        model = Visit
        fields = ["visited_on", "reason", "visitors", "visitor_names", "items", "amount", "note"]
        widgets = {
            "visited_on": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
            "visitors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household or (self.instance.household if self.instance.pk else None)
        if self.household is not None:
            del self.fields["resident"]
            communities = [self.household.community]
        else:
            field = self.fields["resident"]
            field.required = True
            choose_resident(field, user, adults_first=False)
            communities = list(scope_queryset(user, OrgUnit.objects.communities()))
            self.order_fields(["resident"])
        if not self.instance.pk:
            self.fields["visited_on"].initial = timezone.localdate()
        visitors = self.fields["visitors"]
        visitors.queryset = (
            staff_accounts(user, communities) if communities else get_user_model().objects.none()
        )
        visitors.label_from_instance = _account_label
        visitors.required = False
        self.fields["amount"].required = False

    def chosen_household(self):
        if self.household is not None:
            return self.household
        resident = self.cleaned_data.get("resident")
        return resident.household if resident else None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("visitors") and not (cleaned.get("visitor_names") or "").strip():
            self.add_error("visitor_names", "请选择走访人账号，或填写走访人姓名。")
        amount = cleaned.get("amount")
        if amount is None and "amount" not in self.errors:
            cleaned["amount"] = Decimal(0)
        elif amount is not None and amount < 0:
            self.add_error("amount", "金额不能为负数。")
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the action (full_clean there).
        pass


class UnvisitedForm(forms.Form):
    """Which period and grid the list of 困难户 nobody visited is for."""

    period = forms.ChoiceField(label="期间", required=False)
    grid = forms.ModelChoiceField(
        label="网格", queryset=OrgUnit.objects.none(), required=False, empty_label="全部网格"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        today = timezone.localdate()
        choices = [
            Period.year(today.year),
            Period.containing("quarter", today),
            Period.containing("month", today),
            Period.year(today.year - 1),
        ]
        self.fields["period"].choices = [(p.key, p.label) for p in choices]
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def chosen(self) -> tuple[Period, OrgUnit | None]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        key = data.get("period") or self.fields["period"].choices[0][0]
        return Period.parse(key), data.get("grid")


# 会议与议定事项 -------------------------------------------------------------------------------


class MeetingFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "会议名称、地点或纪要", "type": "search"}),
    )
    kind = forms.ChoiceField(
        label="会议类型", required=False, choices=[("", "全部类型"), *MeetingKind.choices]
    )
    month = _month_field()

    def clean_month(self):
        return _clean_month(self.cleaned_data["month"])


def meetings_for(user, filters: dict):
    rows = scope_queryset(user, Meeting.objects.select_related("community"))
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    if filters.get("month"):
        rows = _in_month(rows, "held_on", filters["month"])
    if term := filters.get("q", "").strip():
        rows = rows.filter(Q(title__contains=term) | Q(place__contains=term) | Q(minutes__contains=term))
    return rows


class MeetingForm(forms.ModelForm):
    community = forms.ModelChoiceField(label="社区", queryset=OrgUnit.objects.none())

    class Meta:
        model = Meeting
        fields = [
            "community",
            "kind",
            "title",
            "held_on",
            "place",
            "attendee_users",
            "attendee_names",
            "minutes",
        ]
        widgets = {
            "held_on": DATE,
            "attendee_names": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "attendee_users": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
            communities = [self.instance.community]
        else:
            options = scope_queryset(user, OrgUnit.objects.communities())
            self.fields["community"].queryset = options
            if options.count() == 1:
                self.fields["community"].initial = options.first().pk
            self.fields["held_on"].initial = timezone.localdate()
            communities = list(options)
        attendees = self.fields["attendee_users"]
        attendees.queryset = (
            staff_accounts(user, communities) if communities else get_user_model().objects.none()
        )
        attendees.label_from_instance = _account_label
        attendees.required = False

    def _post_clean(self):
        pass


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["content", "owner", "owner_unit", "due_on"]
        widgets = {"due_on": DATE, "content": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = staff_accounts(user, [meeting.community])
        owner.label_from_instance = _account_label
        owner.empty_label = "（不选账号，填写责任单位）"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("owner") and not (cleaned.get("owner_unit") or "").strip():
            self.add_error("owner_unit", "请选择责任人账号，或填写责任单位/责任人。")
        return cleaned

    def _post_clean(self):
        pass


class FinishForm(forms.Form):
    result = forms.CharField(label="办理情况", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label="完成日期", widget=DATE, initial=timezone.localdate)


class StartForm(forms.Form):
    note = forms.CharField(
        label="说明", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新办理的原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


DECISION_STATES = [
    ("", "全部状态"),
    ("open", "未完成"),
    ("overdue", "已逾期"),
    *DecisionStatus.choices,
]


class DecisionFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "议定事项或责任单位", "type": "search"}),
    )
    status = forms.ChoiceField(label="状态", required=False, choices=DECISION_STATES)
    kind = forms.ChoiceField(
        label="会议类型", required=False, choices=[("", "全部类型"), *MeetingKind.choices]
    )


def decisions_for(user, filters: dict):
    rows = scope_queryset(user, Decision.objects.select_related("meeting__community", "owner"))
    status = filters.get("status")
    if status == "open":
        rows = rows.open()
    elif status == "overdue":
        rows = rows.overdue()
    elif status:
        rows = rows.filter(status=status)
    if filters.get("kind"):
        rows = rows.filter(meeting__kind=filters["kind"])
    if term := filters.get("q", "").strip():
        rows = rows.filter(Q(content__contains=term) | Q(owner_unit__contains=term))
    return rows


# 荣誉 -----------------------------------------------------------------------------------------


class HonourFilterForm(ListFilterForm):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "荣誉称号或授予单位", "type": "search"}),
    )
    level = forms.ChoiceField(label="级别", required=False, choices=[("", "全部级别"), *HonourLevel.choices])
    recipient = forms.ChoiceField(
        label="获得者", required=False, choices=[("", "集体和个人"), *Recipient.choices]
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)


def honours_for(user, filters: dict):
    rows = scope_queryset(user, Honour.objects.select_related("community", "resident"))
    if filters.get("level"):
        rows = rows.filter(level=filters["level"])
    if filters.get("recipient"):
        rows = rows.filter(recipient=filters["recipient"])
    if filters.get("year"):
        rows = rows.filter(awarded_on__year=filters["year"])
    if term := filters.get("q", "").strip():
        rows = rows.filter(Q(title__contains=term) | Q(awarded_by__contains=term))
    return rows


class HonourForm(forms.ModelForm):
    community = forms.ModelChoiceField(label="社区", queryset=OrgUnit.objects.none())

    class Meta:
        model = Honour
        fields = [
            "community",
            "recipient",
            "resident",
            "person_name",
            "title",
            "level",
            "awarded_by",
            "awarded_on",
            "note",
        ]
        widgets = {"awarded_on": DATE, "recipient": forms.RadioSelect}
        help_texts = {"resident": "个人荣誉：从台账中查找居民；不在台账上的，填写姓名。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
        else:
            options = scope_queryset(user, OrgUnit.objects.communities())
            self.fields["community"].queryset = options
            if options.count() == 1:
                self.fields["community"].initial = options.first().pk
        resident = self.fields["resident"]
        resident.required = False
        choose_resident(resident, user, adults_first=False)

    def clean(self):
        cleaned = super().clean()
        person = cleaned.get("recipient") == Recipient.PERSON
        if person and not cleaned.get("resident") and not (cleaned.get("person_name") or "").strip():
            self.add_error("person_name", "个人荣誉请从台账中选择居民，或填写姓名。")
        return cleaned

    def _post_clean(self):
        pass
