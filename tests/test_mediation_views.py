"""Mediation's pages: the grid worker reports a case from the form, a mediator works it
through its step forms, the list filters, the case page's timeline; scope is 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditKind
from mediation import actions
from mediation.models import Case, CaseStatus
from tests.factories_mediation import make_case, make_mediator
from tests.factories_residents import HouseholdFactory, ResidentFactory


@pytest.fixture
def resident(tree):
    return ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马福贵", phone="13911112222")


def _report(client, tree, resident, **more):
    return client.post(
        reverse("mediation:case_create"),
        {
            "grid": tree.grid.pk,
            "title": "楼上漏水纠纷",
            "category": "neighbour",
            "facts": "卫生间漏水殃及楼下",
            "source": "grid",
            "risk": "ordinary",
            "ethnic_factor": "on",
            "reported_on": "2026-11-20",
            "applicant": resident.pk,
            "respondent_name": "租户小李",
            "respondent_phone": "13800001111",
            **more,
        },
    )


def test_the_grid_worker_reports_a_case_from_the_form(client, tree, grid_worker, resident):
    client.force_login(grid_worker)
    page = client.get(reverse("mediation:case_create"))
    assert page.status_code == 200
    assert "js/picker.js" in page.content.decode()
    response = _report(client, tree, resident)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mediation:case_detail", args=[case.pk]
    )
    assert case.file_number == "（2026）变电所人调字第1号"
    assert case.ethnic_factor and case.reported_by == grid_worker
    assert sorted(case.parties.values_list("name", "side")) == [
        ("租户小李", "respondent"),
        ("马福贵", "applicant"),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert "（2026）变电所人调字第1号" in detail and "涉及民族因素" in detail
    assert "139****2222" in detail  # grid workers see parties' phones masked
    assert reverse("mediation:case_accept", args=[case.pk]) not in detail  # nor work it


def test_a_party_from_another_grid_is_refused_on_the_form(client, tree, grid_worker):
    stranger = ResidentFactory(household=HouseholdFactory(grid=tree.grid2, number="0299"))
    client.force_login(grid_worker)
    response = _report(client, tree, stranger)
    assert response.status_code == 200 and not Case.objects.exists()
    assert "0299" not in response.content.decode()


def test_a_case_needs_a_party(client, tree, grid_worker, resident):
    client.force_login(grid_worker)
    response = _report(client, tree, resident, applicant="", respondent_name="")
    assert response.status_code == 200 and "至少" in response.content.decode()
    assert not Case.objects.exists()


def test_a_mediator_works_the_case_through_its_steps(client, tree, mediator, resident):
    case = make_case(tree.grid, resident=resident)
    make_mediator(tree.community, "马调解")
    client.force_login(mediator)
    detail = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert reverse("mediation:case_accept", args=[case.pk]) in detail
    assert "13911112222" in detail  # 案件办理 call the parties: whole, and audited
    assert AuditEvent.objects.filter(kind=AuditKind.FULL_VALUES).exists()
    assert client.post(reverse("mediation:case_accept", args=[case.pk]), {"note": ""}).status_code == 302
    party = case.parties.get()
    response = client.post(
        reverse("mediation:session_create", args=[case.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "place": "移动微调室",
            "notes": "双方到场",
            "parties": [party.pk],
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.MEDIATING
    assert client.post(reverse("mediation:case_fail", args=[case.pk]), {"reason": ""}).status_code == 200
    assert (
        client.post(reverse("mediation:case_succeed", args=[case.pk]), {"note": "达成协议"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SUCCEEDED
    detail = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "双方到场" in detail and "达成协议" in detail
    # A step no longer open is blocked on its page, and a POST changes nothing.
    page = client.post(reverse("mediation:case_accept", args=[case.pk]), {"note": ""})
    assert page.status_code == 200 and "不能受理" in page.content.decode()
    # Reopening is the staff's.
    assert client.get(reverse("mediation:case_reopen", args=[case.pk])).status_code == 403


def test_staff_reopen_and_the_timeline_says_so(client, tree, staff_user):
    case = make_case(tree.grid)
    actions.case_accept(by=None, case=case, on=case.reported_on)
    actions.case_start(by=None, case=case)
    actions.case_succeed(by=None, case=case, on=case.reported_on)
    client.force_login(staff_user)
    assert (
        client.post(reverse("mediation:case_reopen", args=[case.pk]), {"reason": "协议未履行"}).status_code
        == 302
    )
    detail = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "重新开启（调解中）" in detail and "协议未履行" in detail


def test_the_list_filters_and_scope(client, tree, grid_worker, staff_user):
    mine = make_case(tree.grid, title="一网格纠纷", ethnic_factor=True)
    sibling = make_case(tree.grid2, title="二网格纠纷")
    client.force_login(grid_worker)
    page = client.get(reverse("mediation:case_list")).content.decode()
    assert "一网格纠纷" in page and "二网格纠纷" not in page
    assert client.get(reverse("mediation:case_detail", args=[sibling.pk])).status_code == 404
    client.force_login(staff_user)
    page = client.get(reverse("mediation:case_list"), {"factor": "ethnic"}).content.decode()
    assert "一网格纠纷" in page and "二网格纠纷" not in page
    page = client.get(reverse("mediation:case_list"), {"grid": tree.grid2.pk}).content.decode()
    assert "二网格纠纷" in page and "一网格纠纷" not in page
    assert mine.pk


def test_the_list_finds_overdue_cases(client, tree, staff_user):
    late = make_case(tree.grid, title="逾期纠纷", reported_on=dt.date(2026, 1, 5))
    actions.case_accept(by=None, case=late, on=dt.date(2026, 1, 5))
    make_case(tree.grid, title="新纠纷")
    client.force_login(staff_user)
    page = client.get(reverse("mediation:case_list"), {"overdue": "1"}).content.decode()
    assert "逾期纠纷" in page and "新纠纷" not in page and "已逾期" in page


def test_the_menu_shows_mediation_to_its_readers(client, tree, leader, window_clerk):
    client.force_login(leader)
    assert "矛盾调解" in client.get(reverse("home")).content.decode()
    client.force_login(window_clerk)
    assert reverse("mediation:case_list") not in client.get(reverse("home")).content.decode()
