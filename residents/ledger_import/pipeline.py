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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from grid.models import Building, OrgUnit, Unit
from grid.scope import unit_in_scope
from residents import history, idnumber
from residents.bulk import bulk_insert
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
CHUNK = 5000
PROGRESS_EVERY = 2000


def ethnicity_lookup() -> dict[str, int]:
    """Every way a ledger writes a 民族 — name, alias, code — to its id."""
    lookup: dict[str, int] = {}
    for eth in Ethnicity.objects.all():
        for key in (eth.name, eth.code, str(int(eth.code)), *eth.aliases):
            lookup.setdefault(key, eth.pk)
    return lookup


@dataclass
class RowPlan:
    row_number: int
    outcome: str
    summary: str
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class HouseholdPlan:
    number: str
    grid: OrgUnit
    building: str
    unit: str
    values: dict[str, Any]
    first_row: int
    existing: Household | None = None
    changes: dict[str, list[str]] = field(default_factory=dict)
    obj: Household | None = None


@dataclass
class ResidentPlan:
    row: ParsedRow
    household: HouseholdPlan
    existing: Resident | None
    changes: dict[str, list[str]]
    floating_changes: dict[str, list[str]]
    obj: Resident | None = None


@dataclass
class ImportPlan:
    community: OrgUnit
    total_rows: int
    rows: list[RowPlan]
    households: dict[str, HouseholdPlan]
    residents: list[ResidentPlan]

    @property
    def counts(self) -> Counter:
        return Counter(r.outcome for r in self.rows)

    @property
    def has_errors(self) -> bool:
        return any(r.outcome == RowOutcome.ERROR for r in self.rows)


def _summary(row: ParsedRow) -> str:
    name = row.resident.get("name") or "（无姓名）"
    number = row.resident.get("id_number")
    household = row.household.number if row.household else ""
    return f"{name} {idnumber.mask(number) if number else ''} 户号{household}".strip()


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
            rows.append(RowPlan(row.row_number, RowOutcome.ERROR, _summary(row), row.errors))
            continue
        plans.append(plan)
        household_changed = plan.household.first_row == row.row_number and (
            plan.household.existing is None or plan.household.changes
        )
        if plan.existing is None:
            outcome = RowOutcome.NEW
        elif plan.changes or plan.floating_changes or household_changed:
            outcome = RowOutcome.UPDATED
        else:
            outcome = RowOutcome.UNCHANGED
        rows.append(RowPlan(row.row_number, outcome, _summary(row)))
        if progress and done % PROGRESS_EVERY == 0:
            progress(total // 2 + done // 2, total)
    if progress:
        progress(total, total)
    return ImportPlan(community, total, rows, households, plans)


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
    existing: dict[str, Household] = {}
    numbers = list(plans)
    for start in range(0, len(numbers), CHUNK):
        for household in Household.objects.filter(
            community=community, number__in=numbers[start : start + CHUNK]
        ).select_related("building", "unit"):
            existing[household.number] = household
    for number, plan in plans.items():
        household = existing.get(number)
        if household is None:
            continue
        plan.existing = household
        values = dict(plan.values)
        values["grid"] = plan.grid
        changes = history.diff(household, values)
        for key, wanted, current in (
            ("building", plan.building, household.building.number if household.building_id else ""),
            ("unit", plan.unit, household.unit.number if household.unit_id else ""),
        ):
            if wanted != current:
                changes[key] = [current, wanted]
        if household.closed_on:
            changes["closed_on"] = [history.as_text(household.closed_on), ""]
        plan.changes = changes
    return plans


def _existing_residents(id_numbers: list[str]) -> dict[str, Resident]:
    found: dict[str, Resident] = {}
    for start in range(0, len(id_numbers), CHUNK):
        chunk = id_numbers[start : start + CHUNK]
        for resident in Resident.objects.filter(id_number__in=chunk).select_related(
            "household__grid", "household__community", "floating_registration"
        ):
            found[resident.id_number] = resident
    return found


def _plan_resident(
    row: ParsedRow, household: HouseholdPlan, existing: dict[str, Resident], community: OrgUnit, user
) -> ResidentPlan | None:
    resident = existing.get(row.resident["id_number"])
    if resident is None:
        return ResidentPlan(row, household, None, {}, {})
    where = resident.household
    if where.community_id != community.pk:
        if user is None or unit_in_scope(user, where.grid):
            row.add_error(
                "id_number",
                f"该身份证号已登记在{where.community.name}{where.grid.name}户号{where.number}（{resident.name}），"
                "不能在本社区重复登记",
            )
        else:
            row.add_error("id_number", "该身份证号已在系统中登记（不在您的管辖范围内），不能重复登记")
        return None
    if resident.status != LedgerStatus.ACTIVE:
        row.add_error(
            "id_number",
            f"{resident.name}已于{resident.status_date:%Y-%m-%d}{resident.get_status_display()}，"
            "如已迁回请在居民页面办理，不能通过导入恢复",
        )
        return None
    values = {k: row.resident[k] for k in RESIDENT_FIELDS}
    changes = history.diff(resident, values)
    if where.number != household.number:
        changes["household"] = [where.number, household.number]
    floating_changes: dict[str, list[str]] = {}
    if row.floating is not None:
        registration = getattr(resident, "floating_registration", None)
        floating_changes = (
            history.diff(registration, row.floating)
            if registration
            else {k: ["", history.as_text(v)] for k, v in row.floating.items() if v}
        )
    return ResidentPlan(row, household, resident, changes, floating_changes)


# --- writing ---------------------------------------------------------------------------


@dataclass
class WriteResult:
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0


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
    new_households, changed_households = [], []
    for h in households:
        building = buildings.get((h.grid.pk, h.building)) if h.building else None
        unit = units.get((building.pk, h.unit)) if building and h.unit else None
        if h.existing is None:
            h.obj = Household(
                community=plan.community,
                grid=h.grid,
                building=building,
                unit=unit,
                number=h.number,
                **h.values,
            )
            new_households.append(h.obj)
        else:
            h.obj = h.existing
            if h.changes:
                for key, value in h.values.items():
                    setattr(h.obj, key, value)
                h.obj.grid, h.obj.building, h.obj.unit, h.obj.closed_on = h.grid, building, unit, None
                h.obj.updated_at = now
                changed_households.append(h.obj)
    bulk_insert(new_households)
    if changed_households:
        Household.objects.bulk_update(
            changed_households,
            ["grid", "building", "unit", "closed_on", "updated_at", *HOUSEHOLD_FIELDS],
            batch_size=1000,
        )
    result.households_created, result.households_updated = len(new_households), len(changed_households)

    new_residents, changed_residents, new_regs, changed_regs = [], [], [], []
    for p in plan.residents:
        values = {k: p.row.resident[k] for k in RESIDENT_FIELDS}
        values["ethnicity_id"] = values.pop("ethnicity")
        if p.existing is None:
            obj = Resident(household=p.household.obj, id_number=p.row.resident["id_number"], **values)
            new_residents.append(obj)
        else:
            obj = p.existing
            if p.changes:
                for key, value in values.items():
                    setattr(obj, key, value)
                obj.household = p.household.obj
                obj.updated_at = now
                changed_residents.append(obj)
        p.obj = obj
    bulk_insert(new_residents)
    if changed_residents:
        Resident.objects.bulk_update(
            changed_residents,
            ["household", "updated_at", "ethnicity", *[f for f in RESIDENT_FIELDS if f != "ethnicity"]],
            batch_size=1000,
        )
    for p in plan.residents:
        if p.row.floating is None:
            continue
        registration = getattr(p.existing, "floating_registration", None) if p.existing else None
        if registration is None:
            new_regs.append(FloatingRegistration(resident=p.obj, **p.row.floating))
        elif p.floating_changes:
            for key, value in p.row.floating.items():
                setattr(registration, key, value)
            changed_regs.append(registration)
    bulk_insert(new_regs)
    if changed_regs:
        FloatingRegistration.objects.bulk_update(changed_regs, list(FLOATING_FIELDS), batch_size=1000)
    result.residents_created, result.residents_updated = len(new_residents), len(changed_residents)

    bulk_insert(_change_records(plan, households, user=user, ledger_import=ledger_import, at=now))
    return result


def _ensure_buildings_and_units(households: list[HouseholdPlan]) -> tuple[dict, dict]:
    """Buildings and units named in the file, created under their grid when missing."""
    grid_ids = {h.grid.pk for h in households}
    buildings = {(b.grid_id, b.number): b for b in Building.objects.filter(grid_id__in=grid_ids)}
    missing = {(h.grid.pk, h.building) for h in households if h.building} - buildings.keys()
    created = [Building(grid_id=g, number=n) for g, n in sorted(missing)]
    bulk_insert(created)
    buildings.update({(b.grid_id, b.number): b for b in created})
    building_ids = [b.pk for b in buildings.values()]
    units = {(u.building_id, u.number): u for u in Unit.objects.filter(building_id__in=building_ids)}
    wanted = {(buildings[(h.grid.pk, h.building)].pk, h.unit) for h in households if h.building and h.unit}
    created_units = [Unit(building_id=b, number=n) for b, n in sorted(wanted - units.keys())]
    bulk_insert(created_units)
    units.update({(u.building_id, u.number): u for u in created_units})
    return buildings, units


def _change_records(
    plan: ImportPlan, households: list[HouseholdPlan], *, user, ledger_import, at
) -> list[LedgerChange]:
    common = {"user": user, "ledger_import": ledger_import, "at": at}
    records = []
    for h in households:
        if h.existing is None:
            changes = history.snapshot(
                h.obj, ["number", "grid", "room", "address", "kind", "phone", *h.values]
            )
            records.append(
                LedgerChange(household=h.obj, action=ChangeAction.IMPORT, changes=changes, **common)
            )
        elif h.changes:
            records.append(
                LedgerChange(household=h.obj, action=ChangeAction.IMPORT, changes=h.changes, **common)
            )
    for p in plan.residents:
        if p.existing is None:
            changes = history.snapshot(p.obj, ["name", "id_number", *RESIDENT_FIELDS])
        elif p.changes or p.floating_changes:
            changes = {**p.changes, **{f"floating.{k}": v for k, v in p.floating_changes.items()}}
        else:
            continue
        records.append(
            LedgerChange(
                resident=p.obj,
                household=p.household.obj,
                action=ChangeAction.IMPORT,
                changes=changes,
                **common,
            )
        )
    return records
