"""The scratch database's contents: schema, the org tree, emptying the ledger between
phases and counting what a phase left behind. Runs in the parent process, untimed."""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass

from django.core.management import call_command
from django.db import connection

from core.models import Change
from grid.actions import org_unit_create
from grid.models import Building, OrgLevel, OrgUnit, Unit
from residents.models import (
    FloatingRegistration,
    Household,
    LedgerImport,
    LedgerImportRow,
    Resident,
)

from .env import FLOOR_TABLE, MEDIA_DIR
from .ledger import COMMUNITY_CODE, COMMUNITY_NAME, GRID_NAMES, HEADERS

# Everything an import writes. Buildings and units too: the importer creates the ones
# the file names, and a fresh run must create them again.
LEDGER_MODELS = (
    Change,
    FloatingRegistration,
    Resident,
    Household,
    LedgerImportRow,
    LedgerImport,
    Unit,
    Building,
)


def prepare_schema() -> OrgUnit:
    """Migrate the empty database and add 区 → 街道 → 社区 with its ten 网格."""
    call_command("migrate", verbosity=0, interactive=False)
    district = org_unit_create(parent=None, level=OrgLevel.DISTRICT, code="BENCH-D", name="基准测试区")
    street = org_unit_create(parent=district, level=OrgLevel.STREET, code="BENCH-S", name="基准测试街道")
    community = org_unit_create(
        parent=street, level=OrgLevel.COMMUNITY, code=COMMUNITY_CODE, name=COMMUNITY_NAME
    )
    for i, name in enumerate(GRID_NAMES, 1):
        org_unit_create(parent=community, level=OrgLevel.GRID, code=f"BENCH-G{i:02d}", name=name)
    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} ({columns})")
    return community


def empty_ledger() -> None:
    """Back to no households, residents, history or imports; statistics fresh for the planner."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in LEDGER_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}, {FLOOR_TABLE} RESTART IDENTITY CASCADE")
    analyze()
    shutil.rmtree(MEDIA_DIR, ignore_errors=True)


def analyze() -> None:
    """What autovacuum would have done by the time a person starts the next import."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in LEDGER_MODELS]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


@dataclass
class LedgerCounts:
    households: int
    residents: int
    floating: int
    changes: int
    buildings: int
    units: int
    floor_rows: int

    def as_dict(self) -> dict:
        return asdict(self)


def count_ledger() -> LedgerCounts:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FLOOR_TABLE}")  # noqa: S608 (a constant table name)
        (floor_rows,) = cursor.fetchone()
    return LedgerCounts(
        households=Household.objects.count(),
        residents=Resident.objects.count(),
        floating=FloatingRegistration.objects.count(),
        changes=Change.objects.count(),
        buildings=Building.objects.count(),
        units=Unit.objects.count(),
        floor_rows=floor_rows,
    )
