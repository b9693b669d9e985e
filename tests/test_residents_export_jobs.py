"""Large exports built by a Celery task: the same scope, masking and neutralising as a direct
download, a page to watch and a file only its requester can fetch.

The page enqueues the task on commit. These tests catch that callback without running it
(with a real broker nobody would take the task) and run the action themselves; the last
test goes through a real worker when REDIS_URL is set.
"""

import io
import time
from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from core import progress
from core.exports import (
    FILTERS_LOST,
    GAVE_UP,
    ROLE_LOST,
    SCOPE_LOST,
    export_job_create,
    export_job_run,
)
from core.masking import mask_id_number
from core.models import ExportJob, ExportStatus
from core.tasks import run_export_job
from grid.actions import user_assign_role
from grid.models import Role
from residents.lists import HOUSEHOLDS, RESIDENTS
from tests.factories import make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.searching import search_token

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def ledger(tree):
    """0101 in 一网格 (the grid worker's), 0201 in 二网格, 0901 in 北苑社区 (outside 清河街道)."""
    home = HouseholdFactory(
        grid=tree.grid, number="0101", phone="13812345678", address='=HYPERLINK("http://x")'
    )
    tree.head = ResidentFactory(household=home, name="张三", phone="13698765432")
    ResidentFactory(household=home, name="+SUM(A1:A9)", ethnicity=ethnicity("回族"))
    across = HouseholdFactory(grid=tree.grid2, number="0201", address="@cmd|' /C calc'!A0")
    ResidentFactory(household=across, name="李四")
    outside = HouseholdFactory(grid=tree.other_grid, number="0901")
    ResidentFactory(household=outside, name="王五")
    return tree


@pytest.fixture
def large(settings):
    """Every list with a row in it counts as large."""
    settings.EXPORT_SYNC_MAX_ROWS = 0


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Request an export through the list's export URL; returns the response and the export
    it recorded, with the task caught (enqueued once) but not yet run."""

    def get(name: str, params: dict | None = None):
        before = set(ExportJob.objects.values_list("pk", flat=True))
        params = dict(params or {})
        with django_capture_on_commit_callbacks() as callbacks:
            if params.pop("unmasked", None):  # whole values: a POST with a stated purpose
                url = reverse(f"residents:{name}") + (f"?{urlencode(params)}" if params else "")
                response = client.post(url, {"unmasked": "1", "reason": "报送街道核对名单"})
            else:
                response = client.get(reverse(f"residents:{name}"), params)
        made = ExportJob.objects.exclude(pk__in=before)
        assert len(callbacks) == len(made)
        return response, made.first()

    return get


def run(export: ExportJob) -> ExportJob:
    export_job_run(export_id=export.pk)
    export.refresh_from_db()
    return export


def rows_of(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def download(client, export):
    return client.get(reverse("core:export_download", args=[export.pk]))


def snapshot(export: ExportJob) -> tuple:
    export.refresh_from_db()
    return (export.status, export.row_count, export.file.name, export.finished_at, export.message)


def roleless(tree):
    """Someone placed in the community whose role grants nothing in the ledger."""
    user = make_person(role=Role.STAFF, unit=tree.community, username="no_ledger")
    user.groups.remove(*Group.objects.all())
    return user


# --- small stays direct, large goes to the background ------------------------------------------


def test_a_small_export_is_still_downloaded_at_once(client, staff_user, ledger, ask):
    client.force_login(staff_user)
    response, export = ask("household_export")
    assert export is None
    assert sorted(column(rows_of(response), "户号")) == ["0101", "0201"]


def test_a_large_household_export_is_built_in_the_background_scoped_masked_and_neutralised(
    client, staff_user, ledger, large, ask
):
    client.force_login(staff_user)
    response, export = ask("household_export")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:export_detail", args=[export.pk])
    assert (export.user, export.list_key, export.full, export.status) == (
        staff_user,
        HOUSEHOLDS.key,
        False,
        ExportStatus.QUEUED,
    )
    assert export.scope_unit == ledger.community
    assert not export.file

    export = run(export)
    assert (export.status, export.row_count, export.message) == (ExportStatus.DONE, 2, "")
    assert export.file.name.startswith("exports/") and export.finished_at
    response = download(client, export)
    assert f"filename*=utf-8''{quote('户台账-')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    rows = rows_of(response)
    assert sorted(column(rows, "户号")) == ["0101", "0201"]  # 0901 is in another street
    phones = column(rows, "联系电话")
    assert "138****5678" in phones and "13812345678" not in phones
    assert '\'=HYPERLINK("http://x")' in column(rows, "住址")
    assert "'@cmd|' /C calc'!A0" in column(rows, "住址")


def test_a_large_resident_export_for_a_grid_worker_holds_only_their_grid_masked(
    client, grid_worker, ledger, large, ask
):
    client.force_login(grid_worker)
    _, export = ask("resident_export")
    export = run(export)
    rows = rows_of(download(client, export))
    assert sorted(column(rows, "姓名")) == ["'+SUM(A1:A9)", "张三"]  # not 李四 (二网格) nor 王五
    assert mask_id_number(ledger.head.id_number) in column(rows, "身份证号")
    assert ledger.head.id_number not in column(rows, "身份证号")
    assert "136****5432" in column(rows, "联系电话")
    book = load_workbook(io.BytesIO(b"".join(download(client, export).streaming_content)))
    assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)
    assert book.worksheets[0].freeze_panes == "A2"


def test_the_search_term_is_stored_to_rebuild_the_list_but_never_put_in_a_url(
    client, staff_user, ledger, large, ask
):
    client.force_login(staff_user)
    token = search_token(client, "residents:resident_list", "张三")
    response, export = ask("resident_export", {"search": token, "status": "all", "grid": "junk"})
    assert export.params == {"q": "张三", "status": "all"}  # the invalid grid is ignored, as on the page
    assert "张三" not in response["Location"] and quote("张三") not in response["Location"]
    detail = client.get(response["Location"])
    assert quote("张三") not in detail.content.decode()  # no link carries it either
    assert column(rows_of(download(client, run(export))), "姓名") == ["张三"]


def test_a_full_export_holds_whole_numbers_only_for_roles_allowed(
    client, staff_user, leader, ledger, large, ask
):
    client.force_login(leader)
    response, export = ask("resident_export", {"unmasked": "1"})
    assert response.status_code == 403 and export is None

    client.force_login(staff_user)
    _, export = ask("resident_export", {"unmasked": "1"})
    assert export.full
    rows = rows_of(download(client, run(export)))
    assert ledger.head.id_number in column(rows, "身份证号")
    assert "王五" not in column(rows, "姓名")


def test_the_action_refuses_a_full_export_to_a_role_not_allowed(leader, ledger):
    with pytest.raises(PermissionDenied):
        export_job_create(user=leader, list_key=RESIDENTS.key, params={}, full=True)
    assert not ExportJob.objects.exists()


# --- the pages: who may open what ----------------------------------------------------------------

EXPORT_PAGES = ["export_detail", "export_progress", "export_download"]


@pytest.fixture
def done_export(staff_user, ledger):
    export = export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False)
    return run(export)


def page(name: str, export: ExportJob | None = None) -> str:
    return reverse(f"core:{name}", args=[export.pk]) if export else reverse(f"core:{name}")


@pytest.mark.parametrize("name", EXPORT_PAGES + ["export_list"])
def test_anonymous_visitors_are_sent_to_login(client, done_export, name):
    response = client.get(page(name, None if name == "export_list" else done_export))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", EXPORT_PAGES + ["export_list"])
def test_a_role_without_the_ledger_gets_403(client, ledger, done_export, name):
    client.force_login(roleless(ledger))
    assert client.get(page(name, None if name == "export_list" else done_export)).status_code == 403


@pytest.mark.parametrize("name", EXPORT_PAGES)
def test_someone_elses_export_answers_404_and_stays_as_it_was(client, ledger, done_export, admin_user, name):
    before = snapshot(done_export)
    colleague = make_person(role=Role.STAFF, unit=ledger.community, username="colleague")
    for other in (colleague, admin_user):  # the same unit, or above it: still not theirs
        client.force_login(other)
        assert client.get(page(name, done_export)).status_code == 404
    assert snapshot(done_export) == before


def test_the_requester_sees_their_export_and_its_conditions(client, staff_user, ledger):
    export = export_job_create(
        user=staff_user,
        list_key=RESIDENTS.key,
        params={"grid": str(ledger.grid2.pk), "ethnicity": "minority"},
        full=False,
    )
    client.force_login(staff_user)
    queued = client.get(page("export_detail", export)).content.decode()
    assert "排队中" in queued and "二网格" in queued and "少数民族（全部）" in queued
    assert 'hx-get="{}"'.format(page("export_progress", export)) in queued
    assert download(client, export).status_code == 404  # nothing to download yet

    run(export)
    polled = client.get(page("export_progress", export))
    assert polled.status_code == 200 and polled["HX-Refresh"] == "true"
    done = client.get(page("export_detail", export)).content.decode()
    assert page("export_download", export) in done and "已完成" in done


def test_an_export_without_a_status_filter_says_it_holds_the_lists_default(client, staff_user, ledger):
    # The lists show 在册户 / 在册 unless asked otherwise; "全部" would promise the moved out too.
    households = run(export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False))
    residents = export_job_create(
        user=staff_user, list_key=RESIDENTS.key, params={"ethnicity": "minority"}, full=False
    )
    client.force_login(staff_user)
    assert "状态：在册户" in client.get(page("export_detail", households)).content.decode()
    shown = client.get(page("export_detail", residents)).content.decode()
    assert "状态：在册" in shown and "少数民族（全部）" in shown


def test_my_exports_names_each_exports_conditions(client, staff_user, ledger):
    export_job_create(
        user=staff_user, list_key=RESIDENTS.key, params={"grid": str(ledger.grid2.pk)}, full=False
    )
    export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=False)
    client.force_login(staff_user)
    body = client.get(page("export_list")).content.decode()
    assert f"网格：{ledger.grid2}" in body
    assert body.count("状态：在册") == 2


def test_my_exports_reloads_itself_only_while_an_export_is_being_built(client, staff_user, ledger):
    queued = export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=False)
    client.force_login(staff_user)
    assert 'hx-trigger="every 2s"' in client.get(page("export_list")).content.decode()
    run(queued)
    assert "hx-trigger" not in client.get(page("export_list")).content.decode()


def test_my_exports_lists_only_my_own(client, staff_user, ledger, done_export):
    colleague = make_person(role=Role.STAFF, unit=ledger.community, username="colleague")
    theirs = export_job_create(user=colleague, list_key=RESIDENTS.key, params={}, full=False)
    client.force_login(staff_user)
    response = client.get(page("export_list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [done_export]
    assert page("export_detail", theirs) not in response.content.decode()


def test_a_download_is_refused_once_the_role_no_longer_allows_it(client, staff_user, ledger):
    export = run(export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=True))
    assert export.status == ExportStatus.DONE
    user_assign_role(user=staff_user, org_unit=ledger.community, role=Role.WINDOW_CLERK)
    client.force_login(staff_user)
    assert download(client, export).status_code == 403


# --- the task ----------------------------------------------------------------------------------


def test_running_the_task_again_changes_nothing(done_export):
    before = snapshot(done_export)
    assert before[0] == ExportStatus.DONE
    run_export_job.apply(args=[done_export.pk])
    run_export_job.apply(args=[done_export.pk])
    assert snapshot(done_export) == before
    assert ExportJob.objects.count() == 1


def test_a_failed_export_stays_failed_when_run_again(staff_user, ledger):
    export = export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False)
    staff_user.groups.clear()
    run(export)
    before = snapshot(export)
    run_export_job.apply(args=[export.pk])
    assert snapshot(export) == before


def test_a_requester_whose_scope_shrank_gets_a_failed_export_and_no_file(client, staff_user, ledger):
    export = export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False)
    user_assign_role(user=staff_user, org_unit=ledger.grid, role=Role.STAFF)  # community → one grid
    export = run(export)
    assert (export.status, export.message, export.row_count) == (ExportStatus.FAILED, SCOPE_LOST, 0)
    assert not export.file and export.finished_at
    assert progress.read(export.pk, job=export.job_progress_key) is None
    client.force_login(staff_user)
    assert download(client, export).status_code == 404


def test_a_requester_who_lost_the_role_gets_a_failed_export(staff_user, ledger):
    masked = export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=False)
    full = export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=True)
    user_assign_role(user=staff_user, org_unit=ledger.community, role=Role.WINDOW_CLERK)
    assert (run(masked).status, run(full).status) == (ExportStatus.DONE, ExportStatus.FAILED)
    assert full.message == ROLE_LOST and not full.file

    later = export_job_create(user=staff_user, list_key=RESIDENTS.key, params={}, full=False)
    staff_user.groups.clear()
    assert (run(later).status, later.message) == (ExportStatus.FAILED, ROLE_LOST)


def test_a_filter_no_longer_in_scope_fails_rather_than_widening_the_export(staff_user, ledger):
    export = export_job_create(
        user=staff_user, list_key=HOUSEHOLDS.key, params={"grid": str(ledger.grid2.pk)}, full=False
    )
    ExportJob.objects.filter(pk=export.pk).update(params={"grid": str(ledger.other_grid.pk)})
    export = run(export)
    assert (export.status, export.message) == (ExportStatus.FAILED, FILTERS_LOST)
    assert not export.file


def test_a_task_that_breaks_marks_its_export_failed_instead_of_leaving_it_running(
    staff_user, ledger, monkeypatch
):
    export = export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False)

    def broken(*args, **kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr("core.exports.write_workbook", broken)
    # As a worker runs it: the failure is handled, not raised into the caller.
    result = run_export_job.apply(args=[export.pk], throw=False)
    assert isinstance(result.result, ValueError)
    export.refresh_from_db()
    assert (export.status, export.message) == (ExportStatus.FAILED, GAVE_UP)
    assert not export.file and export.finished_at


# --- through a real worker ---------------------------------------------------------------------


# Transactional, like every worker test (the worker sees only committed rows); spelled out
# because the module's plain django_db mark would otherwise win.
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_export_runs_in_the_worker(celery_worker_process, client, staff_user, ledger, large):
    client.force_login(staff_user)
    response = client.get(reverse("residents:resident_export"))
    assert response.status_code == 302
    export = ExportJob.objects.get()
    celery_worker_process.wait_until_idle()
    deadline = time.monotonic() + 60
    while ExportJob.objects.get(pk=export.pk).is_running:
        assert time.monotonic() < deadline, "导出 60 秒内未完成"
        time.sleep(0.05)
    export.refresh_from_db()
    assert (export.status, export.row_count) == (ExportStatus.DONE, 3), export.message
    rows = rows_of(download(client, export))
    assert "王五" not in column(rows, "姓名")
    assert ledger.head.id_number not in column(rows, "身份证号")


def test_old_export_files_are_deleted_and_the_record_kept(staff_user, ledger, settings, tmp_path):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from core.exports import export_jobs_purge
    from core.models import ExportJob, ExportStatus

    settings.EXPORT_RETENTION_DAYS = 7
    old = ExportJob.objects.create(user=staff_user, list_key=RESIDENTS.key, status=ExportStatus.DONE)
    old.file.save("old.xlsx", ContentFile(b"PK"), save=False)
    ExportJob.objects.filter(pk=old.pk).update(
        file=old.file.name, finished_at=timezone.now() - dt.timedelta(days=8)
    )
    recent = ExportJob.objects.create(user=staff_user, list_key=RESIDENTS.key, status=ExportStatus.DONE)
    recent.file.save("recent.xlsx", ContentFile(b"PK"), save=False)
    ExportJob.objects.filter(pk=recent.pk).update(file=recent.file.name, finished_at=timezone.now())
    name = old.file.name

    assert export_jobs_purge() == 1
    assert export_jobs_purge() == 0  # again: nothing more
    old.refresh_from_db()
    assert not old.file and "保留期" in old.message and not old.file.storage.exists(name)
    recent.refresh_from_db()
    assert recent.file and recent.file.storage.exists(recent.file.name)
