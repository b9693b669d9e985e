"""The case list (矛盾纠纷案件) and the legal clinic's list (法律诊所服务), registered with
``core.lists``: in scope, filtered, keyset-paged, newest first. A mediator whose account is
linked to the roster sees their own open cases above the case list (我的待办案件). The case
list's .xlsx export goes through ``core.export_views`` (scoped and audited as every list's)
and carries no party, phone or ID number: a case's file number, title and handling, and its
mediators' names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.db.models import Aggregate, CharField, F, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse

from core import (
    export_views,
    lists,
)
from core.xlsx import (
    Column,
)
from grid.scope import (
    scope_queryset,
)

from .forms import CaseFilterForm, ClinicFilterForm, cases_for, clinics_for
from .models import OPEN, Case, CaseStatus, mediator_of


class _Names(Aggregate):
    """The names joined with 、 (STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '、')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def with_mediator_names(rows: QuerySet) -> QuerySet:
    """Each case's mediators as one text (one subquery, for the exported rows only)."""
    through = Case.mediators.through
    names = (
        through.objects.filter(case_id=OuterRef("pk"))
        .values("case_id")
        .annotate(names=_Names("mediator__name"))
        .values("names")[:1]
    )
    return rows.annotate(mediator_names=Subquery(names, output_field=CharField()))


def page_extras(rows: QuerySet) -> QuerySet:
    """For the page's rows (and the export's): 重复纠纷 as one subquery of the query that
    loads them, so ``Case.flags`` asks nothing per row; and the mediators' names. An export
    selects only its columns, so the flag's subquery is not run there."""
    return with_mediator_names(rows.with_repeat())


def _label(name: str) -> Callable[[str], str]:
    labels = {key: str(label) for key, label in Case._meta.get_field(name).flatchoices}
    return lambda value: labels.get(value, value or "")


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _factors(ethnic: bool, religious: bool) -> str:
    return "、".join(label for label, on in (("涉及民族因素", ethnic), ("涉及宗教因素", religious)) if on)


def case_columns() -> list[Column]:
    return [
        Column("案号", ("file_number",), width=28),
        Column("案由", ("title",), width=24),
        Column("网格", ("grid__name",)),
        Column("类型", ("category",), _label("category"), 10),
        Column("来源", ("source",), _label("source"), 10),
        Column("风险", ("risk",), _label("risk"), 8),
        Column("因素", ("ethnic_factor", "religious_factor"), _factors, 20),
        Column("状态", ("status",), _label("status"), 10),
        Column("登记日期", ("reported_on",), _date),
        Column("期限", ("deadline",), _date),
        Column("结案日期", ("closed_on",), _date),
        Column("调解员", ("mediator_names",), lambda value: value or "", 24),
    ]


CASES = lists.register(
    lists.ScopedList(
        key="mediation.cases",
        title="矛盾纠纷案件",
        noun="件",
        permission="mediation.view_case",
        form_class=CaseFilterForm,
        rows=cases_for,
        order=("-reported_on", "-pk"),
        columns=tuple(case_columns()),
        extras=page_extras,
        template="mediation/case_list.html",
        url_name="mediation:case_list",
        export_url_name="mediation:case_export",
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


@login_required
def case_export(request: HttpRequest) -> HttpResponse:
    return export_views.list_export(request, CASES)
