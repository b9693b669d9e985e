"""法律诊所: sittings recorded through their form and action (minority served ≤ served, the
counsel from the roster or named), listed in scope by mode and month, a dispute registered
from a sitting's page; their figures against hand-counted sittings and the report's sentence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import history
from core.periods import Period
from mediation import actions, queries
from mediation.models import Case, ClinicMode, ClinicSession, MediatorRole, Source
from mediation.report import clinic_sentence, mediation_section
from tests.factories_mediation import make_case, make_clinic, make_mediator
from tests.factories_residents import HouseholdFactory, ResidentFactory


def _form(tree, **more) -> dict:
    return {
        "community": tree.community.pk,
        "mode": "campaign",
        "held_on": "2026-03-15",
        "place": "社区广场",
        "counsel_name": "马律师",
        "counsel_organisation": "正义律师事务所",
        "served": "40",
        "minority_served": "12",
        "topics": "婚姻家庭、劳动争议咨询",
        **more,
    }


def test_minority_served_may_not_exceed_served(tree, staff_user):
    with pytest.raises(ValidationError) as refused:
        make_clinic(tree.community, by=staff_user, served=5, minority_served=6)
    assert "不能超过服务人数" in str(refused.value)
    assert not ClinicSession.objects.exists()


def test_the_form_refuses_more_minority_than_served_and_writes_nothing(client, tree, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("mediation:clinic_create"), _form(tree, served="10", minority_served="11"))
    assert response.status_code == 200 and "不能超过服务人数" in response.content.decode()
    assert not ClinicSession.objects.exists()


def test_a_mediator_records_a_sitting_and_it_is_in_the_history(client, tree, mediator):
    client.force_login(mediator)
    response = client.post(reverse("mediation:clinic_create"), _form(tree))
    clinic = ClinicSession.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mediation:clinic_detail", args=[clinic.pk]
    )
    assert (clinic.mode, clinic.served, clinic.minority_served) == (ClinicMode.CAMPAIGN, 40, 12)
    assert clinic.recorded_by == mediator and clinic.community == tree.community
    assert history.of_record(clinic).get().action == history.CREATE
    edit = client.post(reverse("mediation:clinic_update", args=[clinic.pk]), _form(tree, served="45"))
    assert edit.status_code == 302
    clinic.refresh_from_db()
    assert clinic.served == 45
    assert history.of_record(clinic).filter(action=history.UPDATE).get().changes == {"served": ["40", "45"]}


def test_the_counsel_is_a_lawyer_or_adviser_of_the_communitys_roster(tree, staff_user):
    lawyer = make_mediator(tree.community, "张律师", role=MediatorRole.LAWYER, organisation="某律师事务所")
    clinic = make_clinic(tree.community, by=staff_user, counsel=lawyer)
    assert clinic.counsel_label == "张律师（某律师事务所）"
    elder = make_mediator(tree.community, "老党员", role=MediatorRole.PARTY_ELDER)
    with pytest.raises(ValidationError, match="不是律师或法律顾问"):
        make_clinic(tree.community, by=staff_user, counsel=elder)
    stranger = make_mediator(tree.other_community, "北苑律师", role=MediatorRole.LAWYER)
    with pytest.raises(ValidationError, match="本社区"):
        make_clinic(tree.community, by=staff_user, counsel=stranger)
    with pytest.raises(ValidationError, match="填写其姓名"):
        make_clinic(tree.community, by=staff_user, counsel_name="")
    assert ClinicSession.objects.count() == 1


def test_another_communitys_sitting_is_refused(tree, staff_user):
    with pytest.raises(ValidationError, match="管辖范围"):
        make_clinic(tree.other_community, by=staff_user)
    assert not ClinicSession.objects.exists()


def test_the_list_filters_by_mode_and_month_in_scope(client, tree, leader, staff_user):
    make_clinic(tree.community, mode=ClinicMode.DAILY, held_on=dt.date(2026, 3, 2), place="三月坐诊室")
    make_clinic(tree.community, mode=ClinicMode.CAMPAIGN, held_on=dt.date(2026, 4, 2), place="四月义诊广场")
    make_clinic(tree.other_community, held_on=dt.date(2026, 3, 3), place="北苑诊所")
    client.force_login(staff_user)
    page = client.get(reverse("mediation:clinic_list")).content.decode()
    assert "三月坐诊室" in page and "四月义诊广场" in page and "北苑诊所" not in page
    page = client.get(reverse("mediation:clinic_list"), {"mode": "campaign"}).content.decode()
    assert "四月义诊广场" in page and "三月坐诊室" not in page
    page = client.get(reverse("mediation:clinic_list"), {"month": "2026-03"}).content.decode()
    assert "三月坐诊室" in page and "四月义诊广场" not in page
    client.force_login(leader)  # 清河街道's leader reads, and may not write
    assert "三月坐诊室" in client.get(reverse("mediation:clinic_list")).content.decode()
    assert client.get(reverse("mediation:clinic_create")).status_code == 403


def test_a_dispute_registered_from_a_sitting_comes_from_the_clinic(client, tree, staff_user):
    clinic = make_clinic(tree.community, grid=tree.grid, held_on=dt.date(2026, 3, 10))
    resident = ResidentFactory(household=HouseholdFactory(grid=tree.grid), name="马福贵")
    client.force_login(staff_user)
    detail = client.get(reverse("mediation:clinic_detail", args=[clinic.pk])).content.decode()
    link = f"{reverse('mediation:case_create')}?clinic={clinic.pk}"
    assert link in detail
    form = client.get(link).content.decode()
    assert f'name="clinic_session" value="{clinic.pk}"' in form
    response = client.post(
        link,
        {
            "grid": tree.grid.pk,
            "title": "租房押金纠纷",
            "category": "land",
            "facts": "法律诊所咨询时发现",
            "source": "grid",  # the sitting decides: 法律诊所
            "risk": "ordinary",
            "reported_on": "2026-03-10",
            "applicant": resident.pk,
            "clinic_session": clinic.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.clinic_session == clinic and case.source == Source.CLINIC
    detail = client.get(reverse("mediation:clinic_detail", args=[clinic.pk])).content.decode()
    assert case.file_number in detail
    # Another community's sitting can't be named: its page is 404, and so is the prefill.
    far = make_clinic(tree.other_community)
    assert client.get(f"{reverse('mediation:case_create')}?clinic={far.pk}").status_code == 404
    with pytest.raises(ValidationError):
        make_case(tree.grid, by=staff_user, clinic_session=far)


# --- figures and the report ---------------------------------------------------------------------

MARCH = Period.month(2026, 3)


@pytest.fixture
def sittings(tree):
    """March 2026 in 变电所社区: 坐诊 ×2 (10 + 8 served, 3 + 0 minority), 义诊 ×1 (40, 12),
    巡诊 in 一网格 ×1 (6, 2); one 坐诊 in February (5, 1); 北苑社区 one 坐诊 in March (9, 9)."""
    on = lambda day: dt.date(2026, 3, day)  # noqa: E731
    make_clinic(tree.community, mode=ClinicMode.DAILY, held_on=on(2), served=10, minority_served=3)
    make_clinic(tree.community, mode=ClinicMode.DAILY, held_on=on(9), served=8, minority_served=0)
    make_clinic(tree.community, mode=ClinicMode.CAMPAIGN, held_on=on(15), served=40, minority_served=12)
    make_clinic(
        tree.community, mode=ClinicMode.CIRCUIT, grid=tree.grid, held_on=on(20), served=6, minority_served=2
    )
    make_clinic(
        tree.community, mode=ClinicMode.DAILY, held_on=dt.date(2026, 2, 27), served=5, minority_served=1
    )
    make_clinic(tree.other_community, held_on=on(3), served=9, minority_served=9)


def test_the_clinic_figures_of_a_community_month(tree, sittings):
    figures = queries.clinic_figures(tree.community, MARCH)
    assert (figures.sessions, figures.served, figures.minority_served) == (4, 64, 17)
    assert [(m.label, m.sessions, m.served, m.minority_served) for m in figures.by_mode] == [
        ("日常坐诊", 2, 18, 3),
        ("定期巡诊", 1, 6, 2),
        ("集中义诊", 1, 40, 12),
    ]


def test_a_grid_counts_the_sittings_held_in_it_and_the_district_all(tree, sittings):
    grid = queries.clinic_figures(tree.grid, MARCH)
    assert (grid.sessions, grid.served) == (1, 6)
    district = queries.clinic_figures(tree.district, MARCH)
    assert (district.sessions, district.served, district.minority_served) == (5, 73, 26)


def test_the_clinic_figures_are_one_query(tree, sittings, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        queries.clinic_figures(tree.community, MARCH)


def test_the_report_says_it_as_the_seeds_do(tree, sittings):
    section = mediation_section(tree.community, MARCH)
    assert section is not None  # no cases, and still the clinic's work
    assert section.paragraphs == ["法律诊所开展坐诊、义诊等服务4场，服务群众64人次，其中少数民族群众17人次。"]
    assert section.figures["clinic_sessions"] == 4
    assert section.tables[-1].rows[0] == ["日常坐诊", 2, 18, 3]


def test_the_sentence_names_one_or_two_modes_and_leaves_zero_minority_unsaid(tree):
    make_clinic(tree.community, mode=ClinicMode.EXPERT, served=3, minority_served=0)
    text = clinic_sentence(queries.clinic_figures(tree.community, MARCH))
    assert text == "法律诊所开展会诊服务1场，服务群众3人次。"


def test_no_sittings_no_sentence(tree):
    closed_case = make_case(tree.grid, reported_on=dt.date(2026, 3, 1))
    actions.case_accept(by=None, case=closed_case, on=dt.date(2026, 3, 1))
    section = mediation_section(tree.community, MARCH)
    assert section is not None and not any("法律诊所" in p for p in section.paragraphs)
    assert "clinic" not in " ".join(table.title for table in section.tables)
    assert clinic_sentence(queries.clinic_figures(tree.community, MARCH)) == ""
    assert mediation_section(tree.other_community, MARCH) is None
