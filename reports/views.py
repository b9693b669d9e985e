"""The home page: each person's scope at a glance, from every app's own query functions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.registry import quick_links_for
from grid.queries import scope_figures
from grid.scope import user_org_unit
from residents.queries import ledger_figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    unit = user_org_unit(request.user)
    ledger = None
    # The ledger figures of the person's own unit, which is their whole scope; a superuser
    # (no unit) reads them per unit in the pages instead.
    if unit is not None and request.user.has_perm("residents.view_resident"):
        ledger = ledger_figures(unit, timezone.localdate())
    context = {
        "org_unit": unit,
        "figures": scope_figures(request.user),
        "ledger": ledger,
        "quick_links": quick_links_for(request.user),
    }
    return render(request, "reports/home.html", context)
