"""Resolve a ledger file against the database, and preview it or write it.

``plan_import`` (the dry run) and ``import_rows`` (the commit) run the same planner: what
identifies each row (ID number, 户号, 网格, 楼栋, 单元) is read for the whole file first and
matched against the ledger with a handful of queries (never one per row); the other
columns are then read a range of rows at a time, and each row is classified as new,
updated, unchanged or error. A commit plans again inside its transaction, so what is
written is checked against the database as it is then, not as it was at the dry run.

A commit writes each range as soon as it is planned, through a writer that, on
PostgreSQL, works on the import's connection from a thread of its own: the database
stores and checks one range (its indexes, its foreign keys, checked at once rather than
at COMMIT) while Python reads the next. The rows are the same either way, in the same
transaction: a file with errors and no "skip errors" is rolled back whole.

Matching: residents on their ID number (unique in the whole system), households on their
户号 within the chosen community. So importing the same file twice changes nothing.

A household keeps at most one 户主: a row naming a second one, in the file or beside the
one the ledger holds, is an error (the 户主 is changed on the household's page).
"""

from __future__ import annotations

import datetime as dt
import gc
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core import history
from core.masking import mask_id_number
from core.models import Change
from grid.models import Building, OrgUnit, Unit
from residents.actions import FLOATING_PREFIX
from residents.bulk import insert_payload, insert_rows, reserve_ids, send_copy, update_rows
from residents.models import (
    ChangeAction,
    Ethnicity,
    FloatingRegistration,
    Household,
    LedgerImport,
    LedgerStatus,
    Relation,
    Resident,
    RowOutcome,
)

from .files import LedgerTable
from .messages import ELSEWHERE
from .rows import FLOATING_FIELDS, HOUSEHOLD_FIELDS, RESIDENT_FIELDS, LedgerRows, RowReader

Progress = Callable[[int, int], None]
CHUNK = 20000  # ID numbers or 户号 per lookup query
RANGE = 10000  # rows planned, then written, at a time
FIRST_RANGE = 2000


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
            summary = f"{name} {mask_id_number(number) if number else ''} 户号{rows.household_numbers[i]}"
            yield RowReport(
                rows.row_numbers[i], outcome, summary.strip(), self.changed.get(i, ()), rows.errors_of(i)
            )


class PlanHasErrors(Exception):
    """Raised by ``import_rows`` when a file has errors and they may not be skipped: what it
    wrote is to be rolled back, and ``plan`` says why."""

    def __init__(self, plan: ImportPlan):
        super().__init__("the ledger file has errors")
        self.plan = plan


def plan_import(
    *,
    community: OrgUnit,
    table: LedgerTable,
    user=None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """The dry run: what importing ``table`` into ``community`` would do. Writes nothing."""
    planner = _Planner(community, table, user, today or timezone.localdate(), progress)
    plan = planner.run(None)
    plan.new_places = _new_places(plan)
    return plan


def import_rows(
    *,
    community: OrgUnit,
    table: LedgerTable,
    user=None,
    ledger_import=None,
    skip_errors: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Plan and write ``table``, inside the caller's transaction. Raises ``PlanHasErrors``
    (the caller rolls back) when a row has an error and ``skip_errors`` is off."""
    planner = _Planner(community, table, user, today or timezone.localdate(), progress)
    writer = _Writer(
        user_id=user.pk if user else None,
        import_id=ledger_import.pk if ledger_import else None,
        community=community,
        skip_errors=skip_errors,
    )
    plan = planner.run(writer)
    if plan.has_errors and not skip_errors:
        raise PlanHasErrors(plan)
    return plan


# --- planning ---------------------------------------------------------------------------


@dataclass
class RangePlan:
    """What one range of rows writes."""

    new_households: list[HouseholdPlan] = field(default_factory=list)
    changed_households: list[HouseholdPlan] = field(default_factory=list)
    new_residents: list[int] = field(default_factory=list)  # row indices
    changed_residents: list[int] = field(default_factory=list)
    valid: list[int] = field(default_factory=list)


@dataclass
class RangeLookup:
    """What the ledger holds for one range of rows."""

    households: dict[str, tuple]  # 户号 → _EXISTING_HOUSEHOLD values
    residents: dict[str, tuple]  # ID number → _EXISTING_RESIDENT values
    elsewhere: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # ID number → why not, where
    heads: dict[int, str] = field(default_factory=dict)  # household id → its 户主's ID number
    household_ids: Iterator[int] = iter(())  # reserved for the range's new households
    resident_ids: Iterator[int] = iter(())


def _done(call: Callable[[], Any]) -> Future:
    future: Future = Future()
    future.set_result(call())
    return future


class _Planner:
    def __init__(
        self, community: OrgUnit, table: LedgerTable, user, today: dt.date, progress: Progress | None
    ):
        self.community = community
        self.table = table
        self.user = user
        self.today = today
        self.progress = progress
        self.households: dict[str, HouseholdPlan] = {}
        self.existing_households: dict[str, tuple] = {}
        self.existing_residents: dict[str, tuple] = {}
        self.elsewhere: dict[str, tuple[str, int | None]] = {}  # ID number → why not here, and where
        self.existing_heads: dict[int, str] = {}
        self.heads_in_file: dict[str, int] = {}  # 户号 → the row that names its 户主
        self.existing: dict[int, ExistingResident] = {}
        self.changed: dict[int, tuple[str, ...]] = {}
        self.valid: list[int] = []

    def report(self, done: int) -> None:
        if self.progress:
            self.progress(done, len(self.table.rows))

    def run(self, writer: _Writer | None) -> ImportPlan:
        community = self.community
        reader = RowReader(self.table.columns, ethnicity_lookup(), self.today)
        rows = self.rows = reader.start(self.table.rows)
        total = len(rows)
        self.grids = grids = {}
        for grid in OrgUnit.objects.subtree_of(community).grids():
            grids[grid.name] = grid
            grids[grid.code] = grid
        # A short first range gets the database writing while the rest is read.
        bounds = [0, *range(min(FIRST_RANGE, total), total, RANGE), total]
        ranges = list(pairwise(bounds))
        if writer is not None:
            writer.start({grid.pk for grid in grids.values()})
            writer.ensure_places(self._places_named(reader))
        try:
            # Each range is looked up in the ledger one step ahead of its planning: on
            # PostgreSQL the writer thread runs the lookups, in order with the writes.
            pending = self._identify(reader, *ranges[0], writer)
            for k, (start, stop) in enumerate(ranges):
                upcoming = self._identify(reader, *ranges[k + 1], writer) if k + 1 < len(ranges) else None
                found = pending.result()
                self.existing_households.update(found.households)
                self.existing_residents.update(found.residents)
                self.elsewhere.update(found.elsewhere)
                self.existing_heads.update(found.heads)
                reader.clean(rows, start, stop)
                planned = self.plan_range(start, stop)
                if writer is not None:
                    writer.write(self, planned, found)
                self.report(stop)
                pending = upcoming
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        if writer is not None:
            writer.finish()

        errors, existing, changed = rows.errors, self.existing, self.changed
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
        return ImportPlan(community, rows, self.households, outcomes, self.valid, existing, changed)

    def _places_named(self, reader: RowReader) -> set[tuple[int, str, str]]:
        """(grid id, 楼栋, 单元) of every row: made sure of before any household is written.
        (Those of rows that turn out to be errors are removed again when errors are skipped.)"""
        total, grids = len(self.rows), self.grids
        names = zip(
            reader.cells_cleaned("grid", 0, total),
            reader.cells_cleaned("building", 0, total),
            reader.cells_cleaned("unit", 0, total),
            strict=True,
        )
        return {(grids[g].pk, b, u) for g, b, u in names if b and g in grids}

    def _identify(self, reader: RowReader, start: int, stop: int, writer: _Writer | None) -> Future:
        """Read rows ``start:stop``'s identity, and look it up in the ledger (a future)."""
        rows = self.rows
        reader.identify(rows, start, stop)
        for i in range(start, stop):
            name = rows.grids[i]
            if name and name not in self.grids:
                rows.add_error(i, "grid", f"本社区（{self.community.name}）没有名为“{name}”的网格")
        look_up = partial(self._look_up, start, stop, writer)
        return writer.run(look_up) if writer is not None else _done(look_up)

    def _look_up(self, start: int, stop: int, writer: _Writer | None) -> RangeLookup:
        """What the ledger holds for rows ``start:stop``; when writing, also the buildings and
        units they name, and ids for the households and residents they may add."""
        rows, errors, community = self.rows, self.rows.errors, self.community
        candidates = [i for i in range(start, stop) if i not in errors]
        numbers = {rows.household_numbers[i] for i in candidates}
        id_numbers = [rows.id_numbers[i] for i in candidates]
        found = RangeLookup(_existing_households(community, list(numbers)), _existing_residents(id_numbers))
        found.heads = _existing_heads(community, list(found.households))
        for number, old in found.residents.items():
            if old[_COMMUNITY] != community.pk:
                found.elsewhere[number] = self._elsewhere(old)
        if writer is not None:
            found.household_ids = iter(writer.reserve(Household, len(numbers - found.households.keys())))
            found.resident_ids = iter(
                writer.reserve(Resident, sum(1 for n in id_numbers if n not in found.residents))
            )
        return found

    def _elsewhere(self, old: tuple) -> tuple[str, int | None]:
        """Why a person registered in another community can't be imported here, and the
        household they are in. The message kept names no place: whoever reads the import
        later (not only who ran it) is told where only if their scope covers it
        (``messages.shown_to``)."""
        if old[_STATUS] == LedgerStatus.MOVED_OUT:
            return (
                "该居民已在其他社区登记为迁出，导入不会转移他人的台账；"
                "请在户页面“添加成员”中登记，按提示将原台账迁入本户",
                None,
            )
        return ELSEWHERE, old[_HOUSEHOLD]

    def plan_range(self, start: int, stop: int) -> RangePlan:
        rows, households, planned = self.rows, self.households, RangePlan()
        errors = rows.errors
        numbers, id_numbers, row_numbers = rows.household_numbers, rows.id_numbers, rows.row_numbers
        for i in range(start, stop):
            if i in errors:
                continue
            old = self.existing_residents.get(id_numbers[i])
            if old is not None and not self._may_update(i, old):
                continue
            if rows.residents[i][_RELATION] == Relation.HEAD and not self._sole_head(i):
                continue
            household = households.get(numbers[i])
            if household is None:
                household = households[numbers[i]] = self._new_household(i, planned)
            elif not self._agrees(i, household):
                continue
            household_changed = household.first_row == row_numbers[i] and (
                household.existing_id is None or household.changes
            )
            planned.valid.append(i)
            if old is None:
                planned.new_residents.append(i)
                continue
            match = self.existing[i] = _match(rows, i, household, old)
            if match.changes or match.floating_changes:
                planned.changed_residents.append(i)
            if match.changes or match.floating_changes or household_changed:
                names = [*match.changes, *(f"floating.{k}" for k in match.floating_changes)]
                if household_changed:
                    names += [f"household.{k}" for k in household.changes]
                self.changed[i] = tuple(_label(name) for name in names)
        self.valid += planned.valid
        return planned

    def _new_household(self, i: int, planned: RangePlan) -> HouseholdPlan:
        """The first valid row of a 户号 describes its household."""
        rows = self.rows
        plan = HouseholdPlan(
            rows.household_numbers[i],
            self.grids[rows.grids[i]],
            rows.buildings[i],
            rows.units[i],
            rows.households[i],
            rows.row_numbers[i],
        )
        old = self.existing_households.get(plan.number)
        if old is None:
            planned.new_households.append(plan)
            return plan
        pk, grid_id, building_id, unit_id, building, unit, closed_on, *values = old
        plan.existing_id = plan.pk = pk
        plan.existing_place = (building_id, unit_id)
        before = (grid_id, building or "", unit or "", *values)
        after = (plan.grid.pk, plan.building, plan.unit, *plan.values)
        if before != after:
            plan.changes = history.diff_values(
                dict(zip(_HOUSEHOLD_COMPARED, before, strict=True)),
                dict(zip(_HOUSEHOLD_COMPARED, after, strict=True)),
            )
        if closed_on:
            plan.changes["closed_on"] = [history.as_text(closed_on), ""]
        if plan.changes:
            planned.changed_households.append(plan)
        return plan

    def _agrees(self, i: int, plan: HouseholdPlan) -> bool:
        """Later rows of a 户号 must give its first row's place."""
        rows = self.rows
        grid, building, unit = self.grids[rows.grids[i]], rows.buildings[i], rows.units[i]
        room = rows.households[i][_ROOM]
        if (grid, building, unit, room) == (plan.grid, plan.building, plan.unit, plan.values[_ROOM]):
            return True
        agrees = True
        for key, mine, theirs in (
            ("grid", grid.pk, plan.grid.pk),
            ("building", building, plan.building),
            ("unit", unit, plan.unit),
            ("room", room, plan.values[_ROOM]),
        ):
            if mine and mine != theirs:
                rows.add_error(
                    i, key, f"与同一户号（第{plan.first_row}行）填写的不一致，同一户的成员应在同一住址"
                )
                agrees = False
        return agrees

    def _sole_head(self, i: int) -> bool:
        """Row ``i`` names a 户主: the only one of its 户号 in the file, and the ledger's if it
        holds one."""
        rows = self.rows
        number = rows.household_numbers[i]
        first = self.heads_in_file.get(number)
        if first is not None:
            rows.add_error(i, "relation", f"同一户号已有户主（第{first}行），一户只能有一个户主")
            return False
        household = self.existing_households.get(number)
        present = self.existing_heads.get(household[0]) if household is not None else None
        if present is not None and present != rows.id_numbers[i]:
            rows.add_error(
                i,
                "relation",
                "该户在台账中已有户主，一户只能有一个户主；如需更换户主，请先在户页面点“更换户主”",
            )
            return False
        self.heads_in_file[number] = rows.row_numbers[i]
        return True

    def _may_update(self, i: int, old: tuple) -> bool:
        """A person already on the ledger may be updated only in this community and while on it."""
        rows = self.rows
        if old[_COMMUNITY] != self.community.pk:
            message, household = self.elsewhere[old[0]]
            rows.add_error(i, "id_number", message, household=household)
            return False
        status, status_date = old[_STATUS], old[_STATUS + 1]
        if status != LedgerStatus.ACTIVE:
            rows.add_error(
                i,
                "id_number",
                f"该居民已于{status_date:%Y-%m-%d}{LedgerStatus(status).label}，不能通过导入恢复"
                + ("；如已迁回，请在其居民页面点“办理迁回”" if status == LedgerStatus.MOVED_OUT else ""),
            )
            return False
        return True


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


def _new_places(plan: ImportPlan) -> list[str]:
    """The buildings and units the file names that don't exist yet, as "一网格 11号楼 2单元":
    a mistyped 楼栋 shows here before it becomes a building."""
    numbers = plan.rows.household_numbers
    used = {numbers[i] for i in plan.valid}
    wanted = {(h.grid, h.building, h.unit) for n, h in plan.households.items() if n in used and h.building}
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
_RELATION = RESIDENT_FIELDS.index("relation")
_HOUSEHOLD_COMPARED = ("grid", "building", "unit", *HOUSEHOLD_FIELDS)
_EXISTING_HOUSEHOLD = (
    "number",
    "id",
    "grid_id",
    "building_id",
    "unit_id",
    "building__number",
    "unit__number",
    "closed_on",
    *HOUSEHOLD_FIELDS,
)


def _existing_households(community: OrgUnit, numbers: list[str]) -> dict[str, tuple]:
    """The community's households with these 户号, as ``_EXISTING_HOUSEHOLD`` tuples without the number."""
    found: dict[str, tuple] = {}
    for start in range(0, len(numbers), CHUNK):
        existing = Household.objects.filter(
            community=community, number__any_of=numbers[start : start + CHUNK]
        )
        for number, *values in existing.order_by().values_list(*_EXISTING_HOUSEHOLD):
            found[number] = tuple(values)
    return found


def _existing_heads(community: OrgUnit, numbers: list[str]) -> dict[int, str]:
    """The 户主 on the ledger of the community's households with these 户号: household id → ID number."""
    found: dict[int, str] = {}
    for start in range(0, len(numbers), CHUNK):
        heads = Resident.objects.active().filter(
            relation=Relation.HEAD,
            household__community=community,
            household__number__any_of=numbers[start : start + CHUNK],
        )
        found.update(heads.order_by().values_list("household_id", "id_number"))
    return found


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
_STATUS = _EXISTING_RESIDENT.index("status")
_HOUSEHOLD = _EXISTING_RESIDENT.index("household_id")
_COMMUNITY = _EXISTING_RESIDENT.index("household__community_id")
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


def _match(rows: LedgerRows, i: int, household: HouseholdPlan, old: tuple) -> ExistingResident:
    """What row ``i`` changes on the resident it matched."""
    _, pk, _, _, household_id, household_number, _, floating_id = old[:8]
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


# --- writing ----------------------------------------------------------------------------


HOUSEHOLD_COLUMNS = ("community_id", "grid_id", "building_id", "unit_id", "number", *HOUSEHOLD_FIELDS)
HOUSEHOLD_UPDATE = ("grid_id", "building_id", "unit_id", "closed_on", "updated_at", *HOUSEHOLD_FIELDS)
RESIDENT_COLUMNS = ("household_id", "id_number", *RESIDENT_ATTNAMES)
RESIDENT_UPDATE = ("household_id", "updated_at", *RESIDENT_ATTNAMES)
FLOATING_COLUMNS = ("resident_id", *FLOATING_FIELDS)
CHANGE_COLUMNS = history.bulk_columns()


class _Writer:
    """Writes planned ranges, in order, on the connection of the import's transaction.

    On PostgreSQL the rows are encoded for ``COPY`` in the planner's thread (ids come from
    a block reserved up front) and sent by a thread of its own, which shares the connection
    (Django allows it explicitly) while the planner stays off the database until ``finish``.
    Foreign keys are checked as each range is written (SET CONSTRAINTS ALL IMMEDIATE)
    instead of all at COMMIT, so that work overlaps the planning too. Elsewhere (SQLite, the
    demo) each range is written as it comes.
    """

    def __init__(self, *, user_id: int | None, import_id: int | None, community: OrgUnit, skip_errors: bool):
        # The wrapper itself, not django.db.connection, which would find the writer thread's own.
        self.db = connections[DEFAULT_DB_ALIAS]
        self.threaded = self.db.vendor == "postgresql"
        self.constants = {"user_id": user_id}
        self.history_constants = {
            "user_id": user_id,
            "source_type_id": history.content_type_id(LedgerImport) if import_id else None,
            "source_id": import_id,
        }
        self.community = community
        self.skip_errors = skip_errors
        self.now = timezone.now()
        self.buildings: dict[tuple[int, str], int] = {}
        self.units: dict[tuple[int, str], int] = {}
        self.created_places: tuple[list[int], list[int]] = ([], [])
        self.error: BaseException | None = None
        self._reserved: dict[type, Iterator[int]] = {}
        self._jobs: queue.Queue = queue.Queue(maxsize=16)
        self._thread: threading.Thread | None = None

    def start(self, grid_ids: set[int]) -> None:
        """Before the first range: the buildings and units the grids have, and (PostgreSQL)
        the writer thread."""
        self.buildings = {
            (g, n): pk
            for pk, g, n in Building.objects.filter(grid_id__in=grid_ids).values_list(
                "id", "grid_id", "number"
            )
        }
        self.units = {
            (b, n): pk
            for pk, b, n in Unit.objects.filter(building__grid_id__in=grid_ids).values_list(
                "id", "building_id", "number"
            )
        }
        if not self.threaded:
            return
        with self.db.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.db.inc_thread_sharing()
        self._thread = threading.Thread(target=self._work, name="ledger-import-writer", daemon=True)
        self._thread.start()

    def run(self, call: Callable[[], Any]) -> Future:
        """``call`` on the import's connection, in order with the writes: its result, later."""
        if self._thread is None:
            return _done(call)
        future: Future = Future()
        self._jobs.put((call, future))
        return future

    def ensure_places(self, places: set[tuple[int, str, str]]) -> None:
        """The buildings and units named as (grid id, 楼栋, 单元), created under their grid
        when missing. All of them before any household is written: a building added between
        two ranges' households made checking the next households' references four times slower."""
        missing = sorted({(g, b) for g, b, _ in places} - self.buildings.keys())
        self.buildings.update(zip(missing, self._create(Building, "grid_id", missing), strict=True))
        wanted = {(self.buildings[(g, b)], u) for g, b, u in places if u}
        missing_units = sorted(wanted - self.units.keys())
        self.units.update(zip(missing_units, self._create(Unit, "building_id", missing_units), strict=True))

    def _create(
        self, model: type[Building | Unit], parent: str, numbered: list[tuple[int, str]]
    ) -> list[int]:
        """New buildings or units, as (parent id, number), in natural order by their number."""
        rows = [(parent_id, number, model.position_for(number)) for parent_id, number in numbered]
        created = insert_rows(model, (parent, "number", "position"), rows, db=self.db)
        self.created_places[1 if model is Unit else 0].extend(created)
        return created

    def reserve(self, model: type[Household | Resident], count: int) -> list[int]:
        """Ids for rows the planner's thread encodes before they are sent (PostgreSQL)."""
        return reserve_ids(model, count, db=self.db) if self.threaded else []

    def write(self, planner: _Planner, planned: RangePlan, found: RangeLookup) -> None:
        """Write one planned range, unless the import is going to be rolled back anyway."""
        if self.error is not None or (planner.rows.errors and not self.skip_errors):
            return
        self._reserved = {Household: found.household_ids, Resident: found.resident_ids}
        self._write(planner, planned)

    def finish(self) -> None:
        """Wait for every range to be written; raise what went wrong in the writer, if anything."""
        self._stop()
        if self.error is not None:
            raise self.error
        if self.skip_errors:
            _drop_unused_places(*self.created_places)

    def abandon(self) -> None:
        """The planner failed: stop writing (the transaction is rolled back by the caller)."""
        self.error = self.error or RuntimeError("import abandoned")
        self._stop()

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
            self.db.dec_thread_sharing()

    def _work(self) -> None:
        # The ORM in this thread (the lookups) must use the import's connection too.
        connections[DEFAULT_DB_ALIAS] = self.db
        while (job := self._jobs.get()) is not None:
            call, future = job
            if self.error is not None:  # drain: the transaction is failing, and finish() says why
                if future is not None:
                    future.set_exception(self.error)
                continue
            try:
                result = call()
            except BaseException as err:
                self.error = err
                if future is not None:
                    future.set_exception(err)
            else:
                if future is not None:
                    future.set_result(result)

    def _insert(self, model, columns, rows, constants=None) -> list[int]:
        if not rows:
            return []
        if self._thread is None:
            return insert_rows(model, columns, rows, constants, db=self.db)
        reserve = self._reserved.get(model)
        ids = None if reserve is None else [next(reserve) for _ in rows]
        payload = insert_payload(model, columns, rows, constants, ids=ids, db=self.db)
        self._jobs.put((partial(send_copy, self.db, payload), None))
        return ids or []

    def _update(self, model, columns, rows) -> None:
        if not rows:
            return
        if self._thread is None:
            update_rows(model, columns, rows, db=self.db)
        else:
            self._jobs.put((partial(update_rows, model, columns, rows, db=self.db), None))

    def _write(self, planner: _Planner, planned: RangePlan) -> None:
        rows, now = planner.rows, self.now
        community_id = self.community.pk
        new_rows = []
        for h in planned.new_households:
            building_id, unit_id = self._place(h)
            new_rows.append((community_id, h.grid.pk, building_id, unit_id, h.number, *h.values))
        for h, pk in zip(
            planned.new_households, self._insert(Household, HOUSEHOLD_COLUMNS, new_rows), strict=True
        ):
            h.pk = pk
        changed_rows = []
        for h in planned.changed_households:
            building_id, unit_id = self._place(h)
            # The plan compared buildings and units by number; history keeps ids, as the
            # pages' own edits do.
            for key, old_id, new_id in zip(
                ("building", "unit"), h.existing_place, (building_id, unit_id), strict=True
            ):
                if key in h.changes:
                    h.changes[key] = [history.as_text(old_id), history.as_text(new_id)]
            changed_rows.append((h.pk, h.grid.pk, building_id, unit_id, None, now, *h.values))
        self._update(Household, HOUSEHOLD_UPDATE, changed_rows)

        households, numbers = planner.households, rows.household_numbers
        id_numbers, values, existing = rows.id_numbers, rows.residents, planner.existing
        new_ids = self._insert(
            Resident,
            RESIDENT_COLUMNS,
            [(households[numbers[i]].pk, id_numbers[i], *values[i]) for i in planned.new_residents],
        )
        resident_pk = dict(zip(planned.new_residents, new_ids, strict=True))
        self._update(
            Resident,
            RESIDENT_UPDATE,
            [
                (existing[i].pk, households[numbers[i]].pk, now, *values[i])
                for i in planned.changed_residents
                if existing[i].changes
            ],
        )

        floating, new_rows, changed_rows = rows.floating, [], []
        for i in planned.valid:
            registration = floating[i]
            if registration is None:
                continue
            match = existing.get(i)
            if match is None or match.floating_id is None:
                new_rows.append((resident_pk[i] if match is None else match.pk, *registration))
            elif match.floating_changes:
                changed_rows.append((match.floating_id, *registration))
        self._insert(FloatingRegistration, FLOATING_COLUMNS, new_rows)
        self._update(FloatingRegistration, FLOATING_FIELDS, changed_rows)

        self._insert(
            Change,
            CHANGE_COLUMNS,
            _change_rows(planner, planned, resident_pk),
            constants={**self.history_constants, "at": now},
        )

    def _place(self, h: HouseholdPlan) -> tuple[int | None, int | None]:
        building_id = self.buildings.get((h.grid.pk, h.building)) if h.building else None
        unit_id = self.units.get((building_id, h.unit)) if building_id and h.unit else None
        return building_id, unit_id


def _drop_unused_places(buildings: list[int], units: list[int]) -> None:
    """Buildings and units made for rows that were then skipped as errors: as if never made."""
    if units:
        Unit.objects.filter(pk__in=units, households__isnull=True).delete()
    if buildings:
        Building.objects.filter(pk__in=buildings, households__isnull=True, units__isnull=True).delete()


def _change_rows(planner: _Planner, planned: RangePlan, resident_pk: dict[int, int]) -> list[tuple[Any, ...]]:
    """One history record for each household and resident the range created or changed.

    A change records its fields, old → new. A record the import created records no field
    copy: it points at the import, whose file is kept with its SHA-256 and holds every
    initial value. Copying them into 135,000 JSON documents would double an import's time.
    """
    created, changed = ChangeAction.IMPORT_CREATE.value, ChangeAction.IMPORT.value
    household_type, resident_type = history.content_type_id(Household), history.content_type_id(Resident)
    # (record type, record, parent type, parent, filed under the grid, action, changes)
    rows = [(household_type, h.pk, None, None, h.grid.pk, created, {}) for h in planned.new_households]
    rows += [
        (household_type, h.pk, None, None, h.grid.pk, changed, h.changes) for h in planned.changed_households
    ]
    households, numbers, existing = planner.households, planner.rows.household_numbers, planner.existing
    for i in planned.new_residents:
        h = households[numbers[i]]
        rows.append((resident_type, resident_pk[i], household_type, h.pk, h.grid.pk, created, {}))
    for i in planned.changed_residents:
        match = existing[i]
        h = households[numbers[i]]
        changes = {**match.changes, **{f"{FLOATING_PREFIX}{k}": v for k, v in match.floating_changes.items()}}
        if "household" in changes:  # moved between households: ids, as a page move records
            changes["household"] = [str(match.household_id), str(h.pk)]
        rows.append((resident_type, match.pk, household_type, h.pk, h.grid.pk, changed, changes))
    return rows
