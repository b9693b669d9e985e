"""An import's errors are shown as their reader may see them (residents.ledger_import.messages):
a person registered elsewhere is placed only for a reader whose scope covers it, and the
error file masks ID numbers and phones like every other export."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_id_number
from grid.models import Role
from residents.ledger_import.actions import ledger_import_commit, ledger_import_create, ledger_import_preview
from residents.models import LedgerImport, LedgerImportRow
from tests.factories import make_person
from tests.ledger_files import HEADERS, rows_for, write_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def imported(community, user, path) -> LedgerImport:
    with path.open("rb") as fh:
        ledger_import = ledger_import_create(community=community, file=fh, file_name=path.name, user=user)
    ledger_import_preview(ledger_import=ledger_import)
    return ledger_import


@pytest.fixture
def refused(tree, tmp_path):
    """北苑社区 holds a person; the district admin then imports the same ID number into
    变电所社区, where it is refused."""
    district_admin = make_person(role=Role.ADMIN, unit=tree.district, username="district_admin")
    there = write_csv(tmp_path / "there.csv", rows_for(grid=tree.other_grid.name, households=1, members=1))
    first = imported(tree.other_community, district_admin, there)
    ledger_import_commit(import_id=first.pk)
    here = write_csv(tmp_path / "here.csv", rows_for(households=1, members=1))
    return imported(tree.community, district_admin, here), district_admin


def test_the_stored_message_names_no_place(refused, tree):
    ledger_import, _ = refused
    [error] = LedgerImportRow.objects.get(ledger_import=ledger_import).errors
    assert tree.other_community.name not in error["message"] and "不在您的管辖范围内" in error["message"]
    assert error["household"]


def test_a_reader_without_the_other_community_is_told_only_that_it_is_elsewhere(client, refused, tree):
    ledger_import, _ = refused
    client.force_login(make_person(role=Role.ADMIN, unit=tree.community, username="community_admin"))
    page = client.get(reverse("ledger_import:detail", args=[ledger_import.pk])).content.decode()
    assert "不在您的管辖范围内" in page
    assert tree.other_community.name not in page and "户号0901" not in page


def test_a_reader_whose_scope_covers_it_is_told_where(client, refused, tree):
    ledger_import, district_admin = refused
    client.force_login(district_admin)
    page = client.get(reverse("ledger_import:detail", args=[ledger_import.pk])).content.decode()
    assert f"已登记在{tree.other_community.name}{tree.other_grid.name}户号" in page


def test_the_error_file_masks_id_numbers_and_names_no_place_out_of_scope(client, refused, tree):
    ledger_import, _ = refused
    client.force_login(make_person(role=Role.ADMIN, unit=tree.community, username="community_admin"))
    response = client.get(reverse("ledger_import:error_rows", args=[ledger_import.pk]))
    header, row = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    number = row[header.index("身份证号")]
    full = rows_for(households=1, members=1)[0][HEADERS.index("身份证号")]
    assert number == mask_id_number(str(full)) and str(full) not in str(row)
    assert tree.other_community.name not in row[1]
