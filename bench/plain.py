"""The plain baseline: django-import-export's ``ModelResource`` with its default settings.

What a project gets by declaring ``class Meta: model = ...`` and calling ``import_data``:
row by row, one instance fetched, diffed (with its HTML diff) and saved at a time, inside
one transaction. Households first, then residents pointing at them, as one would do it.

The datasets are prepared before the clock starts and are kinder than the file: each
column already holds the model field's stored value (parsed by our own row reader), the
buildings and units already exist, and the households' ids are looked up for the
residents' dataset between the two timed calls. The baseline thus does less than ours:
no 民族/alias/label mapping, no ID-number checks, no history rows, no floating-population
registrations. Only the two ``import_data`` calls are timed.
"""

from __future__ import annotations

import time
from pathlib import Path

import python_calamine
import tablib
from import_export import resources

from grid.models import Building, OrgUnit, Unit
from residents.ledger_import.columns import match_header
from residents.ledger_import.pipeline import ethnicity_lookup
from residents.ledger_import.rows import HOUSEHOLD_FIELDS, RESIDENT_FIELDS, RowReader
from residents.models import Household, Resident

from .ledger import REFERENCE_DAY


class HouseholdResource(resources.ModelResource):
    class Meta:
        model = Household


class ResidentResource(resources.ModelResource):
    class Meta:
        model = Resident


def run(path: Path, community: OrgUnit, slice_rows: int) -> dict:
    # Only the slice is read, so the peak memory is the slice's.
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    header, *rows = sheet.to_python(skip_empty_area=False, nrows=slice_rows + 1)
    reader = RowReader(match_header(header), ethnicity_lookup(), REFERENCE_DAY)
    parsed = reader.read(list(enumerate(rows, 2)))
    if parsed.errors:
        raise RuntimeError(f"generated rows the row reader refuses: {list(parsed.errors.items())[:5]}")

    grids = {g.name: g for g in OrgUnit.objects.subtree_of(community).grids()}
    households: dict[str, dict] = {}
    for i, number in enumerate(parsed.household_numbers):
        if number in households:
            continue
        grid = grids[parsed.grids[i]]
        building, _ = Building.objects.get_or_create(
            grid=grid,
            number=parsed.buildings[i],
            defaults={"position": Building.position_for(parsed.buildings[i])},
        )
        unit, _ = Unit.objects.get_or_create(
            building=building,
            number=parsed.units[i],
            defaults={"position": Unit.position_for(parsed.units[i])},
        )
        households[number] = {
            "community": community.pk,
            "grid": grid.pk,
            "building": building.pk,
            "unit": unit.pk,
            "number": number,
            **dict(zip(HOUSEHOLD_FIELDS, parsed.households[i], strict=True)),
        }
    household_columns = list(next(iter(households.values())))
    household_data = tablib.Dataset(headers=household_columns)
    for values in households.values():
        household_data.append([values[c] for c in household_columns])

    started = time.perf_counter()
    household_result = HouseholdResource().import_data(household_data, dry_run=False, raise_errors=False)
    household_seconds = time.perf_counter() - started

    ids = dict(Household.objects.filter(community=community).values_list("number", "pk"))
    resident_columns = ["household", "id_number", *RESIDENT_FIELDS]
    resident_data = tablib.Dataset(headers=resident_columns)
    for i, number in enumerate(parsed.household_numbers):
        values = [ids[number], parsed.id_numbers[i], *parsed.residents[i]]
        resident_data.append(values)

    started = time.perf_counter()
    resident_result = ResidentResource().import_data(resident_data, dry_run=False, raise_errors=False)
    resident_seconds = time.perf_counter() - started

    failed = []
    for name, result in (("households", household_result), ("residents", resident_result)):
        if result.has_errors() or result.has_validation_errors():
            rows = result.invalid_rows or [r for r in result.rows if r.errors]
            failed.append(f"{name}: {len(rows)} rows failed, first {rows[:1]!r}")
    return {
        "seconds": household_seconds + resident_seconds,
        "rows": len(parsed),
        "households": len(households),
        "household_seconds": household_seconds,
        "resident_seconds": resident_seconds,
        "household_totals": dict(household_result.totals),
        "resident_totals": dict(resident_result.totals),
        "failed": failed,
    }
