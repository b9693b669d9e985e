"""The household and resident lists' filters, search and scoped selectors, registered with
``core.lists`` (``residents.lists``) so that the pages and the exports — direct or in the
background — hold exactly the same rows (and nothing out of scope).

Search takes a name, a household number, or a *whole* ID number. An ID number is only
ever matched exactly: a partial number would let anyone enumerate people by birth date.
"""

from __future__ import annotations

from django import forms
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from core.lists import ListFilterForm
from core.widgets import narrow
from grid.models import Building, OrgUnit
from grid.scope import scope_queryset, subtree_first_id

from . import idnumber
from .models import Ethnicity, Household, HouseholdKind, LedgerStatus, Relation, ResidenceStatus, Resident

MINORITY = "minority"


def full_id_number(text: str) -> str | None:
    """The normalised number if ``text`` is a whole, valid ID number; otherwise None."""
    try:
        return idnumber.parse(text).number
    except ValidationError:
        return None


def _flag_choices(model, names: tuple[str, ...], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(name, str(model._meta.get_field(name).verbose_name)) for name in names]


class LedgerFilterForm(ListFilterForm):
    """GET filters of the household list; ``ResidentFilterForm`` adapts it to residents."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": "姓名、户号或完整身份证号", "type": "search", "autocomplete": "off"}
        ),
    )
    grid = forms.ModelChoiceField(
        label="网格", queryset=OrgUnit.objects.none(), required=False, empty_label="全部网格"
    )
    building = forms.ModelChoiceField(
        label="楼栋", queryset=Building.objects.none(), required=False, empty_label="全部楼栋"
    )
    kind = forms.ChoiceField(label="户别", choices=[("", "全部户别"), *HouseholdKind.choices], required=False)
    flag = forms.ChoiceField(label="家庭标签", required=False)
    ethnicity = forms.ChoiceField(label="民族", required=False)
    floating = forms.ChoiceField(
        label="流动人口", choices=[("", "不限"), ("1", "有流动人口")], required=False
    )
    status = forms.ChoiceField(
        label="状态",
        choices=[("active", "在册户"), ("closed", "已销户"), ("all", "全部")],
        required=False,
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["grid"].queryset = scope_queryset(user, OrgUnit.objects.grids())
        self.fields["building"].queryset = scope_queryset(user, Building.objects.select_related("grid"))
        # 楼栋 offers the chosen 网格's buildings only (static/js/narrow.js); the server still
        # applies whatever pair arrives, and a building outside scope is not applied at all.
        narrow(self.fields["building"], by="grid")
        self.fields["flag"].choices = self.flag_choices()
        self.fields["ethnicity"].choices = [
            ("", "全部民族"),
            (MINORITY, "少数民族（全部）"),
            *Ethnicity.objects.values_list("code", "name"),
        ]

    def flag_choices(self) -> list[tuple[str, str]]:
        return _flag_choices(Household, Household.FLAG_FIELDS, "全部")


class ResidentFilterForm(LedgerFilterForm):
    floating = forms.ChoiceField(
        label="流动人口", choices=[("", "不限"), ("1", "仅流动人口")], required=False
    )
    status = forms.ChoiceField(
        label="状态",
        choices=[("active", "在册"), ("moved_out", "已迁出"), ("deceased", "已死亡"), ("all", "全部")],
        required=False,
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["flag"].label = "特殊群体"

    def flag_choices(self) -> list[tuple[str, str]]:
        return _flag_choices(Resident, Resident.SPECIAL_GROUP_FIELDS, "全部特殊群体")

    field_order = ["q", "grid", "building", "kind", "ethnicity", "flag", "floating", "status"]


def _ethnicity_q(value: str, prefix: str = "") -> Q:
    if value == MINORITY:
        return Q(**{f"{prefix}ethnicity__is_minority": True})
    return Q(**{f"{prefix}ethnicity__code": value})


def households_for(user, filters: dict) -> QuerySet[Household]:
    """The user's households narrowed by ``filters`` (``LedgerFilterForm.values()``).

    Without the member count and head's name: ``with_member_counts`` adds those, for a
    page's 50 rows only (or an export's), not for every household the filters match."""
    qs = scope_queryset(user, Household).select_related("grid", "building", "unit", "community")
    if first := subtree_first_id(user):  # where the list's (grid, 户号) order reaches the scope
        qs = qs.filter(grid_id__gte=first)
    status = filters.get("status", "active")
    if status == "active":
        qs = qs.filter(closed_on__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_on__isnull=False)
    for name in ("grid", "building", "kind"):
        if name in filters:
            qs = qs.filter(**{name: filters[name]})
    if filters.get("flag") in Household.FLAG_FIELDS:
        qs = qs.filter(**{filters["flag"]: True})
    active_members = Resident.objects.filter(household=OuterRef("pk"), status=LedgerStatus.ACTIVE)
    if "ethnicity" in filters:
        # Exists, not a join: a household with three 回族 members is still one row.
        qs = qs.filter(Exists(active_members.filter(_ethnicity_q(filters["ethnicity"]))))
    if filters.get("floating"):
        qs = qs.filter(Exists(active_members.filter(residence_status=ResidenceStatus.FLOATING)))
    if filters.get("q"):
        qs = qs.filter(_household_search(filters["q"]))
    return qs


def with_member_counts(qs: QuerySet[Household]) -> QuerySet[Household]:
    """``qs`` annotated with the active member count and the head's name, without a query per row."""
    active_members = Resident.objects.filter(household=OuterRef("pk"), status=LedgerStatus.ACTIVE)
    counts = active_members.order_by().values("household").annotate(n=Count("pk")).values("n")
    heads = Resident.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by("status", "pk")
    return qs.annotate(
        member_count=Coalesce(Subquery(counts), 0),
        head_name=Subquery(heads.values("name")[:1]),
    )


def _contains(text: str) -> str:
    """``contains`` for a term with no letter case (汉字, digits), else ``icontains``: the
    same matches, without upper-casing every name of half a million residents first."""
    return "contains" if text.upper() == text.lower() else "icontains"


class NameChars(Func):
    """``string_to_array(name, NULL)``: a name's characters, as the GIN index of migration
    0013 keeps them on PostgreSQL."""

    function = "string_to_array"
    output_field = ArrayField(TextField())

    def __init__(self, field: str = "name"):
        super().__init__(F(field), Value(None))


def _name_contains(text: str) -> Q:
    """Names containing ``text``. A substring match (``LIKE '%…%'``) can use no index, so on
    PostgreSQL a term without letter case also asks the index of the names' characters for
    the names that hold all of its characters; ``LIKE`` then keeps their order exact. On
    half a million residents: 50 ms → 5 ms. SQLite (the demo) asks ``LIKE`` alone."""
    contains = _contains(text)
    found = Q(**{f"name__{contains}": text})
    chars = sorted(set(text) - {" ", "\u3000"})
    if connection.vendor == "postgresql" and contains == "contains" and chars:
        found &= Q(DataContains(NameChars(), Value(chars, output_field=ArrayField(TextField()))))
    return found


NUMBER_MATCHES = 500


def _resident_search(text: str) -> Q:
    """Residents whose name, or whose household's 户号, contains ``text``.

    The 户号 matches are looked up first (a name matches none, a number fragment a few):
    asked in one query with the names, "name OR 户号 of a joined household" makes the
    database join all 159,000 households of a district before it filters half a million
    residents. The lookup is not scoped; the list it narrows is.
    """
    contains = _contains(text)
    numbers = Household.objects.filter(**{f"number__{contains}": text}).values_list("pk", flat=True)
    numbered = list(numbers[: NUMBER_MATCHES + 1])
    named = _name_contains(text)
    if len(numbered) > NUMBER_MATCHES:  # "01": most households; let the database join
        return named | Q(**{f"household__number__{contains}": text})
    return named | Q(household_id__in=numbered) if numbered else named


HOUSEHOLD_MATCHES = 2000


def _household_search(text: str) -> Q:
    """Households whose 户号 contains ``text`` or that have a member whose name does.

    Both are looked up first, as for residents: asked as "户号 LIKE … OR id IN (names)" in
    the page's query, the database walks every household of a district in the list's order
    and tests each (60 ms at 159,000). A term most households match (a common surname)
    goes back to that one query, which is then as fast as anything.
    """
    text = text.strip()
    number = full_id_number(text)
    if number:
        return Q(pk__in=Resident.objects.filter(id_number=number).values("household_id")) | Q(number=text)
    contains = _contains(text)
    named = Resident.objects.filter(_name_contains(text)).values_list("household_id", flat=True)
    numbered = Household.objects.filter(**{f"number__{contains}": text}).values_list("pk", flat=True)
    found = set(named.order_by().distinct()[: HOUSEHOLD_MATCHES + 1])
    if len(found) <= HOUSEHOLD_MATCHES:
        found |= set(numbered[: HOUSEHOLD_MATCHES + 1 - len(found)])
    if len(found) > HOUSEHOLD_MATCHES:
        return Q(**{f"number__{contains}": text}) | Q(pk__in=named)
    return Q(pk__in=found)


def residents_for(user, filters: dict) -> QuerySet[Resident]:
    """The user's residents narrowed by ``filters`` (``ResidentFilterForm.values()``); the
    list orders them (``residents.lists``)."""
    qs = scope_queryset(user, Resident).select_related(
        "household__grid", "household__building", "household__unit", "ethnicity"
    )
    if first := subtree_first_id(user):  # as for households: the order reaches the scope there
        qs = qs.filter(household__grid_id__gte=first)
    status = filters.get("status", "active")
    if status in (LedgerStatus.ACTIVE, LedgerStatus.MOVED_OUT, LedgerStatus.DECEASED):
        qs = qs.filter(status=status)
    if "grid" in filters:
        qs = qs.filter(household__grid=filters["grid"])
    if "building" in filters:
        qs = qs.filter(household__building=filters["building"])
    if "kind" in filters:
        qs = qs.filter(household__kind=filters["kind"])
    if filters.get("flag") in Resident.SPECIAL_GROUP_FIELDS:
        qs = qs.filter(**{filters["flag"]: True})
    if "ethnicity" in filters:
        qs = qs.filter(_ethnicity_q(filters["ethnicity"]))
    if filters.get("floating"):
        qs = qs.filter(residence_status=ResidenceStatus.FLOATING)
    if filters.get("q"):
        text = filters["q"].strip()
        number = full_id_number(text)
        qs = qs.filter(id_number=number) if number else qs.filter(_resident_search(text))
    return qs
