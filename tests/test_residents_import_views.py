"""The import pages: who may use them, scope, and the upload → preview → commit flow."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grid.models import Role
from residents.models import Household, ImportStatus, LedgerImport, Resident
from tests.factories import make_person
from tests.ledger_files import rows_for, write_csv, write_xlsx

NON_ADMIN_ROLES = [Role.STAFF, Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK, Role.LEADER]


# The pages hand the work to Celery on commit: a real worker process with REDIS_URL (the
# mark makes these tests transactional so it sees their rows), in-process otherwise.
pytestmark = pytest.mark.worker


@pytest.fixture
def community_admin(tree):
    return make_person(role=Role.ADMIN, unit=tree.community, username="c_admin")


@pytest.fixture
def upload(client, celery_worker_process):
    """POST a ledger file to the upload page, then let the worker run what it enqueued."""

    def post(community, path):
        with path.open("rb") as fh:
            response = client.post(reverse("ledger_import:new"), {"community": community.pk, "file": fh})
        celery_worker_process.wait_until_idle()
        return response

    return post


@pytest.fixture
def commit(client, celery_worker_process):
    def post(pk, data=None):
        response = client.post(reverse("ledger_import:commit", args=[pk]), data or {})
        celery_worker_process.wait_until_idle()
        return response

    return post


def test_anonymous_is_sent_to_log_in(client, tree):
    response = client.get(reverse("ledger_import:new"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_only_admins_may_import(client, persona, tmp_path, tree, role, upload):
    client.force_login(persona(role))
    assert client.get(reverse("ledger_import:list")).status_code == 403
    response = upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows_for()))
    assert response.status_code == 403
    assert not LedgerImport.objects.exists()


def test_upload_previews_then_commit_writes(client, community_admin, tree, tmp_path, upload, commit):
    client.force_login(community_admin)
    response = upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows_for(households=2, members=2)))
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger_import:detail", args=[ledger_import.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.PREVIEWED
    assert "确认导入" in page.content.decode()
    assert not Resident.objects.exists()

    commit(ledger_import.pk)

    ledger_import.refresh_from_db()
    assert ledger_import.status == ImportStatus.DONE
    assert Resident.objects.count() == 4


def test_commit_with_errors_needs_skip_errors(client, community_admin, tree, tmp_path, upload, commit):
    client.force_login(community_admin)
    rows = rows_for(households=2, members=1)
    rows[0][10] = "火星族"
    upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows))
    ledger_import = LedgerImport.objects.get()

    commit(ledger_import.pk)
    assert not Resident.objects.exists()

    commit(ledger_import.pk, {"skip_errors": "on"})
    assert Resident.objects.count() == 1


def test_a_hostile_file_is_refused_on_the_form(client, community_admin, tree, tmp_path, upload):
    client.force_login(community_admin)
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"%PDF-1.4 not a spreadsheet")

    response = upload(tree.community, path)

    assert response.status_code == 200
    assert "不是电子表格" in response.content.decode()
    assert LedgerImport.objects.get().status == ImportStatus.REFUSED
    assert not Household.objects.exists()


def test_it_refuses_a_community_outside_scope(client, community_admin, tree, tmp_path, upload):
    client.force_login(community_admin)
    response = upload(tree.other_community, write_xlsx(tmp_path / "a.xlsx", rows_for()))
    assert response.status_code == 200
    assert "管辖范围内" in response.content.decode()
    assert not LedgerImport.objects.exists() and not Resident.objects.exists()


def test_another_communitys_import_is_a_404_and_cannot_be_committed(
    client, tree, tmp_path, community_admin, upload, commit
):
    other_admin = make_person(role=Role.ADMIN, unit=tree.other_community, username="o_admin")
    client.force_login(other_admin)
    upload(tree.other_community, write_xlsx(tmp_path / "a.xlsx", rows_for(grid=tree.other_grid.name)))
    theirs = LedgerImport.objects.get()

    client.force_login(community_admin)
    for name in ("detail", "progress", "error_rows"):
        assert client.get(reverse(f"ledger_import:{name}", args=[theirs.pk])).status_code == 404
    assert commit(theirs.pk).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.PREVIEWED and not Resident.objects.exists()


def test_error_rows_download_as_a_workbook_to_fix(client, community_admin, tree, tmp_path, upload):
    client.force_login(community_admin)
    rows = rows_for(households=2, members=1)
    rows[1][8] = '=HYPERLINK("http://x")'
    upload(tree.community, write_csv(tmp_path / "a.csv", rows))
    ledger_import = LedgerImport.objects.get()

    response = client.get(reverse("ledger_import:error_rows", args=[ledger_import.pk]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("原行号", "错误原因")
    assert len(values) == 2 and values[1][0] == 3
    assert "身份证号" in values[1][1]
    assert values[1][2 + 8].startswith("'=")  # a formula typed in the ledger stays text


def test_progress_asks_for_a_reload_once_finished(client, community_admin, tree, tmp_path, upload):
    client.force_login(community_admin)
    upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows_for()))
    response = client.get(reverse("ledger_import:progress", args=[LedgerImport.objects.get().pk]))
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_the_template_downloads(client, community_admin):
    client.force_login(community_admin)
    response = client.get(reverse("ledger_import:template"))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "网格"


def test_the_import_list_shows_only_imports_in_scope(client, tree, tmp_path, community_admin, upload):
    other_admin = make_person(role=Role.ADMIN, unit=tree.other_community, username="o_admin")
    client.force_login(other_admin)
    upload(
        tree.other_community,
        write_xlsx(tmp_path / "theirs.xlsx", rows_for(grid=tree.other_grid.name)),
    )
    client.force_login(community_admin)
    upload(tree.community, write_xlsx(tmp_path / "mine.xlsx", rows_for()))

    content = client.get(reverse("ledger_import:list")).content.decode()

    assert "mine.xlsx" in content and "theirs.xlsx" not in content


def test_a_dry_run_with_nothing_to_change_says_so_and_closes(
    client, community_admin, tree, tmp_path, upload, commit
):
    client.force_login(community_admin)
    path = write_xlsx(tmp_path / "a.xlsx", rows_for(households=1, members=2))
    upload(tree.community, path)
    commit(LedgerImport.objects.get().pk)
    changes = Resident.objects.count()

    response = upload(tree.community, path)

    again = LedgerImport.objects.latest("pk")
    assert again.status == ImportStatus.NOTHING and not again.can_commit
    page = client.get(response["Location"]).content.decode()
    assert "文件中的 2 行与台账完全一致，没有需要导入的内容" in page and "无需导入" in page
    assert "确认导入" not in page
    assert Resident.objects.count() == changes


def test_a_dry_run_with_only_error_rows_closes_and_asks_for_a_corrected_file(
    client, community_admin, tree, tmp_path, upload
):
    client.force_login(community_admin)
    rows = rows_for(households=1, members=1)
    rows[0][10] = "火星族"
    upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows))

    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == ImportStatus.NOTHING
    page = client.get(reverse("ledger_import:detail", args=[ledger_import.pk])).content.decode()
    assert "没有可以导入的行：1 行有错误" in page and "下载错误行" in page
    assert not Resident.objects.exists()


# --- 额外授权: community staff given the right to import their own community's ledger ------


def _granted(staff):
    from grid.actions import user_assign_role

    profile = staff.profile
    user_assign_role(
        user=staff, org_unit=profile.org_unit, role=profile.role, grants=["residents.import_ledger"]
    )
    return type(staff).objects.get(pk=staff.pk)  # permissions are cached on the instance


def test_staff_granted_the_right_import_their_community_with_the_same_dry_run_and_commit(
    client, persona, tree, tmp_path, upload, commit
):
    staff = _granted(persona(Role.STAFF))
    client.force_login(staff)
    assert client.get(reverse("ledger_import:list")).status_code == 200
    rows = rows_for(households=2, members=1)
    rows[0][10] = "火星族"
    upload(tree.community, write_xlsx(tmp_path / "a.xlsx", rows))
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == ImportStatus.PREVIEWED and ledger_import.user == staff
    commit(ledger_import.pk)  # a row with an error: all or nothing
    assert not Resident.objects.exists()
    commit(ledger_import.pk, {"skip_errors": "on"})
    assert Resident.objects.count() == 1


def test_granted_staff_may_not_import_into_another_community(client, persona, tree, tmp_path, upload):
    client.force_login(_granted(persona(Role.STAFF)))
    response = upload(tree.other_community, write_xlsx(tmp_path / "a.xlsx", rows_for()))
    assert response.status_code == 200 and "管辖范围内" in response.content.decode()
    assert not LedgerImport.objects.exists()


def test_a_right_not_offered_to_the_role_is_not_given(persona):
    from grid.actions import user_assign_role

    worker = persona(Role.GRID_WORKER)
    profile = user_assign_role(
        user=worker,
        org_unit=worker.profile.org_unit,
        role=Role.GRID_WORKER,
        grants=["residents.import_ledger"],
    )
    assert profile.extra_grants == []
    assert not type(worker).objects.get(pk=worker.pk).has_perm("residents.import_ledger")


def test_a_new_role_drops_the_right(persona):
    from grid.actions import user_assign_role

    staff = _granted(persona(Role.STAFF))
    assert staff.has_perm("residents.import_ledger")
    user_assign_role(user=staff, org_unit=staff.profile.org_unit, role=Role.LEADER)
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.profile.extra_grants == [] and not staff.has_perm("residents.import_ledger")


def test_the_admins_profile_form_offers_the_right_for_its_role_only(tree):
    from grid.admin import ProfileForm

    data = {"org_unit": tree.community.pk, "phone": "", "extra_grants": ["residents.import_ledger"]}
    assert ProfileForm(data | {"role": Role.STAFF}).is_valid()
    refused = ProfileForm(data | {"role": Role.GRID_WORKER})
    assert not refused.is_valid()
    assert "不能授予网格员" in refused.errors["extra_grants"][0]
