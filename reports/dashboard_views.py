"""数据看板: the dashboard page of an org unit in the reader's scope, for a period.

``?unit=`` names the unit (its pk, as the page's links do, or its code; the reader's own
unit without it), ``?period=`` the period's key (``2026-11``, ``2026-Q4``, ``2026``,
``2026-01-05~2026-02-10``; the current month without it). A unit outside the reader's
scope is 404, as everywhere. The period picker's inputs come back as one ``period`` key.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.periods import Period, PeriodKind
from core.views import Crumb, require
from grid.models import OrgLevel, OrgUnit
from grid.scope import get_in_scope_or_404, scope_queryset, unit_in_scope, user_org_unit

from .dashboard import dashboard_data
from .hooks import VIEW
from .period_form import PeriodForm

# A pk is an int column; anything longer is a code (or nothing), never a pk.
MAX_PK_DIGITS = 18


def default_period(today=None) -> Period:
    """The current month, read as of today (截至今日): what a leader opens the dashboard to
    see. Last month, which the monthly report covers, is one click away (上月)."""
    return Period.containing(PeriodKind.MONTH, today or timezone.localdate())


def home_unit(user) -> OrgUnit | None:
    """Where the reader's dashboard opens: their own unit; a superuser's, the first root."""
    if user.is_superuser and user.is_active:
        return OrgUnit.objects.get_first_root_node()
    return user_org_unit(user)


def _unit(request: HttpRequest, default: OrgUnit) -> OrgUnit:
    value = request.GET.get("unit", "").strip()
    if not value:
        return default
    if value.isdigit() and len(value) <= MAX_PK_DIGITS:
        by_pk = scope_queryset(request.user, OrgUnit).filter(pk=int(value)).first()
        if by_pk is not None:
            return by_pk
    # Otherwise a code; administrative codes are digits only too.
    return get_in_scope_or_404(request.user, OrgUnit, code=value)


def dashboard_url(unit: OrgUnit | None = None, period: Period | None = None) -> str:
    params = {}
    if unit is not None:
        params["unit"] = unit.pk
    if period is not None:
        params["period"] = period.key
    url = reverse("reports:dashboard")
    return f"{url}?{urlencode(params)}" if params else url


def _crumbs(user, unit: OrgUnit, period: Period) -> list[Crumb]:
    """From the reader's own unit down to this one; never above their own."""
    crumbs = [
        Crumb(ancestor.name, dashboard_url(ancestor, period))
        for ancestor in OrgUnit.objects.get_ancestors(unit)
        if unit_in_scope(user, ancestor)
    ]
    return [*crumbs, Crumb(unit.name)]


def _shortcuts(unit: OrgUnit, today) -> list[tuple[str, str]]:
    this_month = Period.containing(PeriodKind.MONTH, today)
    return [
        ("本月", dashboard_url(unit, this_month)),
        ("上月", dashboard_url(unit, this_month.previous())),
        ("本季度", dashboard_url(unit, Period.containing(PeriodKind.QUARTER, today))),
        ("本年", dashboard_url(unit, Period.containing(PeriodKind.YEAR, today))),
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request, VIEW)
    home = home_unit(request.user)
    if home is None:
        return render(request, "reports/dashboard.html", {"no_unit": True, "crumbs": [Crumb("数据看板")]})
    unit = _unit(request, home)
    today = timezone.localdate()
    period = default_period(today)
    errors: list[str] = []
    form = None
    if "kind" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return redirect(dashboard_url(unit, form.period))
        errors = [message for messages in form.errors.values() for message in messages]
    elif request.GET.get("period"):
        try:
            period = Period.parse(request.GET["period"])
        except ValidationError as error:
            errors = list(error.messages)
    if form is None:
        form = PeriodForm.for_period(period)

    data = dashboard_data(unit, period)
    context = {
        "unit": unit,
        "level": OrgLevel(unit.level).label,
        "child_level": OrgLevel(unit.level + 1).label if unit.level < OrgLevel.GRID else "",
        "period": period,
        "previous": period.previous(),
        "data": data,
        "charts": [_chart(chart, period) for chart in data.charts],
        "children": [(child, dashboard_url(child, period)) for child in data.children],
        "crumbs": _crumbs(request.user, unit, period),
        "form": form,
        "errors": errors,
        "shortcuts": _shortcuts(unit, today),
        "running": period.end >= today,
    }
    return render(request, "reports/dashboard.html", context)


def _chart(chart: dict, period: Period) -> dict:
    """A chart as the page shows it: its data for the script (json_script), where a click
    on a child unit's bar leads (the URL with the unit's key to append), and its table's
    rows, a child unit's linked the same way."""
    drill = (
        f"{reverse('reports:dashboard')}?{urlencode({'period': period.key})}&unit=" if chart["links"] else ""
    )
    rows = chart["table"]["rows"]
    links = chart["links"] if len(chart["links"]) == len(rows) else []
    return {
        "chart": chart,
        "element_id": f"chart-data-{chart['key']}",
        "drill_url": drill,
        "rows": [(row, drill + quote(links[index]) if links else None) for index, row in enumerate(rows)],
    }
