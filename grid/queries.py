"""Figures about the org tree, read in the user's data scope with SQL aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Substr

from .models import Building, OrgLevel, OrgUnit, Place, PlaceKind, Profile, Role, Unit
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


# --- figures of one unit's subtree, for the report's 基本情况 and the dashboard -----------------
# Reports read these for a unit that has passed ``unit_in_scope``; they hold no personal data.
# The grid keeps no dated history of heads and buildings: the figures are as they stand now.


def _has_head(prefix: str = "") -> Q:
    return Q(**{f"{prefix}head__isnull": False}) | ~Q(**{f"{prefix}head_name": ""})


@dataclass(frozen=True)
class GridFigures:
    grids: int  # 网格数
    grid_workers: int  # 网格员: active accounts with the role, in the subtree
    buildings: int
    building_heads: int  # 楼栋长 in post: buildings with a head
    units: int
    unit_heads: int  # 单元长 in post
    places: dict[str, int]  # PlaceKind value → count, kinds present only, in PlaceKind order
    religious_venues: list[str]  # their names, for "辖区内有清真寺1座（…）"

    def place_rows(self) -> list[tuple[str, int]]:
        return [(str(PlaceKind(kind).label), n) for kind, n in self.places.items()]


def grid_figures(unit: OrgUnit) -> GridFigures:
    below = Q(grid__path__startswith=unit.path)
    grids = OrgUnit.objects.filter(path__startswith=unit.path, level=OrgLevel.GRID).count()
    workers = Profile.objects.filter(
        org_unit__path__startswith=unit.path, role=Role.GRID_WORKER, user__is_active=True
    ).count()
    buildings = Building.objects.filter(below).aggregate(
        n=Count("pk"), headed=Count("pk", filter=_has_head())
    )
    units = Unit.objects.filter(building__grid__path__startswith=unit.path).aggregate(
        n=Count("pk"), headed=Count("pk", filter=_has_head())
    )
    by_kind = dict(Place.objects.filter(below).order_by().values_list("kind").annotate(n=Count("pk")))
    venues = list(
        Place.objects.filter(below, kind=PlaceKind.RELIGIOUS).order_by("name").values_list("name", flat=True)
    )
    return GridFigures(
        grids=grids,
        grid_workers=workers,
        buildings=buildings["n"],
        building_heads=buildings["headed"],
        units=units["n"],
        unit_heads=units["headed"],
        places={kind.value: by_kind[kind.value] for kind in PlaceKind if by_kind.get(kind.value)},
        religious_venues=venues,
    )


def grids_without_worker(unit: OrgUnit) -> list[OrgUnit]:
    """Grids of the subtree that no active 网格员 is assigned to."""
    staffed = Profile.objects.filter(role=Role.GRID_WORKER, user__is_active=True).values("org_unit_id")
    return list(
        OrgUnit.objects.filter(path__startswith=unit.path, level=OrgLevel.GRID)
        .exclude(pk__in=staffed)
        .order_by("path")
    )


def buildings_without_head(unit: OrgUnit) -> int:
    return Building.objects.filter(grid__path__startswith=unit.path).exclude(_has_head()).count()
