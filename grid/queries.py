"""Figures about the org tree, read in the user's data scope with SQL aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Substr

from .models import Building, OrgLevel, OrgUnit, Place
from .scope import scope_queryset, user_org_unit


@dataclass(frozen=True)
class LevelCount:
    level: int
    count: int

    @property
    def label(self) -> str:
        return OrgLevel(self.level).label


@dataclass(frozen=True)
class ScopeFigures:
    """What a person's scope holds right now: units per level below them, and what the grids cover."""

    units_by_level: list[LevelCount]
    buildings: int
    units: int
    places: int


def _levels_below(user) -> list[int]:
    if user.is_superuser and user.is_active:
        return [level.value for level in OrgLevel]
    own = user_org_unit(user)
    if own is None:
        return []
    return [level.value for level in OrgLevel if level > own.level]


def scope_figures(user) -> ScopeFigures:
    """Counts for the home page: one conditional aggregate over the tree, one over buildings
    and their 单元, one over places."""
    levels = _levels_below(user)
    by_level: dict[str, int] = {}
    if levels:
        by_level = scope_queryset(user, OrgUnit).aggregate(
            **{f"level_{level}": Count("pk", filter=Q(level=level)) for level in levels}
        )
    buildings = scope_queryset(user, Building).aggregate(
        buildings=Count("pk", distinct=True), units=Count("units", distinct=True)
    )
    return ScopeFigures(
        units_by_level=[LevelCount(level, by_level[f"level_{level}"]) for level in levels],
        buildings=buildings["buildings"],
        units=buildings["units"],
        places=scope_queryset(user, Place).count(),
    )


@dataclass(frozen=True)
class SubtreeCounts:
    buildings: int = 0
    places: int = 0


def subtree_counts(user, units: Sequence[OrgUnit]) -> dict[int, SubtreeCounts]:
    """Buildings and places under each of ``units`` (siblings at one depth), keyed by unit pk.

    Each unit's subtree is the records whose grid path starts with the unit's path, so
    grouping by that prefix counts every sibling in one query per model.
    """
    if not units:
        return {}
    depth = units[0].depth
    if any(unit.depth != depth for unit in units):
        raise ValueError("subtree_counts expects sibling units of one depth")
    length = depth * OrgUnit.steplen
    paths = [unit.path for unit in units]

    def grouped(model) -> dict[str, int]:
        rows = (
            scope_queryset(user, model)
            .annotate(prefix=Substr("grid__path", 1, length))
            .filter(prefix__in=paths)
            .order_by()
            .values("prefix")
            .annotate(n=Count("pk"))
        )
        return {row["prefix"]: row["n"] for row in rows}

    buildings = grouped(Building)
    places = grouped(Place)
    return {
        unit.pk: SubtreeCounts(buildings=buildings.get(unit.path, 0), places=places.get(unit.path, 0))
        for unit in units
    }
