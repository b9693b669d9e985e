"""core.lists: a list registered once gets its page, filters, search kept out of URLs,
keyset pages, a capped count and a masked export — direct or as a background job on the
one 我的导出 page. Tested through a list registered here (as a future app would) and
through the ledger's two lists, its first users."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
from django import forms
from django.core import signing
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core import lists
from core.exports import export_job_create, export_job_run
from core.masking import mask_phone
from core.models import ExportJob, ExportStatus
from core.xlsx import Column
from grid.models import Role
from grid.scope import scope_queryset
from residents.lists import HOUSEHOLDS, RESIDENTS
from residents.models import Household, HouseholdKind
from tests import lists_urls
from tests.factories import make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.searching import search_token

pytestmark = pytest.mark.django_db


class KindForm(lists.ListFilterForm):
    q = forms.CharField(required=False)
    kind = forms.ChoiceField(label="户别", choices=[("", "全部"), *HouseholdKind.choices], required=False)


def kind_rows(user, filters: dict):
    qs = scope_queryset(user, Household)
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(number__icontains=filters["q"])
    return qs


def make_spec(**overrides) -> lists.ScopedList:
    spec = {
        "key": lists_urls.KEY,
        "title": "测试户表",
        "noun": "户",
        "permission": "residents.view_household",
        "full_permission": "residents.view_full_identity",
        "full_export_permission": "residents.export_full_identity",
        "form_class": KindForm,
        "rows": kind_rows,
        "order": ("-number", "pk"),
        "columns": (Column("户号", ("number",)), Column("电话", ("phone",), mask=mask_phone)),
        "template": "residents/household_list.html",
        "url_name": "test_list",
        "export_url_name": "test_list_export",
        "page_size": 5,
        "count_cap": 8,
    }
    return lists.ScopedList(**(spec | overrides))


@pytest.fixture
def test_list(settings):
    """A list registered the way an app's lists.py does, with its two URLs."""
    settings.ROOT_URLCONF = "tests.lists_urls"
    spec = lists.register(make_spec())
    yield spec
    lists.unregister(spec.key)


@pytest.fixture
def many(tree):
    """12 households in 一网格, 3 rentals among them; 2 in 二网格; 1 outside the street."""
    made = [
        HouseholdFactory(grid=tree.grid, number=f"A{i:02d}", kind="rental" if i % 4 == 0 else "registered")
        for i in range(12)
    ]
    made += [HouseholdFactory(grid=tree.grid2, number=f"B{i:02d}") for i in range(2)]
    HouseholdFactory(grid=tree.other_grid, number="Z99")
    return made


def rows(response) -> list[str]:
    assert response.status_code == 200
    return [h.number for h in response.context["page"].object_list]


def walk(client, url: str, params: dict | None = None, *, limit: int = 20) -> list[list[str]]:
    """Follow 下一页 from the first page to the last; the pages' numbers in order."""
    pages = []
    response = client.get(url, params or {})
    while True:
        pages.append(rows(response))
        page = response.context["page"]
        if not page.has_next:
            return pages
        assert len(pages) < limit
        response = client.get(url, {**(params or {}), "cursor": page.next_cursor})


def sheet(response) -> list[list]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(body)).worksheets[0].iter_rows()]


# --- registration --------------------------------------------------------------------------------


def test_the_ledger_registers_its_two_lists_at_start_up():
    assert lists.get("residents.households") is HOUSEHOLDS
    assert lists.get("residents.residents") is RESIDENTS
    with pytest.raises(LookupError):
        lists.get("nobody.nothing")


def test_a_registered_list_gets_a_scoped_page_with_its_filters(client, staff_user, many, test_list):
    client.force_login(staff_user)
    url = reverse("test_list")
    everything = sorted((h.number for h in many if h.number != "Z99"), reverse=True)
    assert [n for page in walk(client, url) for n in page] == everything  # in its order, in scope
    assert [n for page in walk(client, url, {"kind": "rental"}) for n in page] == ["A08", "A04", "A00"]


def test_a_registered_list_needs_its_permission(client, tree, many, test_list):
    nobody = make_person(role=Role.STAFF, unit=tree.community, username="nobody")
    nobody.groups.clear()
    client.force_login(nobody)
    assert client.get(reverse("test_list")).status_code == 403
    assert client.get(reverse("test_list_export")).status_code == 403


# --- search --------------------------------------------------------------------------------------


def test_a_search_is_kept_in_the_session_per_list_never_in_the_url(client, staff_user, many, test_list):
    client.force_login(staff_user)
    response = client.post(reverse("test_list"), {"q": "A0", "kind": "rental"}, follow=True)
    final_url = response.redirect_chain[-1][0]
    token = parse_qs(urlparse(final_url).query)["search"][0]
    assert "A0" not in final_url and "kind=rental" in final_url and len(token) == 8
    assert rows(response) == ["A08", "A04", "A00"]
    assert client.session[lists.search_key(test_list)] == {token: "A0"}
    # The ledger's list keeps terms of its own: this one is not applied there.
    households = client.get(reverse("residents:household_list"), {"search": token})
    assert len(rows(households)) == 14
    assert lists.search_key(HOUSEHOLDS) not in client.session


def test_an_empty_search_shows_the_list_unsearched(client, staff_user, many, test_list):
    client.force_login(staff_user)
    client.post(reverse("test_list"), {"q": "B0"})
    response = client.post(reverse("test_list"), {"q": ""})
    assert "search" not in response["Location"]


def test_two_tabs_searching_one_list_each_page_through_their_own_results(client, staff_user, many, test_list):
    client.force_login(staff_user)
    first = search_token(client, "test_list", "A0")
    second = search_token(client, "test_list", "B0")  # another tab, later
    a, b = (rows(client.get(reverse("test_list"), {"search": token})) for token in (first, second))
    assert a and all(row.startswith("A0") for row in a)
    assert b and all(row.startswith("B0") for row in b)


def test_only_the_last_searches_are_kept_and_an_old_token_searches_for_nothing(
    client, staff_user, many, test_list
):
    client.force_login(staff_user)
    oldest = search_token(client, "test_list", "A0")
    for n in range(lists.SEARCHES_KEPT):
        search_token(client, "test_list", f"B{n}")
    assert len(client.session[lists.search_key(test_list)]) == lists.SEARCHES_KEPT
    assert oldest not in client.session[lists.search_key(test_list)]
    assert len(rows(client.get(reverse("test_list"), {"search": oldest}))) > 3  # unsearched


# --- keyset pages --------------------------------------------------------------------------------


def test_pages_follow_each_other_and_back_without_gaps_or_repeats(client, staff_user, many, test_list):
    client.force_login(staff_user)
    url = reverse("test_list")
    pages = walk(client, url)
    assert [len(p) for p in pages] == [5, 5, 4]
    numbers = [n for p in pages for n in p]
    assert len(set(numbers)) == 14

    # 末页 shows the last full page; 上一页 from there walks back over every row to the first page.
    first = client.get(url).context["page"]
    response = client.get(url, {"cursor": first.last_cursor})
    assert rows(response) == numbers[-5:] and not response.context["page"].has_next
    seen = []
    while True:
        seen = rows(response) + seen
        page = response.context["page"]
        if not page.has_previous:
            break
        response = client.get(url, {"cursor": page.previous_cursor})
    assert response.context["page"].number == 1 and rows(response) == pages[0]
    assert set(seen) == set(numbers)


def test_only_the_last_page_is_called_the_last(client, staff_user, many, test_list):
    # Pages reached back from 末页 carry no number; the one before the last is not 末页.
    client.force_login(staff_user)
    url = reverse("test_list")
    last = client.get(url, {"cursor": client.get(url).context["page"].last_cursor})
    assert '<span class="page-link">末页</span>' in last.content.decode()
    before = client.get(url, {"cursor": last.context["page"].previous_cursor})
    page = before.context["page"]
    assert page.number is None and page.has_next
    body = before.content.decode()
    assert '<span class="page-link">末页</span>' not in body and 'rel="next"' in body


def test_a_lists_filter_choices_are_read_by_one_plain_query_each(client, staff_user, tree, many, monkeypatch):
    """Not through QuerySet.iterator(): on PostgreSQL that is a server-side cursor (DECLARE,
    FETCH, CLOSE) per select on every page."""

    def no_iterator(self, *args, **kwargs):
        raise AssertionError(f"{self.model.__name__} choices read through iterator()")

    monkeypatch.setattr(QuerySet, "iterator", no_iterator)
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("residents:household_list")).content.decode()
    assert f'<option value="{tree.grid2.pk}">二网格</option>' in body
    sql = [q["sql"] for q in queries.captured_queries]
    # The 网格 choices (in the tree's order: unlike the profile's unit) once, the 楼栋 once.
    assert len([q for q in sql if q.startswith('SELECT "grid_orgunit"."id"') and "ORDER BY" in q]) == 1
    assert len([q for q in sql if 'FROM "grid_building"' in q]) == 1
    assert not any(q.lstrip().upper().startswith("DECLARE") for q in sql)


def test_a_filter_outside_ones_scope_is_said_to_be_ignored(client, staff_user, many, tree):
    # On a phone the filters are folded away; a refused one opens them and says so.
    client.force_login(staff_user)
    url = reverse("residents:household_list")
    body = client.get(url, {"grid": tree.other_grid.pk}).content.decode()
    assert "“网格”筛选条件无效" in body and 'class="collapse d-md-block show"' in body
    assert "筛选条件无效" not in client.get(url, {"grid": tree.grid.pk}).content.decode()


def test_the_ledgers_lists_page_the_same_rows_as_their_full_order(client, staff_user, tree, many):
    for household in many[:7]:
        ResidentFactory(household=household, ethnicity=ethnicity("回族"))
        ResidentFactory(household=household)
    client.force_login(staff_user)
    url = reverse("residents:resident_list")
    expected = list(
        RESIDENTS.rows(staff_user, {"ethnicity": "minority"})
        .order_by(*RESIDENTS.order)
        .values_list("name", flat=True)
    )
    got, response = [], client.get(url, {"ethnicity": "minority"})
    while True:
        got += [r.name for r in response.context["page"].object_list]
        page = response.context["page"]
        if not page.has_next:
            break
        response = client.get(url, {"ethnicity": "minority", "cursor": page.next_cursor})
    assert got == expected and len(got) == 7


def test_no_page_runs_a_count_and_the_count_stops_at_the_cap(client, staff_user, many, test_list):
    client.force_login(staff_user)
    url = reverse("test_list")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url)
        second = client.get(url, {"cursor": first.context["page"].next_cursor})
        client.get(url, {"cursor": first.context["page"].last_cursor})
    sqls = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sqls and "OFFSET" not in sqls
    # The first page read 9 ids (the cap of 8, and one more); its cursors carry the count on.
    assert "超过 8 户" in first.content.decode() and "超过 8 户" in second.content.decode()


def test_a_list_that_fits_on_one_page_is_counted_without_a_count_query(client, staff_user, many, test_list):
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("test_list"), {"kind": "rental"})
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "共 3 户" in response.content.decode()


def test_the_count_is_exact_up_to_the_cap(client, staff_user, many, test_list, settings):
    lists.register(make_spec(count_cap=50))
    client.force_login(staff_user)
    first = client.get(reverse("test_list"))
    assert "共 14 户" in first.content.decode()
    second = client.get(reverse("test_list"), {"cursor": first.context["page"].next_cursor})
    assert "共 14 户" in second.content.decode() and second.context["page"].number == 2


def test_the_household_lists_member_counts_are_computed_for_the_pages_rows_only(client, staff_user, many):
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("residents:household_list"))
    with_counts = [q["sql"] for q in queries.captured_queries if '"member_count"' in q["sql"]]
    assert len(with_counts) == 1 and '"residents_household"."id" IN (' in with_counts[0]


@pytest.mark.parametrize(
    "cursor",
    [
        "junk",
        signing.dumps(["a", 1, 2, 9], salt="another salt"),
        signing.dumps(["a", 10**9, 2, 9], salt=f"core.lists.cursor:{lists_urls.KEY}"),
        signing.dumps(["x", "1", "y", None], salt=f"core.lists.cursor:{lists_urls.KEY}"),
        signing.dumps(["a", "1"], salt=f"core.lists.cursor:{lists_urls.KEY}"),
    ],
    # Signed values carry a timestamp: ids of their own keep the collection the same in
    # every xdist process.
    ids=["junk", "other-salt", "gone-row", "bad-shape", "too-short"],
)
def test_a_tampered_or_stale_cursor_shows_the_first_page(client, staff_user, many, test_list, cursor):
    client.force_login(staff_user)
    first = rows(client.get(reverse("test_list")))
    response = client.get(reverse("test_list"), {"cursor": cursor})
    assert rows(response) == first and response.context["page"].number == 1


def test_a_cursor_from_one_list_is_refused_by_another(client, staff_user, many, test_list):
    client.force_login(staff_user)
    other = lists.make_cursor(HOUSEHOLDS, "a", many[0].pk, 2)
    assert rows(client.get(reverse("test_list"), {"cursor": other})) == rows(client.get(reverse("test_list")))


def test_a_cursor_names_a_row_id_and_nothing_of_the_row(client, staff_user, many, test_list):
    client.force_login(staff_user)
    page = client.get(reverse("test_list")).context["page"]
    direction, pk, number, counted = signing.loads(
        page.next_cursor, salt=f"core.lists.cursor:{lists_urls.KEY}"
    )
    assert (direction, number, counted) == ("a", 2, 9) and Household.objects.get(
        pk=pk
    ).number == page.object_list[-1].number
    assert page.object_list[-1].number not in page.next_cursor


# --- exports -------------------------------------------------------------------------------------


def test_a_registered_lists_export_masks_personal_columns_unless_asked_and_allowed(
    client, staff_user, leader, many, test_list
):
    client.force_login(staff_user)
    masked = sheet(client.get(reverse("test_list_export"), {"kind": "rental"}))
    assert masked == [
        ["户号", "电话"],
        ["A08", "138****5678"],
        ["A04", "138****5678"],
        ["A00", "138****5678"],
    ]
    url = reverse("test_list_export") + "?kind=rental"
    full = sheet(client.post(url, {"unmasked": "1", "reason": "核对出租户联系方式"}))
    assert [row[1] for row in full[1:]] == ["13812345678"] * 3
    assert client.get(reverse("test_list_export"), {"unmasked": "1"}).status_code == 403  # not by a link
    client.force_login(leader)  # may read the list, not whole phone numbers
    assert client.post(url, {"unmasked": "1", "reason": "核对出租户联系方式"}).status_code == 403
    assert sheet(client.get(reverse("test_list_export")))[1][1] == "138****5678"


def test_a_large_export_of_a_registered_list_becomes_a_job_for_its_requester(
    client, staff_user, many, test_list, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(staff_user)
    token = search_token(client, "test_list", "B")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(reverse("test_list_export"), {"search": token})
    job = ExportJob.objects.get()
    assert len(callbacks) == 1 and response["Location"] == reverse("core:export_detail", args=[job.pk])
    assert (job.list_key, job.params, job.full, job.scope_unit) == (
        test_list.key,
        {"q": "B"},
        False,
        staff_user.profile.org_unit,
    )
    export_job_run(export_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 2)
    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert sheet(download)[1:] == [["B01", "138****5678"], ["B00", "138****5678"]]
    assert "测试户表-" in download["Content-Disposition"] or "filename*" in download["Content-Disposition"]


def test_my_exports_is_one_page_for_every_lists_exports_of_the_requester_only(
    client, staff_user, tree, many, test_list
):
    mine = [
        export_job_create(user=staff_user, list_key=test_list.key, params={"kind": "rental"}, full=False),
        export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False),
    ]
    colleague = make_person(role=Role.STAFF, unit=tree.community, username="colleague")
    theirs = export_job_create(user=colleague, list_key=RESIDENTS.key, params={}, full=False)
    client.force_login(staff_user)
    response = client.get(reverse("core:export_list"))
    assert response.status_code == 200
    assert set(response.context["page"]) == set(mine)
    body = response.content.decode()
    assert "测试户表" in body and "户台账" in body and "户别：出租户" in body
    assert reverse("core:export_detail", args=[theirs.pk]) not in body
    for name in ("export_detail", "export_progress", "export_download"):
        assert client.get(reverse(f"core:{name}", args=[theirs.pk])).status_code == 404


def test_a_job_whose_list_is_no_longer_registered_fails_cleanly(staff_user, many, test_list):
    job = export_job_create(user=staff_user, list_key=test_list.key, params={}, full=False)
    lists.unregister(test_list.key)
    job = export_job_run(export_id=job.pk)
    assert (job.status, job.file.name) == (ExportStatus.FAILED, "")


def test_the_old_export_urls_lead_to_my_exports(client, staff_user, ledger_job):
    client.force_login(staff_user)
    for name in ("export_detail", "export_progress", "export_download"):
        response = client.get(reverse(f"residents:{name}", args=[ledger_job.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse(f"core:{name}", args=[ledger_job.pk])
    assert client.get(reverse("residents:export_list"))["Location"] == reverse("core:export_list")


def test_the_ledgers_old_task_name_still_builds_an_export(staff_user, ledger_job):
    from residents.tasks import run_ledger_export

    run_ledger_export.apply(args=[ledger_job.pk])
    ledger_job.refresh_from_db()
    assert ledger_job.status == ExportStatus.DONE


@pytest.fixture
def ledger_job(staff_user, many):
    return export_job_create(user=staff_user, list_key=HOUSEHOLDS.key, params={}, full=False)
