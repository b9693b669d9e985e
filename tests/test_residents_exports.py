import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_id_number
from core.xlsx import neutralise
from grid.models import Role
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.searching import search_token

pytestmark = pytest.mark.django_db


def full_export(client, name: str, reason: str = "报送街道核对名单"):
    """Whole values, as the page asks for them: a POST with a stated purpose."""
    return client.post(reverse(f"residents:{name}"), {"unmasked": "1", "reason": reason})


@pytest.fixture
def ledger(tree):
    home = HouseholdFactory(
        grid=tree.grid, number="0101", phone="13812345678", address='=HYPERLINK("http://x")'
    )
    tree.head = ResidentFactory(household=home, name="张三", phone="13698765432")
    tree.minority = ResidentFactory(household=home, name="+SUM(A1:A9)", ethnicity=ethnicity("回族"))
    HouseholdFactory(grid=tree.grid2, number="0201", address="@cmd|' /C calc'!A0")
    outside = HouseholdFactory(grid=tree.other_grid, number="0901")
    ResidentFactory(household=outside, name="王五")
    return tree


def read(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_neutralise_prefixes_only_text_that_starts_like_a_formula(raw, safe):
    assert neutralise(raw) == safe


def test_neutralise_drops_control_characters_excel_cannot_read():
    assert neutralise("张\x01三\x0b") == "张三"


def test_household_export_is_scoped_masked_and_neutralised(client, staff_user, ledger):
    client.force_login(staff_user)
    rows = read(client.get(reverse("residents:household_export")))
    assert rows[0][:3] == ["户号", "社区", "网格"]
    assert sorted(column(rows, "户号")) == ["0101", "0201"]  # 0901 is in another street
    phones = column(rows, "联系电话")
    assert "138****5678" in phones and "13812345678" not in phones
    addresses = column(rows, "住址")
    assert '\'=HYPERLINK("http://x")' in addresses
    assert "'@cmd|' /C calc'!A0" in addresses
    heads = dict(zip(column(rows, "户号"), column(rows, "户主"), strict=True))
    assert heads["0101"] == "张三"
    counts = dict(zip(column(rows, "户号"), column(rows, "在册人数"), strict=True))
    assert counts["0101"] == 2


def test_formula_cells_come_back_as_text_not_formulas(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.get(reverse("residents:resident_export"))
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.worksheets[0].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert any(cell.value == "'+SUM(A1:A9)" and cell.data_type == "s" for cell in cells)


def test_resident_export_masks_id_numbers_and_phones(client, grid_worker, ledger):
    client.force_login(grid_worker)
    rows = read(client.get(reverse("residents:resident_export")))
    ids = column(rows, "身份证号")
    assert mask_id_number(ledger.head.id_number) in ids
    assert ledger.head.id_number not in ids
    assert "136****5432" in column(rows, "联系电话")
    assert "王五" not in column(rows, "姓名")


def test_a_masked_export_does_not_give_back_the_birth_date_the_id_mask_hides(client, persona, ledger):
    # Region and last four digits are shown; with the whole birth date beside them the ID
    # number could be written out again. The masked sheet keeps the year only.
    born = ledger.head.birth_date
    client.force_login(persona(Role.WINDOW_CLERK))
    rows = read(client.get(reverse("residents:resident_export")))
    masked = dict(zip(column(rows, "姓名"), column(rows, "出生日期"), strict=True))
    assert masked["张三"] == f"{born.year}年"
    client.force_login(persona(Role.STAFF))
    full = read(full_export(client, "resident_export"))
    assert born.isoformat() in column(full, "出生日期")


def test_the_export_follows_the_lists_filters(client, staff_user, ledger):
    client.force_login(staff_user)
    rows = read(client.get(reverse("residents:resident_export"), {"ethnicity": "minority"}))
    assert column(rows, "姓名") == ["'+SUM(A1:A9)"]
    token = search_token(client, "residents:household_list", "0201")  # the term lives in the session
    rows = read(client.get(reverse("residents:household_export"), {"search": token}))
    assert column(rows, "户号") == ["0201"]


def test_an_unmasked_export_for_roles_allowed_is_still_scoped(client, staff_user, ledger):
    client.force_login(staff_user)
    rows = read(full_export(client, "resident_export"))
    assert ledger.head.id_number in column(rows, "身份证号")
    assert "13698765432" in column(rows, "联系电话")
    assert "王五" not in column(rows, "姓名")


@pytest.mark.parametrize("role", [Role.LEADER, Role.MEDIATOR, Role.WINDOW_CLERK])
def test_an_unmasked_export_is_refused_to_roles_not_allowed(client, persona, ledger, role):
    client.force_login(persona(role))
    assert full_export(client, "resident_export").status_code == 403
    assert full_export(client, "household_export").status_code == 403
    rows = read(client.get(reverse("residents:resident_export")))
    assert ledger.head.id_number not in column(rows, "身份证号")


def test_the_export_keeps_its_header_in_view_with_filters(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.get(reverse("residents:household_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")


# --- whole values leave only by a POST with a purpose, from roles given that deliberately -----


def test_a_link_cannot_start_a_full_export(client, staff_user, ledger):
    client.force_login(staff_user)
    response = client.get(reverse("residents:resident_export"), {"unmasked": "1"})
    assert response.status_code == 403
    assert ledger.head.id_number not in response.content.decode()


def test_a_full_export_needs_a_stated_purpose(client, staff_user, ledger):
    client.force_login(staff_user)
    response = full_export(client, "resident_export", reason="  ")
    assert response.status_code == 302  # back to the list, told why
    page = client.get(response["Location"]).content.decode()
    assert "须写明用途" in page


def test_grid_workers_may_not_export_whole_values_by_default(client, persona, ledger):
    client.force_login(persona(Role.GRID_WORKER))
    assert full_export(client, "resident_export").status_code == 403
    page = client.get(reverse("residents:resident_list")).content.decode()
    assert "确认导出" not in page  # not offered either


def test_a_full_export_is_in_the_audit_log_with_its_purpose_and_rows(client, staff_user, ledger):
    from core.models import AuditEvent, AuditKind

    client.force_login(staff_user)
    rows = read(full_export(client, "resident_export", reason="报送街道低保复核名单"))
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.detail == {
        "list": "residents.residents",
        "rows": len(rows) - 1,  # the staff member's community: 王五 is another street's
        "full": True,
        "reason": "报送街道低保复核名单",
    }
    assert event.user == staff_user


def test_the_household_flags_are_called_as_the_filter_and_the_template_call_them(client, staff_user, ledger):
    client.force_login(staff_user)
    header = read(client.get(reverse("residents:household_export")))[0]
    page = client.get(reverse("residents:household_list")).content.decode()
    assert "家庭标签" in header and "标志" not in header
    assert '<th scope="col">家庭标签</th>' in page and ">标志<" not in page
