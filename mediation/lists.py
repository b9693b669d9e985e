"""The case list (矛盾纠纷案件) and the legal clinic's list (法律诊所服务), registered with
``core.lists``: in scope, filtered, keyset-paged, newest first. A mediator whose account is
linked to the roster sees their own open cases above the case list (我的待办案件)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from core import lists
from grid.scope import scope_queryset

from .forms import CaseFilterForm, ClinicFilterForm, cases_for, clinics_for
from .models import OPEN, Case, CaseStatus, mediator_of

CASES = lists.register(
    lists.ScopedList(
        key="mediation.cases",
        title="矛盾纠纷案件",
        noun="件",
        permission="mediation.view_case",
        form_class=CaseFilterForm,
        rows=cases_for,
        order=("-reported_on", "-pk"),
        template="mediation/case_list.html",
        url_name="mediation:case_list",
    )
)

CLINICS = lists.register(
    lists.ScopedList(
        key="mediation.clinic",
        title="法律诊所服务",
        noun="场",
        permission="mediation.view_clinicsession",
        form_class=ClinicFilterForm,
        rows=clinics_for,
        order=("-held_on", "-pk"),
        template="mediation/clinic_list.html",
        url_name="mediation:clinic_list",
    )
)

# What a mediator still has to do: registered and not yet accepted, or being mediated.
TO_DO = (CaseStatus.REGISTERED, *OPEN)
MY_CASES_SHOWN = 50


def my_open_cases(user) -> list[Case]:
    """The open cases of the roster record ``user`` is, nearest deadline first (so the overdue
    ones on top), those without a deadline yet (登记) after them; in the user's scope."""
    mediator = mediator_of(user)
    if mediator is None:
        return []
    rows = scope_queryset(user, Case.objects.select_related("grid")).filter(
        mediators=mediator, status__in=TO_DO
    )
    return list(rows.order_by(F("deadline").asc(nulls_last=True), "reported_on", "pk")[:MY_CASES_SHOWN])


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    # Above the list's first page only, and only while nothing narrows the list.
    mine = []
    first_page = request.method == "GET" and not request.GET.get(lists.CURSOR)
    if first_page and request.user.has_perm(CASES.permission):
        form = CaseFilterForm(lists.filter_data(request, CASES), user=request.user)
        if not form.values():
            mine = my_open_cases(request.user)
    return lists.list_page(request, CASES, my_cases=mine)


@login_required
def clinic_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, CLINICS)
