"""The resident picker: find a person on the ledger by what a grid worker knows of them.

``core.widgets.PickerWidget`` posts what is typed (``q``) and its ``params`` here (htmx,
POST with the CSRF header: the term never enters a URL, so neither access logs nor browser
history hold names or ID digits); the answer is an HTML fragment of at most ``LIMIT``
choosable people. A fragment rather than JSON: labels, masking and the layout of a result
stay in one template on the server, escaped by Django, and the script only swaps it in.

What ``q`` matches (spaces and the middle dot of names such as 买买提·艾力 are ignored):
a name containing it ("胡 强" finds 胡强), a 户号 starting with it, the last 4 to 6
characters of an ID number (身份证后四位/后六位, what people are asked to confirm), or a whole
ID number. Like the lists, no other part of a number is searched: a prefix would let anyone
enumerate people by place and date of birth, while the last four are what the masked number
shows anyway and six add at most the day of the month. ID numbers are only shown masked.

``params`` narrow the search (each is a pk; one outside the user's scope simply finds
nobody, since everything goes through ``grid.scope.scope_queryset``):
``grid``, ``building``, ``unit``, ``household``; ``adults=first`` puts people of 18 and over
first (heads, applicants); ``include_gone=1`` also finds people moved out or deceased.

Results are ordered: adults first when asked, then an exact name or 户号 before a partial
one, then by grid, building and unit in their own order, room, 户号 and name — so two 胡强
in two 101s come out in the order of their buildings, each labelled with where they live.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.masking import mask_id_number
from core.views import require
from core.widgets import PickerWidget
from grid.scope import scope_queryset

from . import idnumber
from .models import Resident

LIMIT = 20
ADULT_AGE = 18
MAX_TERM = 40
# Ignored in names and in what is typed: spaces (half- and full-width) and the middle dots
# that join the parts of Uyghur, Kazakh and other transliterated names.
IGNORED = (" ", "\u3000", "·", "•", "・")
ID_TAIL = re.compile(r"[0-9]{3,5}[0-9X]")
NARROWING = {
    "grid": "household__grid_id",
    "building": "household__building_id",
    "unit": "household__unit_id",
    "household": "household_id",
}


def compact(text: str) -> str:
    for mark in IGNORED:
        text = text.replace(mark, "")
    return "".join(text.split())[:MAX_TERM]


def _compact_name():
    expression = F("name")
    for mark in IGNORED:
        expression = Replace(expression, Value(mark), Value(""))
    return expression


def adult_cutoff(today: dt.date) -> dt.date:
    """The latest birth date of someone who is ``ADULT_AGE`` today (29 February → 28th)."""
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:
        return today.replace(year=today.year - ADULT_AGE, day=28)


def _whole_id_number(term: str) -> str | None:
    try:
        return idnumber.parse(term).number
    except ValidationError:
        return None


def search(user, term: str, *, narrow: dict | None = None, adults_first: bool = False, include_gone=False):
    """The residents ``user`` may see that ``term`` finds, best first (a queryset, not yet cut)."""
    term = compact(term)
    residents: QuerySet[Resident] = scope_queryset(user, Resident)
    if not include_gone:
        residents = residents.active()
    for name, pk in (narrow or {}).items():
        residents = residents.filter(**{NARROWING[name]: pk})
    if not term:
        return residents.none()
    residents = residents.annotate(compact_name=_compact_name())
    upper = term.upper()
    found = Q(compact_name__icontains=term) | Q(household__number__istartswith=term)
    ranking = [
        When(compact_name__iexact=term, then=Value(0)),
        When(household__number__iexact=term, then=Value(0)),
        When(compact_name__istartswith=term, then=Value(1)),
    ]
    whole = _whole_id_number(term)
    if whole:
        found |= Q(id_number=whole)
        ranking.append(When(id_number=whole, then=Value(0)))
    elif ID_TAIL.fullmatch(upper):
        found |= Q(id_number__endswith=upper)
        ranking.append(When(id_number__endswith=upper, then=Value(1)))
    order = []
    if adults_first:
        cutoff = adult_cutoff(timezone.localdate())
        residents = residents.annotate(
            minor=Case(
                When(birth_date__gt=cutoff, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        order.append("minor")
    residents = residents.filter(found).annotate(
        rank=Case(*ranking, default=Value(2), output_field=IntegerField())
    )
    order += [
        "rank",
        "household__grid__path",
        F("household__building__position").asc(nulls_last=True),
        F("household__building__number").asc(nulls_last=True),
        F("household__unit__position").asc(nulls_last=True),
        F("household__unit__number").asc(nulls_last=True),
        "household__room",
        "household__number",
        "name",
        "pk",
    ]
    return residents.select_related("household__grid", "household__building", "household__unit").order_by(
        *order
    )


def where(resident: Resident) -> str:
    """一网格 1号楼 2单元 101: enough to tell two people of one name apart."""
    household = resident.household
    parts = [household.grid.name]
    if household.building_id:
        parts.append(household.building.number)
    if household.unit_id:
        parts.append(household.unit.number)
    if household.room:
        parts.append(household.room)
    return " ".join(parts)


def picker_label(resident: Resident, today: dt.date) -> str:
    """What the form shows once chosen: 胡强（1号楼 2单元 101，45岁）."""
    household = resident.household
    place = " ".join(
        p
        for p in (
            household.building.number if household.building_id else "",
            household.unit.number if household.unit_id else "",
            household.room or f"户号{household.number}",
        )
        if p
    )
    return f"{resident.name}（{place}，{resident.age_on(today)}岁）"


def _pks(data) -> dict[str, int] | None:
    """The narrowing params as pks; None if one is not a number (which then finds nobody)."""
    narrow = {}
    for name in NARROWING:
        value = (data.get(name) or "").strip()
        if value:
            if not value.isdigit():
                return None
            narrow[name] = int(value)
    return narrow


@never_cache
@login_required
@require_POST
def resident_picker(request: HttpRequest) -> HttpResponse:
    require(request, "residents.view_resident")
    term = compact(request.POST.get("q", ""))
    narrow = _pks(request.POST)
    today = timezone.localdate()
    results, more = [], False
    if term and narrow is not None:
        found = list(
            search(
                request.user,
                term,
                narrow=narrow,
                adults_first=request.POST.get("adults") == "first",
                include_gone=request.POST.get("include_gone") == "1",
            )[: LIMIT + 1]
        )
        more = len(found) > LIMIT
        results = [
            {
                "pk": resident.pk,
                "name": resident.name,
                "gender": resident.get_gender_display(),
                "age": resident.age_on(today),
                "where": where(resident),
                "number": resident.household.number,
                "id": mask_id_number(resident.id_number),
                "gone": "" if resident.is_active else resident.get_status_display(),
                "label": picker_label(resident, today),
            }
            for resident in found[:LIMIT]
        ]
    context = {"term": term, "results": results, "more": more, "limit": LIMIT}
    return render(request, "residents/_picker_results.html", context)


def choose_resident(field, user, *, adults_first: bool = True) -> None:
    """Make ``field`` (a ``ModelChoiceField`` of any app's form) choose one of the active
    residents in ``user``'s scope through the ledger's picker, labelled as the picker labels
    them; ``adults_first`` lists adults before children in the search."""
    field.queryset = scope_queryset(user, Resident.objects.active().select_related("household__grid"))
    field.label_from_instance = lambda resident: picker_label(resident, timezone.localdate())
    field.widget = PickerWidget(
        url=reverse_lazy("residents:resident_picker"), params={"adults": "first"} if adults_first else None
    )
    field.widget.choices = field.choices
    field.widget.is_required = field.required
