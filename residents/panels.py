"""The ledger's blocks on the org tree's pages (``core.registry`` panels): who lives in a
building, per 单元, and in a 单元, household by household. ``grid`` names no app above it;
these plug in from here."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.registry import Panel
from grid.models import OrgLevel, Role
from grid.scope import scope_queryset, user_org_unit

from .filters import with_member_counts
from .models import Household, LedgerStatus

ON_LEDGER = Q(residents__status=LedgerStatus.ACTIVE)


def _open_households(user, **where):
    """The reader's households still open (not 销户) matching ``where``."""
    return scope_queryset(user, Household.objects.active()).filter(**where)


def building_households_panel(user, building) -> Panel | None:
    """Per 单元 of a building: its households and residents on the ledger (one grouped
    aggregate), each unit opening its own page."""
    if not user.has_perm("residents.view_household"):
        return None
    rows = (
        _open_households(user, building=building)
        .order_by()
        .values("unit_id", "unit__number", "unit__position")
        .annotate(households=Count("pk", distinct=True), residents=Count("residents", filter=ON_LEDGER))
        .order_by("unit__position", "unit__number")
    )
    rows = list(rows)
    return Panel(
        "residents/_building_households.html",
        {
            "building": building,
            "rows": rows,
            "households": sum(row["households"] for row in rows),
            "residents": sum(row["residents"] for row in rows),
        },
    )


def unit_households_panel(user, unit) -> Panel | None:
    """A 单元's households by room, with their 户主 and how many are on the ledger."""
    if not user.has_perm("residents.view_household"):
        return None
    # Member counts and the 户主's name as the household list computes them.
    households = list(with_member_counts(_open_households(user, unit=unit)).order_by("room", "number"))
    return Panel(
        "residents/_unit_households.html",
        {
            "unit": unit,
            "households": households,
            "residents": sum(h.member_count for h in households),
        },
    )


# --- a grid worker's round (网格员首页) ---------------------------------------------------------

STALE_SHOWN = 15


def stale_households(user, grid, *, days: int):
    """The reader's open households in ``grid`` whose record and members nobody has changed
    for ``days`` days, the longest untouched first, each with ``last_updated``."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    return (
        _open_households(user, grid=grid)
        .annotate(last_updated=Greatest(Coalesce(Max("residents__updated_at"), "updated_at"), "updated_at"))
        .filter(last_updated__lt=cutoff)
        .order_by("last_updated", "number")
    )


def grid_worker_home_panel(user) -> Panel | None:
    """A 网格员's home page: their grid's households, residents, minority and floating
    residents as the ledger's lists open them, and the households nobody has updated for
    ``LEDGER_STALE_AFTER_DAYS``: what a round of the grid is for."""
    grid = user_org_unit(user)
    profile = getattr(user, "profile", None)
    if (
        grid is None
        or grid.level != OrgLevel.GRID
        or getattr(profile, "role", None) != Role.GRID_WORKER
        or not user.has_perm("residents.view_household")
    ):
        return None
    days = settings.LEDGER_STALE_AFTER_DAYS
    stale = stale_households(user, grid, days=days)
    shown = list(stale.select_related("building", "unit")[: STALE_SHOWN + 1])
    return Panel(
        "residents/_grid_worker_home.html",
        {
            "grid": grid,
            "days": days,
            "stale": shown[:STALE_SHOWN],
            "stale_count": stale.count() if len(shown) > STALE_SHOWN else len(shown),
        },
    )
