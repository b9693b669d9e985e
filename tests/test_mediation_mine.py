"""A mediator signed in as their roster record: their open cases first on the case list,
the nearest deadline (the overdue) on top, a shortcut on the home page; the mediator filter;
联调 departments recorded on a case and shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core import history
from mediation import actions
from mediation.models import Case, JointDepartment
from tests.factories_mediation import closed, make_case, make_mediator


@pytest.fixture
def me(tree, mediator):
    """The mediator persona's roster record, linked to their account."""
    record = make_mediator(tree.community, "马调解")
    return actions.mediator_update(by=None, mediator=record, user=mediator)


def _accepted(grid, title: str, on: dt.date, mediators) -> Case:
    case = make_case(grid, title=title, reported_on=on)
    case = actions.case_accept(by=None, case=case, on=on)
    return actions.case_assign(by=None, case=case, mediators=mediators)


@pytest.fixture
def cases(tree, me):
    other = make_mediator(tree.community, "王调解")
    today = timezone.localdate()
    soon = _accepted(tree.grid, "我的近期案件", today - dt.timedelta(days=25), [me])
    late = _accepted(tree.grid, "我的逾期案件", today - dt.timedelta(days=60), [me, other])
    later = _accepted(tree.grid2, "我的新案件", today - dt.timedelta(days=2), [me])
    done = closed(make_case(tree.grid, title="我的已结案件"), "succeeded", on=dt.date(2026, 3, 20))
    actions.case_assign(by=None, case=done, mediators=[me])
    theirs = _accepted(tree.grid, "别人的案件", today - dt.timedelta(days=50), [other])
    return {"soon": soon, "late": late, "later": later, "done": done, "theirs": theirs, "other": other}


def test_a_mediator_sees_their_own_open_cases_first_nearest_deadline_on_top(client, mediator, cases):
    client.force_login(mediator)
    page = client.get(reverse("mediation:case_list")).content.decode()
    mine = page[page.index('data-testid="my-cases"') : page.index("辖区全部案件")]
    order = [mine.index(title) for title in ("我的逾期案件", "我的近期案件", "我的新案件")]
    assert order == sorted(order)
    assert "已逾期" in mine
    assert "我的已结案件" not in mine and "别人的案件" not in mine
    rest = page[page.index("辖区全部案件") :]
    assert "别人的案件" in rest and "我的已结案件" in rest


def test_the_panel_is_for_the_first_unfiltered_page_of_a_linked_mediator(client, staff_user, mediator, cases):
    client.force_login(mediator)
    filtered = client.get(reverse("mediation:case_list"), {"category": "family"}).content.decode()
    assert 'data-testid="my-cases"' not in filtered
    client.force_login(staff_user)  # staff are on no roster
    assert 'data-testid="my-cases"' not in client.get(reverse("mediation:case_list")).content.decode()


def test_the_home_page_links_a_mediator_to_their_cases(client, mediator, cases):
    client.force_login(mediator)
    home = client.get(reverse("home")).content.decode()
    assert "我的案件 3件" in home
    assert f"最近期限 {cases['late'].deadline:%Y-%m-%d}" in home


def test_the_list_filters_by_mediator_from_the_roster_in_scope(client, tree, staff_user, cases):
    client.force_login(staff_user)
    page = client.get(reverse("mediation:case_list"), {"mediator": cases["other"].pk}).content.decode()
    assert "别人的案件" in page and "我的逾期案件" in page and "我的近期案件" not in page
    stranger = make_mediator(tree.other_community, "北苑调解员")
    form = client.get(reverse("mediation:case_list")).content.decode()
    assert "王调解" in form and "北苑调解员" not in form
    refused = client.get(reverse("mediation:case_list"), {"mediator": stranger.pk}).content.decode()
    assert "筛选条件无效" in refused


def test_an_account_of_another_community_cannot_be_linked(tree, persona):
    from grid.models import Role
    from tests.factories import make_person

    far = make_person(role=Role.MEDIATOR, unit=tree.other_community, username="beiyuan_mediator")
    record = make_mediator(tree.community, "马调解")
    with pytest.raises(ValidationError, match="不在该调解员所在社区"):
        actions.mediator_update(by=None, mediator=record, user=far)
    record.refresh_from_db()
    assert record.user is None


# --- 联调 -----------------------------------------------------------------------------------------


def test_joint_departments_are_recorded_shown_and_marked(client, tree, mediator):
    case = make_case(tree.grid, title="物业漏水联调")
    client.force_login(mediator)
    detail = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert reverse("mediation:case_joint", args=[case.pk]) in detail
    response = client.post(
        reverse("mediation:case_joint", args=[case.pk]), {"departments": ["property", "police"]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.joint_departments == [JointDepartment.POLICE, JointDepartment.PROPERTY]
    change = history.of_record(case).get(action="joint")
    assert change.changes == {"joint_departments": ["", "派出所、物业公司"]}
    detail = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "派出所、物业公司" in detail
    listing = client.get(reverse("mediation:case_list")).content.decode()
    assert "联调</span>" in listing
    assert list(Case.objects.joint()) == [case]


def test_an_unknown_department_or_a_closed_case_is_refused(client, tree, mediator):
    case = make_case(tree.grid)
    client.force_login(mediator)
    response = client.post(reverse("mediation:case_joint", args=[case.pk]), {"departments": ["army"]})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.joint_departments == []
    closed(case, "succeeded", on=dt.date(2026, 3, 20))
    with pytest.raises(ValidationError, match="已结案"):
        actions.case_mark_joint(by=None, case=case, departments=["police"])
    page = client.post(reverse("mediation:case_joint", args=[case.pk]), {"departments": ["police"]})
    assert page.status_code == 200 and "已结案" in page.content.decode()
    case.refresh_from_db()
    assert case.joint_departments == []
