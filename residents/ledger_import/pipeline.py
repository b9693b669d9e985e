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
from .rows import FLOATING_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS, LedgerRows, RowReader

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


@dataclass(slots=True)
class HouseholdPlan:
    number: str
    grid: OrgUnit
    building: str
    unit: str
    values: tuple  # HOUSEHOLD_FIELDS
    first_row: int
    existing_id: int | None = None
    existing_place: tuple[int | None, int | None] = (None, None)  # building, unit ids
    changes: dict[str, list[str]] = field(default_factory=dict)
    pk: int | None = None


@dataclass(slots=True)
class ExistingResident:
    """A row that matched a resident already on the ledger, and what it changes."""

    pk: int
    household_id: int
    floating_id: int | None
    changes: dict[str, list[str]]
    floating_changes: dict[str, list[str]]


@dataclass(slots=True)
class RowReport:
    """One row's outcome as the preview lists it."""

    row_number: int
    outcome: str
    summary: str
    changed: tuple[str, ...]
    errors: list[tuple[str, str]]


@dataclass(eq=False)
class ImportPlan:
    community: OrgUnit
    rows: LedgerRows
    households: dict[str, HouseholdPlan]
    outcomes: list[str]  # per row: RowOutcome
    valid: list[int]  # indices of the rows a commit writes, in file order
    existing: dict[int, ExistingResident]  # index → the resident it updates
    changed: dict[int, tuple[str, ...]]  # index → labels of the fields an update changes
    new_places: list[str] = field(default_factory=list)  # buildings and units a commit creates

    @property
    def total_rows(self) -> int:
        return len(self.rows)

    @property
    def counts(self) -> Counter:
        return Counter(self.outcomes)

    @property
    def has_errors(self) -> bool:
        return bool(self.rows.errors)

    def reports(self) -> Iterator[RowReport]:
        """Every row's outcome, with who it is (masked) for the preview."""
        rows = self.rows
        for i, outcome in enumerate(self.outcomes):
            name = rows.name(i) or "（无姓名）"
            number = rows.id_numbers[i]
            summary = f"{name} {idnumber.mask(number) if number else ''} 户号{rows.household_numbers[i]}"
            yield RowReport(
                rows.row_numbers[i],
                outcome,
                summary.strip(),
                self.changed.get(i, ()),
                rows.errors.get(i, []),
            )


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

    def report(fraction: float) -> None:
        if progress:
            progress(int(total * fraction), total)

    reader = RowReader(table.columns, ethnicity_lookup(), today)
    rows = reader.read(table.rows, progress=lambda f: report(0.7 * f))
    grids = {}
    for grid in OrgUnit.objects.subtree_of(community).grids():
        grids[grid.name] = grid
        grids[grid.code] = grid
    unknown = set(rows.grids) - grids.keys() - {""}
    if unknown:
        for i, name in enumerate(rows.grids):
            if name in unknown:
                rows.add_error(i, "grid", f"本社区（{community.name}）没有名为“{name}”的网格")

    households = _plan_households(community, rows, grids)
    report(0.8)
    candidates = rows.valid_indices()
    existing_rows = _existing_residents([rows.id_numbers[i] for i in candidates])
    report(0.9)
    existing: dict[int, ExistingResident] = {}
    changed: dict[int, tuple[str, ...]] = {}
    numbers, row_numbers = rows.household_numbers, rows.row_numbers
    for i in candidates:
        old = existing_rows.get(rows.id_numbers[i])
        household = households[numbers[i]]
        household_changed = household.first_row == row_numbers[i] and (
            household.existing_id is None or household.changes
        )
        if old is None:
            continue
        match = _plan_resident(rows, i, household, old, community, user)
        if match is None:
            continue
        existing[i] = match
        if match.changes or match.floating_changes or household_changed:
            names = [*match.changes, *(f"floating.{k}" for k in match.floating_changes)]
            if household_changed:
                names += [f"household.{k}" for k in household.changes]
            changed[i] = tuple(_label(name) for name in names)

    errors = rows.errors
    outcomes = []
    for i in range(total):
        if i in errors:
            outcomes.append(RowOutcome.ERROR)
        elif i not in existing:
            outcomes.append(RowOutcome.NEW)
        elif i in changed:
            outcomes.append(RowOutcome.UPDATED)
        else:
            outcomes.append(RowOutcome.UNCHANGED)
    valid = [i for i in candidates if i not in errors]
    report(1.0)
    return ImportPlan(
        community, rows, households, outcomes, valid, existing, changed, _new_places(households, rows, valid)
    )


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


def _new_places(households: dict[str, HouseholdPlan], rows: LedgerRows, valid: list[int]) -> list[str]:
    """The buildings and units the file names that don't exist yet, as "一网格 11号楼 2单元":
    a mistyped 楼栋 shows here before it becomes a building."""
    used = {rows.household_numbers[i] for i in valid}
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


_ROOM = HOUSEHOLD_FIELDS.index("room")


def _plan_households(
    community: OrgUnit, rows: LedgerRows, grids: dict[str, OrgUnit]
) -> dict[str, HouseholdPlan]:
    """The first valid row of each 户号 describes the household; later rows must agree with it."""
    plans: dict[str, HouseholdPlan] = {}
    numbers, grid_names, buildings, units = rows.household_numbers, rows.grids, rows.buildings, rows.units
    values = rows.households
    for i in rows.valid_indices():
        number = numbers[i]
        plan = plans.get(number)
        if plan is None:
            plans[number] = HouseholdPlan(
                number, grids[grid_names[i]], buildings[i], units[i], values[i], rows.row_numbers[i]
            )
            continue
        grid = grids[grid_names[i]]
        room = values[i][_ROOM]
        if (grid, buildings[i], units[i], room) == (plan.grid, plan.building, plan.unit, plan.values[_ROOM]):
            continue
        for key, mine, theirs in (
            ("grid", grid.pk, plan.grid.pk),
            ("building", buildings[i], plan.building),
            ("unit", units[i], plan.unit),
            ("room", room, plan.values[_ROOM]),
        ):
            if mine and mine != theirs:
                rows.add_error(
                    i, key, f"与同一户号（第{plan.first_row}行）填写的不一致，同一户的成员应在同一住址"
                )
    if not plans:
        return plans
    wanted = (
        "id",
        "number",
        "grid_id",
        "building_id",
        "unit_id",
        "building__number",
        "unit__number",
        "closed_on",
        *HOUSEHOLD_FIELDS,
    )
    numbers_wanted = list(plans)
    for start in range(0, len(numbers_wanted), CHUNK):
        existing = Household.objects.filter(
            community=community, number__any_of=numbers_wanted[start : start + CHUNK]
        )
        for (
            pk,
            number,
            grid_id,
            building_id,
            unit_id,
            building,
            unit,
            closed_on,
            *old,
        ) in existing.values_list(*wanted):
            plan = plans[number]
            plan.existing_id = pk
            plan.existing_place = (building_id, unit_id)
            before = (grid_id, building or "", unit or "", *old)
            after = (plan.grid.pk, plan.building, plan.unit, *plan.values)
            if before != after:
                plan.changes = history.diff_values(
                    dict(zip(_HOUSEHOLD_COMPARED, before, strict=True)),
                    dict(zip(_HOUSEHOLD_COMPARED, after, strict=True)),
                )
            if closed_on:
                plan.changes["closed_on"] = [history.as_text(closed_on), ""]
    return plans


_HOUSEHOLD_COMPARED = ("grid", "building", "unit", *HOUSEHOLD_FIELDS)
RESIDENT_ATTNAMES = tuple("ethnicity_id" if f == "ethnicity" else f for f in RESIDENT_FIELDS)
_EXISTING_RESIDENT = (
    "id_number",
    "id",
    "status",
    "status_date",
    "household_id",
    "household__number",
    "household__community_id",
    "floating_registration__id",
    *RESIDENT_ATTNAMES,
    *(f"floating_registration__{f}" for f in FLOATING_FIELDS),
)
_VALUES = slice(8, 8 + len(RESIDENT_ATTNAMES))
_FLOATING_VALUES = slice(8 + len(RESIDENT_ATTNAMES), None)


def _existing_residents(id_numbers: list[str]) -> dict[str, tuple]:
    """What the ledger already holds for these ID numbers, as ``_EXISTING_RESIDENT`` tuples."""
    found: dict[str, tuple] = {}
    for start in range(0, len(id_numbers), CHUNK):
        chunk = id_numbers[start : start + CHUNK]
        for values in (
            Resident.objects.filter(id_number__any_of=chunk).order_by().values_list(*_EXISTING_RESIDENT)
        ):
            found[values[0]] = values
    return found


def _plan_resident(
    rows: LedgerRows, i: int, household: HouseholdPlan, old: tuple, community: OrgUnit, user
) -> ExistingResident | None:
    _, pk, status, status_date, household_id, household_number, community_id, floating_id = old[:8]
    if community_id != community.pk:
        # Rare, so the household's whereabouts are read only here, not for every row.
        where = Household.objects.select_related("community", "grid").get(pk=household_id)
        if status == LedgerStatus.MOVED_OUT:
            message = (
                "该居民已在其他社区登记为迁出，导入不会转移他人的台账；"
                "请在户页面“添加成员”中登记，按提示将原台账迁入本户"
            )
        elif user is None or unit_in_scope(user, where.grid):
            message = f"该身份证号已登记在{where.community.name}{where.grid.name}户号{where.number}，不能在本社区重复登记"
        else:
            message = "该身份证号已在系统中登记（不在您的管辖范围内），不能重复登记"
        rows.add_error(i, "id_number", message)
        return None
    if status != LedgerStatus.ACTIVE:
        rows.add_error(
            i,
            "id_number",
            f"该居民已于{status_date:%Y-%m-%d}{LedgerStatus(status).label}，不能通过导入恢复"
            + ("；如已迁回，请在其居民页面点“办理迁回”" if status == LedgerStatus.MOVED_OUT else ""),
        )
        return None
    new = rows.residents[i]
    before = old[_VALUES]
    changes = {}
    if before != new:
        changes = history.diff_values(
            dict(zip(RESIDENT_FIELDS, before, strict=True)), dict(zip(RESIDENT_FIELDS, new, strict=True))
        )
    if household_number != household.number:
        changes["household"] = [household_number, household.number]
    floating = rows.floating[i]
    floating_changes: dict[str, list[str]] = {}
    if floating is not None:
        if floating_id:
            before = old[_FLOATING_VALUES]
            if before != floating:
                floating_changes = history.diff_values(
                    dict(zip(FLOATING_FIELDS, before, strict=True)),
                    dict(zip(FLOATING_FIELDS, floating, strict=True)),
                )
        else:
            floating_changes = history.creation(dict(zip(FLOATING_FIELDS, floating, strict=True)))
    return ExistingResident(pk, household_id, floating_id, changes, floating_changes)


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
    rows, valid, existing = plan.rows, plan.valid, plan.existing
    numbers = rows.household_numbers
    used = {numbers[i] for i in valid}
    households = [h for n, h in plan.households.items() if n in used]

    buildings, units = _ensure_buildings_and_units(households)
    new_rows, new_plans, changed_rows = [], [], []
    community_id = plan.community.pk
    for h in households:
        building_id = buildings.get((h.grid.pk, h.building)) if h.building else None
        unit_id = units.get((building_id, h.unit)) if building_id and h.unit else None
        if h.existing_id is None:
            new_rows.append((community_id, h.grid.pk, building_id, unit_id, h.number, *h.values))
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
                changed_rows.append((h.pk, h.grid.pk, building_id, unit_id, None, now, *h.values))
    for h, pk in zip(new_plans, insert_rows(Household, HOUSEHOLD_COLUMNS, new_rows), strict=True):
        h.pk = pk
    update_rows(Household, HOUSEHOLD_UPDATE, changed_rows)
    result.households_created, result.households_updated = len(new_rows), len(changed_rows)

    household_pk = {n: h.pk for n, h in plan.households.items() if n in used}
    id_numbers, values = rows.id_numbers, rows.residents
    new_indices = [i for i in valid if i not in existing]
    new_ids = insert_rows(
        Resident,
        RESIDENT_COLUMNS,
        [(household_pk[numbers[i]], id_numbers[i], *values[i]) for i in new_indices],
    )
    resident_pk = dict(zip(new_indices, new_ids, strict=True))
    changed_rows = [
        (match.pk, household_pk[numbers[i]], now, *values[i])
        for i, match in existing.items()
        if match.changes
    ]
    update_rows(Resident, RESIDENT_UPDATE, changed_rows)
    for i, match in existing.items():
        resident_pk[i] = match.pk
    result.residents_created, result.residents_updated = len(new_ids), len(changed_rows)

    floating = rows.floating
    new_rows, changed_rows = [], []
    for i in valid:
        registration = floating[i]
        if registration is None:
            continue
        match = existing.get(i)
        if match is None or match.floating_id is None:
            new_rows.append((resident_pk[i], *registration))
        elif match.floating_changes:
            changed_rows.append((match.floating_id, *registration))
    insert_rows(FloatingRegistration, FLOATING_COLUMNS, new_rows)
    update_rows(FloatingRegistration, FLOATING_FIELDS, changed_rows)

    insert_rows(
        LedgerChange,
        CHANGE_COLUMNS,
        _change_rows(plan, households, household_pk, resident_pk),
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
    new_buildings = [(grid_id, number, Building.position_for(number)) for grid_id, number in missing]
    buildings.update(
        zip(missing, insert_rows(Building, ("grid_id", "number", "position"), new_buildings), strict=True)
    )
    units = {
        (b, n): pk
        for pk, b, n in Unit.objects.filter(building_id__in=buildings.values()).values_list(
            "id", "building_id", "number"
        )
    }
    wanted = {(buildings[(h.grid.pk, h.building)], h.unit) for h in households if h.building and h.unit}
    missing_units = sorted(wanted - units.keys())
    new_units = [(building_id, number, Unit.position_for(number)) for building_id, number in missing_units]
    units.update(
        zip(missing_units, insert_rows(Unit, ("building_id", "number", "position"), new_units), strict=True)
    )
    return buildings, units


def _change_rows(
    plan: ImportPlan,
    households: list[HouseholdPlan],
    household_pk: dict[str, int],
    resident_pk: dict[int, int],
) -> list[tuple]:
    """One history record for each household and resident the import created or changed.

    A change records its fields, old → new. A record the import created records no field
    copy: it points at the import, whose file is kept with its SHA-256 and holds every
    initial value. Copying them into 135,000 JSON documents would double an import's time.
    """
    created, changed = ChangeAction.IMPORT_CREATE.value, ChangeAction.IMPORT.value
    rows = [(h.pk, None, created, {}) for h in households if h.existing_id is None]
    rows += [(h.pk, None, changed, h.changes) for h in households if h.existing_id is not None and h.changes]
    numbers, existing = plan.rows.household_numbers, plan.existing
    for i in plan.valid:
        match = existing.get(i)
        if match is None:
            rows.append((household_pk[numbers[i]], resident_pk[i], created, {}))
        elif match.changes or match.floating_changes:
            changes = {
                **match.changes,
                **{f"{FLOATING_PREFIX}{k}": v for k, v in match.floating_changes.items()},
            }
            if "household" in changes:  # moved between households: ids, as a page move records
                changes["household"] = [str(match.household_id), str(household_pk[numbers[i]])]
            rows.append((household_pk[numbers[i]], match.pk, changed, changes))
    return rows
