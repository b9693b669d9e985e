"""Resolve a whole ledger file against the database, then preview it or write it.

``plan_import`` reads every row, resolves grids, buildings, households and residents for
the whole file with a handful of queries (never one per row), and classifies each row as
new, updated, unchanged or error. ``write_plan`` writes a plan in one transaction.
A commit plans again inside its transaction, so what is written is checked against the
database as it is then, not as it was at the dry run.

Matching: residents on their ID number (unique in the whole system), households on their
户号 within the chosen community. So importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from grid.models import Building, OrgUnit, Unit
from grid.scope import unit_in_scope
from residents import history, idnumber
from residents.actions import FLOATING_PREFIX
from residents.bulk import insert_rows, update_rows
from residents.models import (
    ChangeAction,
    Ethnicity,
    FloatingRegistration,
    Household,
    LedgerChange,
    LedgerStatus,
    Resident,
    RowOutcome,
)

from .files import LedgerTable
from .rows import FLOATING_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS, ParsedRow, RowReader

Progress = Callable[[int, int], None]
CHUNK = 20000
PROGRESS_EVERY = 2000


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a file's rows are in memory.

    An import builds about a million small objects that all stay alive until it ends, and
    none of them form cycles; every full collection would walk all of them again, which
    measured at half of the validation time. Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def ethnicity_lookup() -> dict[str, int]:
    """Every way a ledger writes a 民族 — name, alias, code — to its id."""
    lookup: dict[str, int] = {}
    for eth in Ethnicity.objects.all():
        for key in (eth.name, eth.code, str(int(eth.code)), *eth.aliases):
            lookup.setdefault(key, eth.pk)
    return lookup


@dataclass
class RowPlan:
    row: ParsedRow
    outcome: str
    changed: tuple[str, ...] = ()  # field labels an update changes

    @property
    def row_number(self) -> int:
        return self.row.row_number

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.row.errors

    @property
    def summary(self) -> str:
        """Who the row is, masked, for the preview; worked out only when a preview is kept."""
        row = self.row
        name = row.resident.get("name") or "（无姓名）"
        number = row.resident.get("id_number")
        household = row.household.number if row.household else ""
        return f"{name} {idnumber.mask(number) if number else ''} 户号{household}".strip()


@dataclass
class HouseholdPlan:
    number: str
    grid: OrgUnit
    building: str
    unit: str
    values: dict[str, Any]
    first_row: int
    existing_id: int | None = None
    existing_place: tuple[int | None, int | None] = (None, None)  # building, unit ids
    changes: dict[str, list[str]] = field(default_factory=dict)
    pk: int | None = None


@dataclass
class ResidentPlan:
    row: ParsedRow
    household: HouseholdPlan
    existing: dict[str, Any] | None
    changes: dict[str, list[str]]
    floating_changes: dict[str, list[str]]
    floating_id: int | None = None
    pk: int | None = None


@dataclass
class ImportPlan:
    community: OrgUnit
    total_rows: int
    rows: list[RowPlan]
    households: dict[str, HouseholdPlan]
    residents: list[ResidentPlan]
    new_places: list[str] = field(default_factory=list)  # buildings and units a commit creates

    @property
    def counts(self) -> Counter:
        return Counter(r.outcome for r in self.rows)

    @property
    def has_errors(self) -> bool:
        return any(r.outcome == RowOutcome.ERROR for r in self.rows)


def plan_import(
    *,
    community: OrgUnit,
    table: LedgerTable,
    user=None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    today = today or timezone.localdate()
    total = len(table.rows)
    reader = RowReader(table.columns, ethnicity_lookup(), today)
    grids = {}
    for grid in OrgUnit.objects.subtree_of(community).grids():
        grids[grid.name] = grid
        grids[grid.code] = grid

    parsed: list[ParsedRow] = []
    first_row_of_id: dict[str, int] = {}
    for done, (row_number, cells) in enumerate(table.rows, 1):
        row = reader.parse(row_number, cells)
        id_number = row.resident.get("id_number")
        if id_number:
            if id_number in first_row_of_id:
                row.add_error("id_number", f"与第{first_row_of_id[id_number]}行的身份证号重复")
            else:
                first_row_of_id[id_number] = row_number
        if row.household and row.household.grid and row.household.grid not in grids:
            row.add_error("grid", f"本社区（{community.name}）没有名为“{row.household.grid}”的网格")
        parsed.append(row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done // 2, total)

    households = _plan_households(community, parsed, grids)
    existing_residents = _existing_residents([r.resident["id_number"] for r in parsed if r.ok])
    plans: list[ResidentPlan] = []
    rows: list[RowPlan] = []
    for done, row in enumerate(parsed, 1):
        plan = None
        if row.ok:
            plan = _plan_resident(row, households[row.household.number], existing_residents, community, user)
        if not row.ok:
            rows.append(RowPlan(row, RowOutcome.ERROR))
            continue
        plans.append(plan)
        household_changed = plan.household.first_row == row.row_number and (
            plan.household.existing_id is None or plan.household.changes
        )
        if plan.existing is None:
            rows.append(RowPlan(row, RowOutcome.NEW))
        elif plan.changes or plan.floating_changes or household_changed:
            changed = [*plan.changes, *(f"floating.{k}" for k in plan.floating_changes)]
            if household_changed:
                changed += [f"household.{k}" for k in plan.household.changes]
            rows.append(RowPlan(row, RowOutcome.UPDATED, tuple(_label(name) for name in changed)))
        else:
            rows.append(RowPlan(row, RowOutcome.UNCHANGED))
        if progress and done % PROGRESS_EVERY == 0:
            progress(total // 2 + done // 2, total)
    if progress:
        progress(total, total)
    return ImportPlan(community, total, rows, households, plans, _new_places(households, plans))


def _label(name: str) -> str:
    """ "phone" → 联系电话, "floating.origin" → 流动人口·户籍地, "household.address" → 户·住址."""
    model, prefix = Resident, ""
    if name.startswith("floating."):
        model, prefix, name = FloatingRegistration, "流动人口·", name.removeprefix("floating.")
    elif name.startswith("household."):
        model, prefix, name = Household, "户·", name.removeprefix("household.")
    if name == "household":
        return "所在户"
    return prefix + str(model._meta.get_field(name).verbose_name)


def _new_places(households: dict[str, HouseholdPlan], residents: list[ResidentPlan]) -> list[str]:
    """The buildings and units the file names that don't exist yet, as "一网格 11号楼 2单元":
    a mistyped 楼栋 shows here before it becomes a building."""
    used = {p.household.number for p in residents}
    wanted = {(h.grid, h.building, h.unit) for n, h in households.items() if n in used and h.building}
    if not wanted:
        return []
    grids = {grid.pk for grid, _, _ in wanted}
    buildings = set(Building.objects.filter(grid_id__in=grids).values_list("grid_id", "number"))
    units = set(
        Unit.objects.filter(building__grid_id__in=grids).values_list(
            "building__grid_id", "building__number", "number"
        )
    )
    out = set()
    for grid, building, unit in wanted:
        if (grid.pk, building) not in buildings:
            out.add(f"{grid.name} {building}")
        if unit and (grid.pk, building, unit) not in units:
            out.add(f"{grid.name} {building} {unit}")
    return sorted(out)


def _plan_households(
    community: OrgUnit, parsed: list[ParsedRow], grids: dict[str, OrgUnit]
) -> dict[str, HouseholdPlan]:
    """The first valid row of each 户号 describes the household; later rows must agree with it."""
    plans: dict[str, HouseholdPlan] = {}
    for row in parsed:
        if not row.ok:
            continue
        part = row.household
        plan = plans.get(part.number)
        if plan is None:
            plans[part.number] = HouseholdPlan(
                number=part.number,
                grid=grids[part.grid],
                building=part.building,
                unit=part.unit,
                values=part.values,
                first_row=row.row_number,
            )
            continue
        for key, mine, theirs in (
            ("grid", grids[part.grid].pk, plan.grid.pk),
            ("building", part.building, plan.building),
            ("unit", part.unit, plan.unit),
            ("room", part.values["room"], plan.values["room"]),
        ):
            if mine and mine != theirs:
                row.add_error(
                    key, f"与同一户号（第{plan.first_row}行）填写的不一致，同一户的成员应在同一住址"
                )
    if not plans:
        return plans
    wanted = [
        "id",
        "number",
        "grid_id",
        "building_id",
        "unit_id",
        "building__number",
        "unit__number",
        "closed_on",
        *HOUSEHOLD_FIELDS,
    ]
    numbers = list(plans)
    for start in range(0, len(numbers), CHUNK):
        existing = Household.objects.filter(
            community=community, number__any_of=numbers[start : start + CHUNK]
        )
        for old in existing.values(*wanted):
            plan = plans[old["number"]]
            plan.existing_id = old["id"]
            plan.existing_place = (old["building_id"], old["unit_id"])
            old["grid"] = old["grid_id"]
            old["building"] = old["building__number"] or ""
            old["unit"] = old["unit__number"] or ""
            new = {**plan.values, "grid": plan.grid.pk, "building": plan.building, "unit": plan.unit}
            plan.changes = history.diff_values(old, new)
            if old["closed_on"]:
                plan.changes["closed_on"] = [history.as_text(old["closed_on"]), ""]
    return plans


RESIDENT_ATTNAMES = tuple("ethnicity_id" if f == "ethnicity" else f for f in RESIDENT_FIELDS)
_EXISTING_RESIDENT = (
    "id",
    "id_number",
    "status",
    "status_date",
    "household_id",
    "household__number",
    "household__community_id",
    "floating_registration__id",
    *RESIDENT_ATTNAMES,
    *(f"floating_registration__{f}" for f in FLOATING_FIELDS),
)


def _existing_residents(id_numbers: list[str]) -> dict[str, dict[str, Any]]:
    """What the ledger already holds for these ID numbers, as plain values (one query a chunk)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(id_numbers), CHUNK):
        chunk = id_numbers[start : start + CHUNK]
        for values in Resident.objects.filter(id_number__any_of=chunk).order_by().values(*_EXISTING_RESIDENT):
            values["ethnicity"] = values["ethnicity_id"]
            found[values["id_number"]] = values
    return found


def _plan_resident(
    row: ParsedRow, household: HouseholdPlan, existing: dict[str, dict], community: OrgUnit, user
) -> ResidentPlan | None:
    old = existing.get(row.resident["id_number"])
    if old is None:
        return ResidentPlan(row, household, None, {}, {})
    if old["household__community_id"] != community.pk:
        # Rare, so the household's whereabouts are read only here, not for every row.
        where = Household.objects.select_related("community", "grid").get(pk=old["household_id"])
        if user is None or unit_in_scope(user, where.grid):
            row.add_error(
                "id_number",
                f"该身份证号已登记在{where.community.name}{where.grid.name}户号{where.number}，不能在本社区重复登记",
            )
        else:
            row.add_error("id_number", "该身份证号已在系统中登记（不在您的管辖范围内），不能重复登记")
        return None
    if old["status"] != LedgerStatus.ACTIVE:
        row.add_error(
            "id_number",
            f"该居民已于{old['status_date']:%Y-%m-%d}{LedgerStatus(old['status']).label}，"
            "如已迁回请在居民页面办理，不能通过导入恢复",
        )
        return None
    changes = history.diff_values(old, {k: row.resident[k] for k in RESIDENT_FIELDS})
    if old["household__number"] != household.number:
        changes["household"] = [old["household__number"], household.number]
    floating_id = old["floating_registration__id"]
    floating_changes: dict[str, list[str]] = {}
    if row.floating is not None:
        if floating_id:
            before = {f: old[f"floating_registration__{f}"] for f in FLOATING_FIELDS}
            floating_changes = history.diff_values(before, row.floating)
        else:
            floating_changes = history.creation(row.floating)
    return ResidentPlan(row, household, old, changes, floating_changes, floating_id=floating_id)


# --- writing ---------------------------------------------------------------------------


@dataclass
class WriteResult:
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0


HOUSEHOLD_COLUMNS = ("community_id", "grid_id", "building_id", "unit_id", "number", *HOUSEHOLD_FIELDS)
HOUSEHOLD_UPDATE = ("grid_id", "building_id", "unit_id", "closed_on", "updated_at", *HOUSEHOLD_FIELDS)
RESIDENT_COLUMNS = ("household_id", "id_number", *RESIDENT_ATTNAMES)
RESIDENT_UPDATE = ("household_id", "updated_at", *RESIDENT_ATTNAMES)
FLOATING_COLUMNS = ("resident_id", *FLOATING_FIELDS)
CHANGE_COLUMNS = ("household_id", "resident_id", "action", "changes")


@transaction.atomic
def write_plan(plan: ImportPlan, *, user=None, ledger_import=None, skip_errors: bool = False) -> WriteResult:
    """Write every valid row of ``plan``. Refuses a plan with errors unless ``skip_errors``."""
    if plan.has_errors and not skip_errors:
        raise ValueError("plan has errors")
    now = timezone.now()
    result = WriteResult()
    valid_numbers = {p.household.number for p in plan.residents}
    households = [h for n, h in plan.households.items() if n in valid_numbers]

    buildings, units = _ensure_buildings_and_units(households)
    new_rows, new_plans, changed_rows = [], [], []
    for h in households:
        building_id = buildings.get((h.grid.pk, h.building)) if h.building else None
        unit_id = units.get((building_id, h.unit)) if building_id and h.unit else None
        values = [h.values[f] for f in HOUSEHOLD_FIELDS]
        if h.existing_id is None:
            new_rows.append((plan.community.pk, h.grid.pk, building_id, unit_id, h.number, *values))
            new_plans.append(h)
        else:
            h.pk = h.existing_id
            if h.changes:
                # The plan compared buildings and units by number; history keeps ids, as
                # the pages' own edits do.
                for key, old_id, new_id in zip(
                    ("building", "unit"), h.existing_place, (building_id, unit_id), strict=True
                ):
                    if key in h.changes:
                        h.changes[key] = [history.as_text(old_id), history.as_text(new_id)]
                changed_rows.append((h.pk, h.grid.pk, building_id, unit_id, None, now, *values))
    for h, pk in zip(new_plans, insert_rows(Household, HOUSEHOLD_COLUMNS, new_rows), strict=True):
        h.pk = pk
    update_rows(Household, HOUSEHOLD_UPDATE, changed_rows)
    result.households_created, result.households_updated = len(new_rows), len(changed_rows)

    new_rows, new_plans, changed_rows = [], [], []
    for p in plan.residents:
        values = [p.row.resident[f] for f in RESIDENT_FIELDS]
        if p.existing is None:
            new_rows.append((p.household.pk, p.row.resident["id_number"], *values))
            new_plans.append(p)
        else:
            p.pk = p.existing["id"]
            if p.changes:
                changed_rows.append((p.pk, p.household.pk, now, *values))
    for p, pk in zip(new_plans, insert_rows(Resident, RESIDENT_COLUMNS, new_rows), strict=True):
        p.pk = pk
    update_rows(Resident, RESIDENT_UPDATE, changed_rows)
    result.residents_created, result.residents_updated = len(new_rows), len(changed_rows)

    new_rows, changed_rows = [], []
    for p in plan.residents:
        if p.row.floating is None:
            continue
        values = [p.row.floating[f] for f in FLOATING_FIELDS]
        if p.floating_id is None:
            new_rows.append((p.pk, *values))
        elif p.floating_changes:
            changed_rows.append((p.floating_id, *values))
    insert_rows(FloatingRegistration, FLOATING_COLUMNS, new_rows)
    update_rows(FloatingRegistration, FLOATING_FIELDS, changed_rows)

    insert_rows(
        LedgerChange,
        CHANGE_COLUMNS,
        _change_rows(plan, households),
        constants={
            "user_id": user.pk if user else None,
            "ledger_import_id": ledger_import.pk if ledger_import else None,
            "at": now,
        },
    )
    return result


def _ensure_buildings_and_units(households: list[HouseholdPlan]) -> tuple[dict, dict]:
    """Building and unit ids for what the file names, created under their grid when missing."""
    grid_ids = {h.grid.pk for h in households}
    buildings = {
        (g, n): pk
        for pk, g, n in Building.objects.filter(grid_id__in=grid_ids).values_list("id", "grid_id", "number")
    }
    missing = sorted({(h.grid.pk, h.building) for h in households if h.building} - buildings.keys())
    buildings.update(zip(missing, insert_rows(Building, ("grid_id", "number"), missing), strict=True))
    units = {
        (b, n): pk
        for pk, b, n in Unit.objects.filter(building_id__in=buildings.values()).values_list(
            "id", "building_id", "number"
        )
    }
    wanted = {(buildings[(h.grid.pk, h.building)], h.unit) for h in households if h.building and h.unit}
    missing_units = sorted(wanted - units.keys())
    units.update(zip(missing_units, insert_rows(Unit, ("building_id", "number"), missing_units), strict=True))
    return buildings, units


def _change_rows(plan: ImportPlan, households: list[HouseholdPlan]) -> list[tuple]:
    """One history record for each household and resident the import created or changed.

    A change records its fields, old → new. A record the import created records no field
    copy: it points at the import, whose file is kept with its SHA-256 and holds every
    initial value. Copying them into 135,000 JSON documents would double an import's time.
    """
    rows = []
    for h in households:
        if h.existing_id is None:
            changes = {}
        elif h.changes:
            changes = h.changes
        else:
            continue
        action = ChangeAction.IMPORT_CREATE if h.existing_id is None else ChangeAction.IMPORT
        rows.append((h.pk, None, action.value, changes))
    for p in plan.residents:
        if p.existing is None:
            changes = {}
        elif p.changes or p.floating_changes:
            changes = {**p.changes, **{f"{FLOATING_PREFIX}{k}": v for k, v in p.floating_changes.items()}}
            if "household" in changes:  # moved between households: ids, as a page move records
                changes["household"] = [str(p.existing["household_id"]), str(p.household.pk)]
        else:
            continue
        action = ChangeAction.IMPORT_CREATE if p.existing is None else ChangeAction.IMPORT
        rows.append((p.household.pk, p.pk, action.value, changes))
    return rows
