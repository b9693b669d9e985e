"""Who may open what, in whose scope: one role × page × scope table for every app's pages.

Every URL pattern the resolver knows is either in ``PAGES`` or in ``EXEMPT`` with the
reason; ``test_every_url_pattern_is_in_the_table`` fails on a pattern that is in neither,
so no new view escapes these checks. For each page:

- anonymous → the login page (nothing looked up);
- a role outside ``roles`` → 403, before anything is looked up;
- a role in ``roles``, its record outside the reader's scope → 404, by GET and by POST with
  real form data, and the database exactly as before (every row of every app's tables);
- a role in ``roles``, its record in scope → ``ok`` (200 unless said).

Out of scope is a second district (``far``) that no persona's unit covers, the district
admin's included. A new app adds its pages here, its records to ``World``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.models import ExportJob, ExportStatus
from core.periods import Period
from grid.models import OrgLevel, OrgUnit, PlaceKind, Role
from reports.models import ReportRun, ReportVersion, RunStatus, SummaryReport, Trigger
from residents.models import ImportStatus, LedgerImport
from services import actions as service_actions
from tests.factories import (
    BuildingFactory,
    OrgUnitFactory,
    PlaceFactory,
    Tree,
    UnitFactory,
    build_tree,
    make_person,
)
from tests.factories_activities import make_activity, make_photo, make_service, make_team, photo_upload
from tests.factories_activities_visits import make_decision, make_honour, make_meeting, make_visit
from tests.factories_mediation import (
    make_case,
    make_clinic,
    scan_file,
    settled_with_agreement,
)
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity, make_id_number
from tests.factories_services import make_assistance, make_matter, make_ticket, make_window
from tests.module_data import rolled_back_after

ALL = frozenset(Role)
# Everyone but the 审计员, who reads the audit log and nothing else (三员分立).
WORKING = ALL - {Role.AUDITOR}
AUDITORS = frozenset({Role.AUDITOR})
EDITORS = frozenset({Role.ADMIN, Role.STAFF})
LEDGER_WRITERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER})
IMPORTERS = frozenset({Role.ADMIN})
REPORT_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.LEADER})
REPORT_WRITERS = frozenset({Role.STAFF})
REPORT_GENERATORS = frozenset({Role.ADMIN, Role.STAFF})
REPORT_RETURNERS = frozenset({Role.LEADER})
UNLOCKERS = frozenset({Role.ADMIN})
# Apps whose tables must be untouched by a refused request (axes: the sign-in attempts).
APPS = ("core", "grid", "residents", "mediation", "services", "activities", "reports", "axes")
CASE_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.MEDIATOR, Role.LEADER})
CASE_REPORTERS = frozenset({Role.STAFF, Role.GRID_WORKER, Role.MEDIATOR})
CASE_WORKERS = frozenset({Role.STAFF, Role.MEDIATOR})
CASE_REOPENERS = frozenset({Role.STAFF})
CLINIC_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.MEDIATOR, Role.LEADER})
CLINIC_WRITERS = frozenset({Role.STAFF, Role.MEDIATOR})
ESCALATION_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.MEDIATOR, Role.LEADER})
TICKET_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.WINDOW_CLERK, Role.LEADER})
TICKET_REPORTERS = frozenset({Role.STAFF, Role.GRID_WORKER, Role.WINDOW_CLERK})
TICKET_WORKERS = frozenset({Role.STAFF, Role.WINDOW_CLERK})
HELP_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.LEADER})
HELP_REPORTERS = frozenset({Role.STAFF, Role.GRID_WORKER})
HELP_WORKERS = frozenset({Role.STAFF})
ACTIVITY_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.LEADER})
ACTIVITY_WRITERS = frozenset({Role.ADMIN, Role.STAFF})
ATTENDANCE_RECORDERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER})
VISIT_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.LEADER})
VISIT_WRITERS = frozenset({Role.ADMIN, Role.STAFF, Role.GRID_WORKER})
MEETING_READERS = frozenset({Role.ADMIN, Role.STAFF, Role.LEADER})
MEETING_WRITERS = frozenset({Role.ADMIN, Role.STAFF})


@dataclass
class World:
    """The records the pages are about, at four distances from the personas: ``near`` in
    every persona's scope (一网格 of 变电所社区); ``sibling`` in 二网格, outside the grid
    worker's; ``neighbour`` in 海州街道, outside everyone's but the district admin's;
    ``far`` in a second district, outside everyone's."""

    near: dict[str, Any] = field(default_factory=dict)
    sibling: dict[str, Any] = field(default_factory=dict)
    neighbour: dict[str, Any] = field(default_factory=dict)
    far: dict[str, Any] = field(default_factory=dict)


# Who is outside each distance's scope.
OUTSIDE = {
    "sibling": frozenset({Role.GRID_WORKER}),
    "neighbour": ALL - {Role.ADMIN},
    "far": ALL,
}


def _locked_account(grid, number: str):
    """A grid worker of ``grid`` locked out of signing in from one address (账号解锁's record)."""
    account = make_person(role=Role.GRID_WORKER, unit=grid, username=f"locked_{number}")
    AccessAttempt.objects.create(
        username=account.username,
        ip_address="10.9.9.9",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    return account


@dataclass(frozen=True)
class Pair:
    """Two records a URL names together (疑似重复登记's first-second)."""

    pk: tuple[int, int]


def _possible_duplicate(grid, resident, number: str) -> Pair:
    """The resident registered a second time, in another household of the grid, with an old number."""
    twin = ResidentFactory(
        household=HouseholdFactory(grid=grid, number=f"{number}9"),
        name=resident.name,
        relation="head",
        id_number=make_id_number(birth_date=resident.birth_date, gender=resident.gender, region="110102"),
    )
    return Pair((resident.pk, twin.pk))


def _records(grid, *, building, unit, place, number: str, name: str) -> dict[str, Any]:
    home = HouseholdFactory(grid=grid, number=number, building=building, unit=unit)
    resident = ResidentFactory(household=home, name=name, relation="head")
    return {
        "pair": _possible_duplicate(grid, resident, number),
        "grid": grid,
        "building": building,
        "unit": unit,
        "place": place,
        "household": home,
        "resident": resident,
        "account": _locked_account(grid, number),
        # A dispute in the grid, registered with the resident as its applicant.
        "case": make_case(grid, resident=resident, title=f"{name}邻里纠纷"),
        # A legal-clinic sitting of the grid's community, held in the grid.
        "clinic": make_clinic(OrgUnit.objects.get_parent(grid), grid=grid),
        # A settled dispute with its signed agreement and the follow-up visits it scheduled.
        **settled_with_agreement(grid, resident=resident, title=f"{name}赔偿纠纷"),
        # A grid report (网格上报) about the resident, waiting to be accepted.
        "ticket": make_ticket(grid, channel="grid", resident=resident, subject=f"{name}反映楼道灯不亮"),
        # 就业援助 of the resident, identified and being helped; a 实事 of the grid, open.
        "assistance": make_assistance(resident, kind="employment", started=True),
        "matter": make_matter(grid, title=f"{name}楼道加装扶手"),
        # A festival visit to the household (走访慰问).
        "visit": make_visit(home, visited_on=dt.date(2026, 2, 10)),
        **_activities(grid, resident),
    }


def _activities(grid, resident) -> dict[str, Any]:
    """An activity of the grid that the resident attended, with a photo; a team of the grid
    with the resident as its 队长 and a volunteer service record waiting to be confirmed."""
    activity = make_activity(grid, residents=[resident])
    team = make_team(grid, leader=resident)
    return {
        "activity": activity,
        "attendance": activity.attendance.get(),
        "photo": make_photo(activity),
        "team": team,
        "membership": team.memberships.get(),
        "service": make_service(team, resident),
    }


def _community_records(community) -> dict[str, Any]:
    """A community's meeting with one decision, and an honour it received."""
    meeting = make_meeting(community, held_on=dt.date(2026, 3, 5))
    return {
        "meeting": meeting,
        "decision": make_decision(meeting, due_on=dt.date(2026, 4, 1)),
        "honour": make_honour(community),
    }


def _hall(community) -> dict[str, Any]:
    """A community's window with one number taken and called (the desk's current ticket)."""
    window = make_window(community, "A")
    called = service_actions.ticket_take_number(by=None, window=window)
    service_actions.window_call_next(by=None, window=window)
    return {"window": window, "called": called}


def _import(community, name: str) -> LedgerImport:
    return LedgerImport.objects.create(
        community=community,
        file_name=f"{name}.xlsx",
        sha256=name.encode().hex()[:64],
        status=ImportStatus.FAILED,
    )


def _report(community) -> dict[str, Any]:
    """A community's November report, its one (empty) version, and the run that wrote it."""
    period = Period.month(2026, 11)
    report = SummaryReport.objects.create(
        org_unit=community, period_kind=period.kind, period_start=period.start, period_end=period.end
    )
    ReportVersion.objects.create(report=report, number=1, trigger=Trigger.COMMAND)
    run = ReportRun.objects.create(
        org_unit=community,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        trigger=Trigger.COMMAND,
        status=RunStatus.DONE,
    )
    return {"report": report, "run": run}


@pytest.fixture(scope="module")
def _made(django_db_setup, django_db_blocker) -> Iterator[tuple[Tree, World]]:
    """The tree and the world, made once for the module and rolled back after it: a world is
    about a hundred records with a photo, and the table runs nearly three thousand tests.
    Tests use the records by their keys and never change the objects."""
    with rolled_back_after(django_db_blocker):
        tree = build_tree()
        yield tree, _world(tree)


@pytest.fixture
def tree(db, _made) -> Tree:
    return _made[0]


@pytest.fixture
def world(db, _made) -> World:
    return _made[1]


def _world(tree: Tree) -> World:
    district = OrgUnitFactory(level=OrgLevel.DISTRICT, code="D09", name="远郊区")
    street = OrgUnitFactory(parent=district, code="D09S01", name="远郊街道")
    community = OrgUnitFactory(parent=street, code="D09S01C01", name="远郊社区")
    far_grid = OrgUnitFactory(parent=community, code="D09S01C01G01", name="远郊一网格")
    far_building = BuildingFactory(grid=far_grid, number="5号楼")
    sibling_building = BuildingFactory(grid=tree.grid2, number="2号楼")
    return World(
        near={
            **_records(
                tree.grid,
                building=tree.building,
                unit=tree.unit,
                place=tree.place,
                number="0101",
                name="张三",
            ),
            "community": tree.community,
            "import": _import(tree.community, "变电所"),
            **_report(tree.community),
            **_hall(tree.community),
            **_community_records(tree.community),
        },
        sibling=_records(
            tree.grid2,
            building=sibling_building,
            unit=UnitFactory(building=sibling_building, number="1单元"),
            place=PlaceFactory(grid=tree.grid2, kind=PlaceKind.SCHOOL, name="二网格小学"),
            number="0201",
            name="李四",
        ),
        neighbour={
            **_records(
                tree.other_grid,
                building=tree.other_building,
                unit=tree.other_unit,
                place=tree.other_place,
                number="0801",
                name="赵六",
            ),
            "community": tree.other_community,
            "import": _import(tree.other_community, "北苑"),
            **_report(tree.other_community),
            **_hall(tree.other_community),
            **_community_records(tree.other_community),
        },
        far={
            **_records(
                far_grid,
                building=far_building,
                unit=UnitFactory(building=far_building, number="3单元"),
                place=PlaceFactory(grid=far_grid, kind=PlaceKind.SHOP, name="远郊超市"),
                number="0901",
                name="王五",
            ),
            "community": community,
            "import": _import(community, "远郊"),
            **_report(community),
            **_hall(community),
            **_community_records(community),
        },
    )


def own_export(user, *, status: str = ExportStatus.DONE) -> ExportJob:
    """A finished export of ``user``'s, with its file: 我的导出's pages are the requester's own."""
    # An export of a list the reader may export: the auditor's is of the audit log.
    key = "residents.households" if user.has_perm("residents.view_household") else "core.audit"
    job = ExportJob.objects.create(
        user=user,
        list_key=key,
        status=status,
        scope_unit=getattr(getattr(user, "profile", None), "org_unit", None),
    )
    job.file.save(f"access-{job.pk}.xlsx", ContentFile(b"PK"), save=True)
    return job


# --- the table ------------------------------------------------------------------------------


def _building(world: dict) -> dict:
    return {"number": "8号楼", "address": "幸福路8号", "head_name": "马德福", "head_phone": "13912345678"}


def _household(world: dict) -> dict:
    return {"grid": world["grid"].pk, "number": "7777", "kind": "registered", "room": "101"}


def _resident(world: dict) -> dict:
    return {
        "relation": "child",
        "name": "张小明",
        "id_number": make_id_number(birth_date=dt.date(2012, 3, 4), gender="1", serial=9),
        "ethnicity": ethnicity("汉族").pk,
        "residence_status": "registered_present",
        "political_status": "masses",
    }


def _case(world: dict) -> dict:
    return {
        "grid": world["grid"].pk,
        "title": "漏水纠纷",
        "category": "neighbour",
        "facts": "楼上漏水",
        "source": "grid",
        "risk": "ordinary",
        "reported_on": "2026-11-02",
        "applicant": world["resident"].pk,
        "respondent_name": "外来租户",
    }


def _session(world: dict) -> dict:
    return {
        "held_on": "2026-11-03",
        "place": "移动微调室",
        "notes": "双方到场",
        "parties": [world["case"].parties.get().pk],
    }


def _ticket(world: dict) -> dict:
    return {
        "channel": "hotline",
        "kind": "request",
        "unit": world["grid"].pk,
        "resident": world["resident"].pk,
        "subject": "路灯不亮",
        "received_on": "2026-11-02",
    }


def _assistance(world: dict) -> dict:
    return {
        "kind": "temporary",
        "resident": world["resident"].pk,
        "started_on": "2026-11-02",
        "measures": "发放临时救助金",
        "amount": "800",
    }


def _matter(world: dict) -> dict:
    return {
        "kind": "wish",
        "title": "为独居老人更换门锁",
        "unit": world["grid"].pk,
        "origin": "grid_worker",
        "raised_on": "2026-11-02",
        "owner": "社区居委会",
        "due_on": "2026-12-31",
    }


def _visit(world: dict) -> dict:
    return {"visited_on": "2026-11-03", "reason": "hardship", "visitor_names": "社区书记", "amount": "300"}


def _visit_by_member(world: dict) -> dict:
    return {**_visit(world), "resident": world["resident"].pk}


def _meeting(world: dict) -> dict:
    return {
        "community": OrgUnit.objects.get_parent(world["grid"]).pk,
        "kind": "unity",
        "held_on": "2026-11-03",
        "attendee_names": "社区书记、民警",
        "minutes": "研究走访慰问",
    }


def _decision(world: dict) -> dict:
    return {"content": "走访困难户", "owner_unit": "社区居委会", "due_on": "2026-12-31"}


def _honour(world: dict) -> dict:
    return {
        "community": OrgUnit.objects.get_parent(world["grid"]).pk,
        "recipient": "unit",
        "title": "民族团结进步先进单位",
        "level": "city",
        "awarded_by": "市政府",
        "awarded_on": "2026-05-20",
    }


def _clinic(world: dict) -> dict:
    return {
        "community": OrgUnit.objects.get_parent(world["grid"]).pk,
        "grid": world["grid"].pk,
        "mode": "daily",
        "held_on": "2026-11-03",
        "place": "社区法律诊所",
        "counsel_name": "马律师",
        "served": "5",
        "minority_served": "2",
        "topics": "婚姻家庭咨询",
    }


def _activity(world: dict) -> dict:
    return {
        "unit": world["grid"].pk,
        "title": "石榴花开·中秋联欢",
        "kind": "festival",
        "theme": "our_festivals",
        "starts_at": "2026-09-25T09:00",
        "ends_at": "2026-09-25T11:00",
        "place_text": "社区文化广场",
        "others": "3",
        "materials": "50",
        "slogans": "5",
        "boards": "2",
        "reached": "120",
    }


def _team(world: dict) -> dict:
    return {"unit": world["grid"].pk, "name": "红色老兵宣讲队", "kind": "publicity", "active": "on"}


def _service(world: dict) -> dict:
    return {
        "resident": world["resident"].pk,
        "served_on": "2026-06-20",
        "hours": "2.5",
        "content": "楼道清扫",
    }


def _agreement(world: dict) -> dict:
    return {
        "facts": "漏水",
        "disputes": "赔偿",
        "responsibilities": "楼上负责",
        "terms": "一、赔偿。",
        "performance_method": "现金",
        "performance_place": "调解室",
        "performance_deadline": "2026-04-30",
        "made_on": "2026-03-20",
    }


def _scan(world: dict) -> dict:
    return {"scan": scan_file(), "signed_on": "2026-03-21"}


def _followup(world: dict) -> dict:
    return {"visited_on": "2026-04-05", "performance": "broken", "note": "未赔偿"}


@dataclass(frozen=True)
class Page:
    name: str
    roles: frozenset[Role]
    # The key in World.near / World.far of the record the URL names; None: the URL names none.
    target: str | None = None
    method: str = "get"
    # A real form's data, posted to the out-of-scope record (and to a record-less form with
    # the out-of-scope record in it): refused, it must change nothing.
    data: Callable[[dict], dict] | None = None
    ok: int = 200
    # The URL names the reader's own record (我的导出), made per reader; others' are 404.
    own: bool = False
    # The record goes in the query string as this parameter (数据看板's ?unit=), not the path.
    param: str | None = None
    # The URL names two records (a possible duplicate's pair): its target's pk is a tuple.
    pair: bool = False

    def url(self, world: dict | None, user=None) -> str:
        if self.own:
            return reverse(self.name, args=[own_export(user).pk])
        if self.target is None:
            return reverse(self.name)
        return self.url_for(world[self.target].pk)

    def url_for(self, pk) -> str:
        if self.pair:
            return reverse(self.name, args=list(pk) if isinstance(pk, tuple) else [pk, pk + 1])
        if self.param:
            return f"{reverse(self.name)}?{self.param}={pk}"
        return reverse(self.name, args=[pk])


PAGES = [
    # reports
    Page("home", ALL),  # everyone signed in has a home page
    Page("reports:report_list", REPORT_READERS),
    # Generates the reader's own unit's report only: no record of another unit can be posted.
    Page("reports:report_generate", REPORT_GENERATORS, method="post", ok=302),
    Page("reports:report_detail", REPORT_READERS, "report"),
    Page("reports:report_paragraphs", REPORT_WRITERS, "report", data=lambda w: {"highlights": "亮点"}),
    Page("reports:report_submit", REPORT_WRITERS, "report", method="post", ok=302, data=lambda w: {}),
    Page("reports:report_return", REPORT_RETURNERS, "report", data=lambda w: {"reason": "数据有误，请核实"}),
    Page("reports:report_regenerate", REPORT_GENERATORS, "report", method="post", ok=302, data=lambda w: {}),
    Page("reports:run_progress", REPORT_READERS, "run"),
    Page("reports:report_docx", REPORT_READERS, "report"),
    Page("reports:report_xlsx", REPORT_READERS, "report"),
    Page("reports:report_print", REPORT_READERS, "report"),
    Page("reports:dashboard", REPORT_READERS, "community", param="unit"),
    # grid: the tree, its units, buildings, 单元 and places
    Page("grid:tree", WORKING),
    Page("grid:unit_detail", WORKING, "grid"),
    Page("grid:unit_edit", EDITORS, "grid", data=lambda w: {"name": "改名网格", "code": "X-CHANGED"}),
    Page("grid:unit_create", EDITORS, "community", data=lambda w: {"name": "新网格", "code": "X-NEW"}),
    Page("grid:building_create", EDITORS, "grid", data=_building),
    Page("grid:place_create", EDITORS, "grid", data=lambda w: {"kind": "shop", "name": "新商铺"}),
    Page("grid:building_detail", WORKING, "building"),
    Page("grid:building_edit", EDITORS, "building", data=_building),
    Page("grid:building_unit_create", EDITORS, "building", data=lambda w: {"number": "9单元"}),
    Page("grid:building_unit_detail", WORKING, "unit"),
    Page("grid:building_unit_edit", EDITORS, "unit", data=lambda w: {"number": "9单元"}),
    Page("grid:place_detail", WORKING, "place"),
    Page("grid:place_edit", EDITORS, "place", data=lambda w: {"kind": "shop", "name": "改名"}),
    # grid: 账号解锁, the 系统管理员's; an unlock names the account (a user) and goes back to the list.
    Page("grid:lockout_list", UNLOCKERS),
    Page("grid:lockout_unlock", UNLOCKERS, "account", method="post", ok=302, data=lambda w: {}),
    # residents: the ledger
    Page("residents:household_list", WORKING),
    Page("residents:resident_list", WORKING),
    Page("residents:household_export", WORKING),
    Page("residents:resident_export", WORKING),
    Page("residents:household_create", LEDGER_WRITERS, data=_household),
    Page("residents:household_detail", WORKING, "household"),
    Page("residents:household_edit", LEDGER_WRITERS, "household", data=_household),
    Page("residents:resident_create", LEDGER_WRITERS, "household", data=_resident),
    Page("residents:floating_create", LEDGER_WRITERS, "household", data=_resident),
    Page("residents:resident_detail", WORKING, "resident"),
    Page("residents:resident_edit", LEDGER_WRITERS, "resident", data=lambda w: {"name": "改名"}),
    Page("residents:resident_move", LEDGER_WRITERS, "resident", data=lambda w: {"number": "0101"}),
    Page(
        "residents:resident_leave",
        LEDGER_WRITERS,
        "resident",
        data=lambda w: {"status": "moved_out", "on": "2025-01-01", "departure": "other_city"},
    ),
    Page("residents:household_change_head", LEDGER_WRITERS, "household", data=lambda w: {"new_head": "1"}),
    Page("residents:resident_return", LEDGER_WRITERS, "resident", data=lambda w: {"number": "0101"}),
    Page("residents:resident_picker", WORKING, method="post", data=lambda w: {"q": w["resident"].name}),
    # residents: 疑似重复登记, reviewed by staff
    Page("residents:duplicate_list", EDITORS),
    Page("residents:duplicate_merge", EDITORS, "pair", pair=True, data=lambda w: {"keep": w["pair"].pk[0]}),
    Page(
        "residents:duplicate_dismiss", EDITORS, "pair", pair=True, data=lambda w: {"reason": "经核实为两人"}
    ),
    # residents: the Excel import (admins)
    Page("ledger_import:list", IMPORTERS),
    Page("ledger_import:new", IMPORTERS),
    Page("ledger_import:template", IMPORTERS),
    Page("ledger_import:detail", IMPORTERS, "import"),
    Page("ledger_import:progress", IMPORTERS, "import"),
    # A failed import has nothing to confirm and no error rows: back to its page.
    Page("ledger_import:commit", IMPORTERS, "import", method="post", ok=302, data=lambda w: {}),
    Page("ledger_import:retry", IMPORTERS, "import", method="post", ok=302, data=lambda w: {}),
    Page("ledger_import:error_rows", IMPORTERS, "import", ok=302),
    # mediation: cases, their steps and sessions
    Page("mediation:case_list", CASE_READERS),
    Page("mediation:case_create", CASE_REPORTERS, data=_case),
    Page("mediation:case_detail", CASE_READERS, "case"),
    Page("mediation:case_assign", CASE_WORKERS, "case", data=lambda w: {}),
    Page("mediation:session_create", CASE_WORKERS, "case", data=_session),
    Page("mediation:case_accept", CASE_WORKERS, "case", data=lambda w: {"note": "受理"}),
    Page("mediation:case_reject", CASE_WORKERS, "case", data=lambda w: {"reason": "不属于调解范围"}),
    Page("mediation:case_start", CASE_WORKERS, "case", data=lambda w: {"note": "开始"}),
    Page("mediation:case_succeed", CASE_WORKERS, "case", data=lambda w: {"note": "成功"}),
    Page("mediation:case_fail", CASE_WORKERS, "case", data=lambda w: {"reason": "分歧大"}),
    Page("mediation:case_refer", CASE_WORKERS, "case", data=lambda w: {"department": "court"}),
    Page("mediation:case_terminate", CASE_WORKERS, "case", data=lambda w: {"reason": "撤回"}),
    Page("mediation:case_extend", CASE_WORKERS, "case", data=lambda w: {"reason": "双方同意"}),
    Page("mediation:case_reopen", CASE_REOPENERS, "case", data=lambda w: {"reason": "协议未履行"}),
    Page("mediation:case_joint", CASE_WORKERS, "case", data=lambda w: {"departments": ["police", "justice"]}),
    # mediation: the legal clinic (法律诊所)
    Page("mediation:clinic_list", CLINIC_READERS),
    Page("mediation:clinic_create", CLINIC_WRITERS, data=_clinic),
    Page("mediation:clinic_detail", CLINIC_READERS, "clinic"),
    Page("mediation:clinic_update", CLINIC_WRITERS, "clinic", data=_clinic),
    # mediation: the agreement, its Word file and signed scan, the follow-up visits
    Page("mediation:agreement_edit", CASE_WORKERS, "settled", data=_agreement),
    Page("mediation:agreement_docx", CASE_WORKERS, "settled"),
    Page("mediation:agreement_scan", CASE_WORKERS, "settled", data=_scan),
    Page("mediation:agreement_scan_file", CASE_WORKERS, "settled"),
    Page("mediation:followups_due", CASE_READERS),
    Page("mediation:followup_record", CASE_WORKERS, "followup", data=_followup),
    # mediation: the case list's export and the daily list of escalations (预警案件)
    Page("mediation:case_export", CASE_READERS),
    Page("mediation:escalations", ESCALATION_READERS),
    # services: 帮扶 and 实事 / 微心愿, their steps
    Page("services:assistance_list", HELP_READERS),
    Page("services:assistance_create", HELP_REPORTERS, data=_assistance),
    Page("services:assistance_detail", HELP_READERS, "assistance"),
    Page("services:assistance_start", HELP_WORKERS, "assistance", data=lambda w: {"note": "开始"}),
    Page(
        "services:assistance_place",
        HELP_WORKERS,
        "assistance",
        data=lambda w: {"placement": "物业公司保洁岗", "on": "2026-11-20"},
    ),
    Page("services:assistance_complete", HELP_WORKERS, "assistance", data=lambda w: {"note": "完成"}),
    Page("services:assistance_end", HELP_WORKERS, "assistance", data=lambda w: {"reason": "迁出本区"}),
    Page("services:matter_list", HELP_READERS),
    Page("services:matter_create", HELP_REPORTERS, data=_matter),
    Page("services:matter_detail", HELP_READERS, "matter"),
    Page("services:matter_start", HELP_WORKERS, "matter", data=lambda w: {"note": "开始"}),
    Page(
        "services:matter_complete",
        HELP_WORKERS,
        "matter",
        data=lambda w: {"result": "已安装", "on": "2026-12-01"},
    ),
    Page("services:matter_cancel", HELP_WORKERS, "matter", data=lambda w: {"reason": "重复登记"}),
    Page(
        "services:matter_beneficiary", HELP_WORKERS, "matter", data=lambda w: {"resident": w["resident"].pk}
    ),
    # services: tickets, their steps, the clerk's desk
    Page("services:ticket_list", TICKET_READERS),
    Page("services:ticket_create", TICKET_REPORTERS, data=_ticket),
    Page("services:ticket_detail", TICKET_READERS, "ticket"),
    Page("services:ticket_accept", TICKET_WORKERS, "ticket", data=lambda w: {"note": "受理"}),
    Page("services:ticket_start", TICKET_WORKERS, "ticket", data=lambda w: {"note": "开始"}),
    Page("services:ticket_complete", TICKET_WORKERS, "ticket", data=lambda w: {"result": "已办结"}),
    Page("services:ticket_return", TICKET_WORKERS, "ticket", data=lambda w: {"reason": "材料不全"}),
    Page("services:ticket_refer", TICKET_WORKERS, "ticket", data=lambda w: {"department": "civil"}),
    Page("services:ticket_extend", TICKET_WORKERS, "ticket", data=lambda w: {"reason": "情况复杂"}),
    Page("services:ticket_rate", TICKET_WORKERS, "ticket", data=lambda w: {"satisfaction": "satisfied"}),
    Page(
        "services:desk_serve",
        TICKET_WORKERS,
        "called",
        data=lambda w: {"kind": "case", "applicant_name": "马大姐"},
    ),
    Page("services:desk", TICKET_WORKERS),
    Page("services:desk_window", TICKET_WORKERS, "window"),
    Page("services:desk_call", TICKET_WORKERS, "window", method="post", ok=302, data=lambda w: {}),
    Page("services:desk_take", TICKET_WORKERS, "window", method="post", ok=302, data=lambda w: {}),
    # activities: the list, the calendar, an activity and its attendance, photos
    Page("activities:activity_list", ACTIVITY_READERS),
    Page("activities:calendar", ACTIVITY_READERS),
    Page("activities:activity_create", ACTIVITY_WRITERS, data=_activity),
    Page("activities:activity_detail", ACTIVITY_READERS, "activity"),
    Page("activities:activity_update", ACTIVITY_WRITERS, "activity", data=_activity),
    Page(
        "activities:attend",
        ATTENDANCE_RECORDERS,
        "activity",
        method="post",
        ok=302,
        data=lambda w: {"resident": w["resident"].pk},
    ),
    Page(
        "activities:attend_building",
        ATTENDANCE_RECORDERS,
        "activity",
        data=lambda w: {"building": w["building"].pk, "residents": [w["resident"].pk]},
    ),
    Page("activities:unattend", ATTENDANCE_RECORDERS, "attendance", method="post", ok=302, data=lambda w: {}),
    Page(
        "activities:others",
        ATTENDANCE_RECORDERS,
        "activity",
        method="post",
        ok=302,
        data=lambda w: {"others": "7"},
    ),
    Page(
        "activities:photo_upload",
        ACTIVITY_WRITERS,
        "activity",
        data=lambda w: {"image": photo_upload(), "caption": "合影"},
    ),
    Page("activities:photo_image", ACTIVITY_READERS, "photo"),
    Page("activities:photo_thumbnail", ACTIVITY_READERS, "photo"),
    Page("activities:photo_delete", ACTIVITY_WRITERS, "photo", method="post", ok=302, data=lambda w: {}),
    # activities: teams, members and volunteer hours
    Page("activities:team_list", ACTIVITY_READERS),
    Page("activities:team_create", ACTIVITY_WRITERS, data=_team),
    Page("activities:team_detail", ACTIVITY_READERS, "team"),
    Page("activities:team_update", ACTIVITY_WRITERS, "team", data=_team),
    Page(
        "activities:member_add",
        ACTIVITY_WRITERS,
        "team",
        data=lambda w: {"resident": w["resident"].pk, "role": "member"},
    ),
    Page(
        "activities:member_remove", ACTIVITY_WRITERS, "membership", method="post", ok=302, data=lambda w: {}
    ),
    Page("activities:service_enter", ACTIVITY_WRITERS, "team", data=_service),
    Page("activities:service_confirm", ACTIVITY_WRITERS, "service", method="post", ok=302, data=lambda w: {}),
    Page("activities:service_return", ACTIVITY_WRITERS, "service", data=lambda w: {"reason": "时长有误"}),
    # activities: 走访慰问, a household's visits, the 困难户 nobody visited
    Page("activities:visit_list", VISIT_READERS),
    Page("activities:visit_create", VISIT_WRITERS, data=_visit_by_member),
    Page("activities:household_visit_create", VISIT_WRITERS, "household", data=_visit),
    Page("activities:visit_detail", VISIT_READERS, "visit"),
    Page("activities:visit_update", VISIT_WRITERS, "visit", data=_visit),
    Page("activities:unvisited", VISIT_READERS),
    # activities: meetings and their decisions followed up
    Page("activities:meeting_list", MEETING_READERS),
    Page("activities:meeting_create", MEETING_WRITERS, data=_meeting),
    Page("activities:meeting_detail", MEETING_READERS, "meeting"),
    Page("activities:meeting_update", MEETING_WRITERS, "meeting", data=_meeting),
    Page("activities:decision_create", MEETING_WRITERS, "meeting", data=_decision),
    Page("activities:decision_list", MEETING_READERS),
    Page("activities:decision_update", MEETING_WRITERS, "decision", data=_decision),
    Page("activities:decision_start", MEETING_WRITERS, "decision", data=lambda w: {"note": "开始"}),
    Page(
        "activities:decision_finish",
        MEETING_WRITERS,
        "decision",
        data=lambda w: {"result": "已办", "on": "2026-11-20"},
    ),
    Page("activities:decision_reopen", MEETING_WRITERS, "decision", data=lambda w: {"reason": "未落实"}),
    # activities: 先进典型与荣誉
    Page("activities:honour_list", MEETING_READERS),
    Page("activities:honour_create", MEETING_WRITERS, data=_honour),
    Page("activities:honour_detail", MEETING_READERS, "honour"),
    Page("activities:honour_update", MEETING_WRITERS, "honour", data=_honour),
    # core: 我的导出, for everyone who may export a list
    Page("core:export_list", ALL),
    Page("core:export_detail", ALL, own=True),
    Page("core:export_progress", ALL, own=True),
    Page("core:export_download", ALL, own=True),
    # core: 安全审计, the 审计员's alone
    Page("core:audit_list", AUDITORS),
    Page("core:audit_export", AUDITORS),
]

# Patterns outside the table, and why.
EXEMPT = {
    "login": "public: the sign-in page",
    "logout": "signs out whoever asks (POST), nothing to scope",
    # 我的导出 moved to core/; these only redirect there (core:export_*), checked above.
    "residents:export_list": "redirects to core:export_list",
    "residents:export_detail": "redirects to core:export_detail",
    "residents:export_progress": "redirects to core:export_progress",
    "residents:export_download": "redirects to core:export_download",
    # The hall's display board: public by design (a screen in the hall, no sign-in); it shows
    # queue codes, window names and counts only — tests/test_services_board.py checks that it
    # holds no name, phone, item or 民族 of anyone.
    "services:board": "public: the hall's display board, no personal data",
    "services:board_data": "public: the display board's numbers (JSON), no personal data",
}
# The Django admin is scoped by ScopedAdmin and tested in test_admin_scope.py.
EXEMPT_NAMESPACES = ("admin",)


def url_names(patterns=None, namespace: str | None = None) -> Iterator[str]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            yield from url_names(
                pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def missing_from_table(names) -> list[str]:
    listed = {page.name for page in PAGES} | set(EXEMPT)
    return sorted(
        name for name in names if name not in listed and name.split(":")[0] not in EXEMPT_NAMESPACES
    )


def test_every_url_pattern_is_in_the_table():
    assert missing_from_table(url_names()) == []


def test_the_walk_notices_a_view_added_without_an_entry():
    assert missing_from_table([*url_names(), "activities:not_in_table"]) == ["activities:not_in_table"]


def test_the_table_names_only_patterns_that_exist():
    assert {page.name for page in PAGES} - set(url_names()) == set()


# --- the checks -------------------------------------------------------------------------------


def database_state() -> dict[str, list[tuple]]:
    """Every row of every app's tables, ordered: what a refused request must leave as it was.
    The audit log aside: that a refusal is recorded there is the point of it."""
    state = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label != "core.AuditEvent":
                state[model._meta.label] = list(model._default_manager.order_by("pk").values_list())
    return state


def request(client, page: Page, url: str, data: dict | None = None):
    if page.method == "post" or data is not None:
        return client.post(url, data or {})
    return client.get(url)


IDS = [page.name for page in PAGES]


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_anonymous_is_sent_to_login(client, world, django_user_model, page):
    owner = django_user_model.objects.create_user("owner", password="x-pass-1234")
    response = request(client, page, page.url(world.near, owner))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_role_may_use_the_page_in_scope_or_is_refused(client, world, persona, page, role):
    user = persona(role)
    client.force_login(user)
    url = page.url(world.near, user)
    data = page.data(world.near) if page.method == "post" and page.data else None
    response = request(client, page, url, data)
    assert response.status_code == (page.ok if role in page.roles else 403)
    if role not in page.roles and page.data:
        # Refused before anything is looked up: a real form's data writes nothing either.
        before = database_state()
        assert request(client, page, url, page.data(world.near)).status_code == 403
        assert database_state() == before


# Which records exist at each distance (no import in the sibling grid: imports are a community's).
RECORDS = {
    "grid",
    "pair",
    "building",
    "unit",
    "place",
    "household",
    "resident",
    "account",
    "case",
    "clinic",
    "settled",
    "followup",
    "ticket",
    "activity",
    "attendance",
    "photo",
    "team",
    "membership",
    "service",
    "visit",
}
COMMUNITY_RECORDS = {
    "community",
    "import",
    "report",
    "run",
    "window",
    "called",
    "meeting",
    "decision",
    "honour",
}
AT = {
    "sibling": RECORDS,
    "neighbour": RECORDS | COMMUNITY_RECORDS,
    "far": RECORDS | COMMUNITY_RECORDS,
}


def applies(page: Page, distance: str) -> bool:
    if page.target:
        return page.target in AT[distance]
    # An export is its requester's wherever it is: one stranger's export is enough.
    return distance == "far" or not page.own


CASES = [
    (page, distance, role)
    for page in PAGES
    if page.target or page.own or page.data
    for distance, roles in OUTSIDE.items()
    if applies(page, distance)
    for role in sorted(roles)
]


@pytest.mark.parametrize(("page", "distance", "role"), CASES, ids=[f"{p.name}-{d}-{r}" for p, d, r in CASES])
def test_out_of_scope_is_not_found_and_changes_nothing(client, world, persona, page, distance, role):
    records = getattr(world, distance)
    user = persona(role)
    client.force_login(user)
    if page.own:
        # Someone else's export.
        stranger = persona(Role.ADMIN) if role != Role.ADMIN else persona(Role.STAFF)
        url = reverse(page.name, args=[own_export(stranger).pk])
    elif page.target:
        url = page.url(records)
    else:
        url = page.url(None)
    before = database_state()
    data = page.data(records) if page.data else None
    responses = [request(client, page, url)] if page.method == "get" else []
    if data is not None or page.method == "post":
        responses.append(request(client, page, url, data if data is not None else {}))
    for response in responses:
        if role not in page.roles:
            assert response.status_code == 403
        elif page.target or page.own:
            assert response.status_code == 404
        else:
            # No record in the URL (a form, a search): the far record in its data is refused on
            # the form or found nowhere, and never shown.
            assert response.status_code in (200, 404)
            assert records["resident"].household.number not in response.content.decode()
    assert database_state() == before


@pytest.mark.parametrize("page", [p for p in PAGES if p.target], ids=lambda p: p.name)
def test_a_missing_record_is_not_found(client, world, persona, page):
    client.force_login(persona(Role.ADMIN if Role.ADMIN in page.roles else sorted(page.roles)[0]))
    assert request(client, page, page.url_for(999999)).status_code == 404
