"""数据看板 (reports.dashboard, reports.dashboard_views): its figures are the ledger's and the
report's, its change against the period before, its cache, its scope and its period picker.

The ledger, in 变电所社区 (一网格 and 二网格) and 北苑社区:
    H1 一网格: 张 汉族 户主; 马 回族 流动; 李 汉族
    H2 二网格: 阿依 维吾尔族 流动; 王 汉族 — 王 moves out on 2025-06-10
    H3 北苑一网格: 巴特尔 蒙古族
So 变电所社区 has 5 residents on 2025-05-31 and 4 on 2025-06-30 (2 minority, 2 floating).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import reporting
from core.periods import Period
from grid.models import OrgLevel, Role
from reports.actions import report_generate
from reports.dashboard import FigureChange, dashboard_data, headline
from reports.dashboard_views import default_period
from reports.models import Trigger
from residents import actions as resident_actions
from residents.models import LedgerStatus, ResidenceStatus, Resident
from residents.queries import ledger_figures
from tests.factories import OrgUnitFactory, make_person
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity

JUNE = Period.month(2025, 6)
MAY = Period.month(2025, 5)
URL = reverse("reports:dashboard")


# Each test starts with the cached figures stale (tests/conftest.py): never cache.clear(),
# which on Redis empties the database the other test processes use too.


@pytest.fixture
def ledger(tree):
    h1 = HouseholdFactory(grid=tree.grid)
    h2 = HouseholdFactory(grid=tree.grid2)
    h3 = HouseholdFactory(grid=tree.other_grid)
    floating = {"residence_status": ResidenceStatus.FLOATING}
    ResidentFactory(household=h1, name="张")
    ResidentFactory(household=h1, name="马", ethnicity=ethnicity("回族"), relation="spouse", **floating)
    ResidentFactory(household=h1, name="李", relation="child")
    ResidentFactory(household=h2, name="阿依", ethnicity=ethnicity("维吾尔族"), **floating)
    ResidentFactory(
        household=h2,
        name="王",
        relation="spouse",
        status=LedgerStatus.MOVED_OUT,
        status_date=dt.date(2025, 6, 10),
    )
    ResidentFactory(household=h3, name="巴特尔", ethnicity=ethnicity("蒙古族"))
    return tree


def values(data) -> dict:
    return {figure.key: figure.value for figure in data.figures}


def chart(data, key: str) -> dict:
    return next(item for item in data.charts if item["key"] == key)


# --- the figures ------------------------------------------------------------------------------


def test_the_headline_is_the_ledger_s_figures(ledger):
    figures = ledger_figures(ledger.community, JUNE.end)
    assert values(dashboard_data(ledger.community, JUNE)) == {
        "households": figures.households,
        "residents": figures.residents,
        "minority_residents": figures.minority_residents,
        "minority_percent": figures.minority_percent,
        "ethnicity_count": figures.ethnicity_count,
        "floating_residents": figures.floating_residents,
    }
    assert (figures.households, figures.residents, figures.minority_residents) == (2, 4, 2)


def test_the_dashboard_and_the_report_of_the_period_agree(ledger, staff_user):
    for unit in (ledger.community, ledger.street, ledger.district):
        version = report_generate(unit=unit, period=JUNE, trigger=Trigger.USER, by=staff_user).version
        basic = reporting.Section.from_json(next(s for s in version.sections if s["key"] == "basic"))
        shown = {key: str(value) for key, value in values(dashboard_data(unit, JUNE)).items()}
        assert shown == {figure.key: str(figure.value) for figure in basic.headline}
        assert shown["residents"] == str(version.figures["basic"]["residents"])


def test_each_headline_builder_gives_its_section_s_headline(ledger, django_user_model):
    # The dashboard reads a section's headline builder instead of the section: the two must
    # agree for every unit, an empty one (no section, no headline) and an unplaced one too.
    empty = OrgUnitFactory(parent=ledger.community, code="D01S01C01G09", name="空网格")
    lone = OrgUnitFactory(level=OrgLevel.DISTRICT, code="D09", name="空区")
    units = (ledger.district, ledger.street, ledger.community, ledger.grid, empty, lone)
    checked = 0
    for spec in reporting.sections():
        alone = reporting.headline_builder(spec.key)
        if alone is None:
            continue
        for unit in units:
            for period in (JUNE, MAY):
                section = spec.build(unit, period)
                expected = None if section is None or section.is_empty else section.headline
                assert alone(unit, period) == expected, (spec.key, unit.code, period.key)
                checked += 1
    assert checked >= 12  # 基本情况 registers one


def _ledger_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if '"residents_resident"' in q["sql"]]


def test_each_day_s_ledger_is_read_in_three_grouped_passes(ledger):
    with CaptureQueriesContext(connection) as queries:
        dashboard_data(ledger.street, JUNE)
    reads = _ledger_reads(queries)
    # This period's day and the period before's: by grid (the totals, the special groups
    # and the ages), by grid and 民族, and those gone by then (by grid, status and 去向); the
    # section, the charts, the drill-down and the period's leavings add up those grids' counts.
    for day in (JUNE.end.isoformat(), MAY.end.isoformat()):
        assert len([sql for sql in reads if day in sql]) == 3
    assert len(reads) == 6 and all("GROUP BY" in sql for sql in reads)


def test_a_report_s_basic_section_reads_its_day_s_ledger_once(ledger):
    from residents.report import basic_section

    with CaptureQueriesContext(connection) as queries:
        section = basic_section(ledger.street, JUNE)
    passes = [sql for sql in _ledger_reads(queries) if "COUNT(DISTINCT" in sql]
    # Its last day's, totals and ages in one aggregate; and the day before it began (for
    # the period's leavings, which are those gone by its end less those gone before it).
    assert [JUNE.end.isoformat() in sql for sql in passes] == [True, False]
    assert all("birth_date" in sql for sql in passes)
    assert section.figures["residents"] == 4
    assert sum(n for _, n in section.figures["age_groups"]) == 4


def test_after_a_write_elsewhere_a_cold_dashboard_reads_no_ledger(ledger):
    dashboard_data(ledger.district, JUNE)
    reporting.figures_changed()  # a case registered, a role given: every payload is stale

    with CaptureQueriesContext(connection) as queries:
        again = dashboard_data(ledger.district, JUNE)

    assert _ledger_reads(queries) == []
    assert values(again)["residents"] == 5


def test_a_write_to_the_ledger_recounts_only_its_grid(ledger, staff_user):
    dashboard_data(ledger.district, JUNE)
    resident = Resident.objects.get(name="张")
    resident_actions.resident_update(by=staff_user, resident=resident, name="张三")

    with CaptureQueriesContext(connection) as queries:
        dashboard_data(ledger.district, JUNE)

    reads = _ledger_reads(queries)
    assert len(reads) == 6  # three passes a day, over one grid's households
    assert all(f"IN ({resident.household.grid_id})" in sql for sql in reads)


def test_the_change_against_the_previous_period(ledger):
    data = dashboard_data(ledger.community, JUNE)
    assert data.previous_key == "2025-05"
    by_key = {figure.key: figure for figure in data.figures}
    residents = by_key["residents"]
    assert (residents.value, residents.previous, residents.delta) == (4, 5, -1)
    assert residents.change_text == "较上期 -1（-20.0%）"
    assert residents.direction == "down"
    # 2 minority of 5, then of 4: 40.0% → 50.0%, ten percentage points.
    assert by_key["minority_percent"].change_text == "较上期 +10.0个百分点"
    assert by_key["households"].change_text == "较上期持平"


def test_a_change_is_said_as_a_leader_reads_it():
    assert FigureChange("residents", "居民", 512, "人", 500).change_text == "较上期 +12（+2.4%）"
    assert FigureChange("residents", "居民", 12, "人", 0).change_text == "较上期 +12"
    assert FigureChange("residents", "居民", 12, "人", None).change_text == ""
    assert FigureChange("p", "占比", Decimal("25.8"), "%", "26.1").change_text == "较上期 -0.3个百分点"


def test_the_charts_are_the_ledger_s(ledger):
    data = dashboard_data(ledger.street, JUNE)
    assert [item["key"] for item in data.charts] == [
        "ethnicity",
        "minority_by_child",
        "age_pyramid",
        "floating_by_child",
    ]
    pie = chart(data, "ethnicity")
    assert dict(zip(pie["categories"], pie["series"][0]["values"], strict=True)) == {
        "汉族": 2,
        "回族": 1,
        "维吾尔族": 1,
    }
    by_child = chart(data, "minority_by_child")
    assert by_child["categories"] == ["变电所社区"]
    assert by_child["links"] == [str(ledger.community.pk)]
    assert by_child["table"]["rows"] == [["变电所社区", 4, 2, "50.0%"]]
    pyramid = chart(data, "age_pyramid")
    men, women = pyramid["series"]
    assert sum(men["values"]) + sum(women["values"]) == 4
    assert sum(row[3] for row in pyramid["table"]["rows"]) == 4


def test_the_pie_names_eight_and_adds_up_the_rest(tree):
    home = HouseholdFactory(grid=tree.grid)
    names = ["汉族", "回族", "维吾尔族", "蒙古族", "藏族", "满族", "壮族", "苗族", "彝族", "朝鲜族"]
    for count, name in enumerate(names):
        for _ in range(len(names) - count):
            ResidentFactory(household=home, ethnicity=ethnicity(name), relation="other")
    pie = chart(dashboard_data(tree.community, JUNE), "ethnicity")
    assert pie["categories"] == [*names[:8], "其他"]
    assert pie["series"][0]["values"][-1] == 2 + 1
    assert len(pie["table"]["rows"]) == 10


def test_a_grid_has_no_child_charts_and_an_empty_unit_no_charts(ledger):
    keys = [item["key"] for item in dashboard_data(ledger.grid, JUNE).charts]
    assert keys == ["ethnicity", "age_pyramid"]
    empty = OrgUnitFactory(parent=ledger.community, code="D01S01C01G09", name="空网格")
    data = dashboard_data(empty, JUNE)
    assert data.charts == []
    # 一、基本情况 still speaks of a grid with no one in it (it is a grid): its figures are 0.
    assert {figure.value for figure in data.figures} == {0}


# --- the cache --------------------------------------------------------------------------------


def test_a_warm_dashboard_runs_no_aggregate(ledger):
    dashboard_data(ledger.community, JUNE)
    with CaptureQueriesContext(connection) as queries:
        dashboard_data(ledger.community, JUNE)
    assert len(queries) == 0


def test_a_write_through_an_action_makes_the_cache_stale(ledger, staff_user):
    day = timezone.localdate() - dt.timedelta(days=1)
    period = Period(day, day)
    before = values(dashboard_data(ledger.community, period))["residents"]
    resident = Resident.objects.get(name="张")
    resident_actions.resident_leave(
        by=staff_user,
        resident=resident,
        status="moved_out",
        departure="within_district",
        on=day,
        new_head=resident.household.residents.active().exclude(pk=resident.pk).first(),
    )
    assert values(dashboard_data(ledger.community, period))["residents"] == before - 1


def test_without_its_cache_the_dashboard_is_computed_afresh(ledger):
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1",
        }
    }
    with override_settings(CACHES=down):
        assert values(dashboard_data(ledger.community, JUNE))["residents"] == 4


def test_the_headline_of_a_period_is_cached_on_its_own(ledger):
    headline(ledger.community, MAY)
    with CaptureQueriesContext(connection) as queries:
        headline(ledger.community, MAY)
    assert len(queries) == 0


# --- the page ---------------------------------------------------------------------------------


def figure(content: str, key: str) -> str:
    return re.search(rf'data-figure="{key}">([^<]+)<', content).group(1)


def test_the_page_opens_on_the_reader_s_own_unit_and_the_current_month(client, ledger, leader):
    client.force_login(leader)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "清河街道数据看板" in content
    assert f'data-period="{default_period().key}"' in content
    assert figure(content, "residents") == "4"


def test_the_page_shows_the_period_s_figures_and_charts(client, ledger, leader):
    client.force_login(leader)
    response = client.get(URL, {"unit": ledger.community.pk, "period": JUNE.key})
    content = response.content.decode()
    assert figure(content, "residents") == "4"
    assert "较上期 -1（-20.0%）" in content
    for key in ("ethnicity", "age_pyramid", "minority_by_child", "floating_by_child"):
        assert f'id="chart-data-{key}" type="application/json"' in content
    # The accessible table beside each chart; the child units as links.
    assert "<caption" in content and '<th scope="col">民族</th>' in content
    grid_url = f"{URL}?unit={ledger.grid.pk}&amp;period={JUNE.key}"
    assert grid_url in content
    assert "/static/vendor/echarts/echarts.min.js" in content


def test_a_unit_is_named_by_its_code_too(client, ledger, leader):
    client.force_login(leader)
    response = client.get(URL, {"unit": ledger.community.code, "period": JUNE.key})
    assert "变电所社区数据看板" in response.content.decode()


def test_the_breadcrumbs_go_up_to_the_reader_s_own_unit_and_no_further(client, ledger, leader):
    client.force_login(leader)
    content = client.get(URL, {"unit": ledger.grid.pk}).content.decode()
    crumbs = content[content.index('class="breadcrumb"') : content.index("</ol>")]
    assert "清河街道" in crumbs and "变电所社区" in crumbs and "一网格" in crumbs
    assert "福安区" not in crumbs


def test_another_community_s_dashboard_is_not_found(client, ledger):
    community_leader = make_person(role=Role.LEADER, unit=ledger.community, username="c_leader")
    client.force_login(community_leader)
    assert client.get(URL, {"unit": ledger.other_community.pk}).status_code == 404
    assert client.get(URL, {"unit": ledger.other_community.code}).status_code == 404
    assert client.get(URL, {"unit": ledger.street.pk}).status_code == 404
    assert client.get(URL, {"unit": ledger.grid.pk}).status_code == 200


def test_a_sibling_community_is_not_found(client, ledger, staff_user):
    sibling = OrgUnitFactory(
        parent=ledger.street, code="D01S01C02", name="南苑社区", level=OrgLevel.COMMUNITY
    )
    client.force_login(staff_user)
    assert client.get(URL, {"unit": sibling.pk}).status_code == 404
    assert client.get(URL, {"unit": "no-such-code"}).status_code == 404
    assert client.get(URL, {"unit": "9" * 40}).status_code == 404


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.MEDIATOR, Role.WINDOW_CLERK, Role.AUDITOR])
def test_other_roles_are_refused(client, ledger, persona, role):
    client.force_login(persona(role))
    assert client.get(URL).status_code == 403


def test_the_menu_offers_the_dashboard_to_its_readers(client, ledger, leader, grid_worker):
    client.force_login(leader)
    assert "数据看板" in client.get(reverse("home")).content.decode()
    client.force_login(grid_worker)
    assert "数据看板" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2025-13"}, "报告期格式不正确"),
        ({"period": "1850"}, "报告期须在 1900—2099 年之间"),
        ({"kind": "month", "month": ""}, "请选择月份。"),
        ({"kind": "month", "month": "2025-1x"}, "报告期格式不正确"),
        ({"kind": "quarter", "year": "2025"}, "请选择季度。"),
        ({"kind": "year", "year": "abc"}, "整数"),
        ({"kind": "range", "start": "2025-06-10", "end": "2025-06-01"}, "起始日期不能晚于结束日期。"),
        ({"kind": "range", "start": "2025-02-30", "end": "2025-06-01"}, "有效"),
        ({"kind": "nonsense"}, "选择一个有效的选项"),
    ],
)
def test_a_bad_period_is_told_in_chinese(client, ledger, leader, params, message):
    client.force_login(leader)
    response = client.get(URL, params)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'role="alert"' in content


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"kind": "month", "month": "2025-06"}, "2025-06"),
        ({"kind": "quarter", "year": "2025", "quarter": "2"}, "2025-Q2"),
        ({"kind": "year", "year": "2024", "month": "junk"}, "2024"),
        ({"kind": "range", "start": "2025-01-05", "end": "2025-02-10"}, "2025-01-05~2025-02-10"),
    ],
)
def test_the_picker_leads_to_the_period_s_key(client, ledger, leader, params, key):
    client.force_login(leader)
    response = client.get(URL, {"unit": ledger.community.pk, **params})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?unit={ledger.community.pk}&period={key}"
    assert client.get(response["Location"]).status_code == 200


def test_a_superuser_starts_at_the_root(client, ledger, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-pass-1234")
    client.force_login(root)
    assert "福安区数据看板" in client.get(URL).content.decode()
