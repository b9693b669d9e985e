"""The ledger's blocks on the org tree's pages (``core.registry`` panels): who lives in a
building, per 单元, and in a 单元, household by household. ``grid`` names no app above it;
these plug in from here."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery

from core.registry import Panel
from grid.scope import scope_queryset

from .models import Household, LedgerStatus, Relation, Resident

ON_LEDGER = Q(residents__status=LedgerStatus.ACTIVE)


def _open_households(user, **where):
    """The reader's households still open (not 销户) matching ``where``."""
    return scope_queryset(user, Household).filter(closed_on__isnull=True, **where)


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
    head = Resident.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, status=LedgerStatus.ACTIVE
    ).values("name")[:1]
    households = list(
        _open_households(user, unit=unit)
        .annotate(head_name=Subquery(head), members=Count("residents", filter=ON_LEDGER))
        .order_by("room", "number")
    )
    return Panel(
        "residents/_unit_households.html",
        {
            "unit": unit,
            "households": households,
            "residents": sum(h.members for h in households),
        },
    )
