"""Export the ledger with whole values, correct it in Excel, import it back: the full export
has the import template's columns, so only what was corrected changes."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.ledger_import.columns import COLUMNS
from residents.models import Education, LedgerImportRow, Relation, ResidenceStatus, Resident, RowOutcome
from tests.factories_residents import (
    FloatingRegistrationFactory,
    HouseholdFactory,
    ResidentFactory,
    ethnicity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ledger(tree):
    home = HouseholdFactory(
        grid=tree.grid, building=tree.building, unit=tree.unit, room="301", number="0301", is_dibao=True
    )
    ResidentFactory(
        household=home, name="张三", relation=Relation.HEAD, education=Education.SENIOR, origin="辽宁阜新"
    )
    ResidentFactory(
        household=home,
        name="马丽",
        relation=Relation.SPOUSE,
        ethnicity=ethnicity("回族"),
        is_disabled=True,
        moved_in_on=dt.date(2010, 5, 1),
    )
    rented = HouseholdFactory(
        grid=tree.grid2, number="0201", kind="rental", landlord_name="房东", landlord_phone="13700001111"
    )
    worker = ResidentFactory(
        household=rented, name="韩明", relation=Relation.HEAD, residence_status=ResidenceStatus.FLOATING
    )
    # One 房东 column serves both, as the import and the pages keep them: the same landlord.
    FloatingRegistrationFactory(
        resident=worker,
        expected_stay="一年以上",
        workplace="清真拉面馆",
        landlord_name="房东",
        landlord_phone="13700001111",
    )
    return tree


def test_a_full_export_corrected_in_excel_imports_back_changing_only_the_correction(
    client, ledger, staff_user, admin_user, tmp_path
):
    client.force_login(staff_user)
    response = client.post(reverse("residents:resident_export"), {"unmasked": "1", "reason": "年度核对"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == ["社区", *(c.header for c in COLUMNS)]  # the template's, in its order
    assert sorted(row[headers.index("姓名")].value for row in sheet.iter_rows(min_row=2)) == [
        "张三",
        "韩明",
        "马丽",
    ]
    # Corrected in Excel: 张三 finished university.
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("姓名")].value == "张三":
            row[headers.index("文化程度")].value = "大学本科"
    path = tmp_path / "核对后.xlsx"
    book.save(path)

    with path.open("rb") as fh:
        ledger_import = ledger_import_create(
            community=ledger.community, file=fh, file_name=path.name, user=admin_user
        )
    ledger_import_preview(ledger_import=ledger_import)
    outcomes = {
        row.summary.split()[0]: row.outcome
        for row in LedgerImportRow.objects.filter(ledger_import=ledger_import)
    }
    assert outcomes == {
        "张三": RowOutcome.UPDATED,
        "马丽": RowOutcome.UNCHANGED,
        "韩明": RowOutcome.UNCHANGED,
    }
    assert LedgerImportRow.objects.get(ledger_import=ledger_import, outcome=RowOutcome.UPDATED).detail
    ledger_import_commit(import_id=ledger_import.pk)
    assert Resident.objects.get(name="张三").education == Education.BACHELOR
    assert Resident.objects.get(name="马丽").is_disabled


def test_the_export_lists_a_households_members_head_first(client, ledger, staff_user):
    home = ledger.building.households.get(number="0301")
    ResidentFactory(household=home, name="张小", relation=Relation.CHILD)
    ResidentFactory(household=home, name="张父", relation=Relation.PARENT)
    # Registered after the others, but the 户口簿 order puts the spouse before them.
    spouse = Resident.objects.get(name="马丽")
    Resident.objects.filter(pk=spouse.pk).update(relation=Relation.OTHER_RELATIVE)
    ResidentFactory(household=home, name="王配", relation=Relation.SPOUSE)
    client.force_login(staff_user)
    sheet = load_workbook(io.BytesIO(client.get(reverse("residents:resident_export")).content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    members = [
        r[headers.index("姓名")].value
        for r in sheet.iter_rows(min_row=2)
        if r[headers.index("户号")].value == "0301"
    ]
    assert members == ["张三", "王配", "张小", "张父", "马丽"]
