"""``manage.py seed_demo``'s disputes: a year of cases in every community, most resolved."""

import pytest
from django.db.models import Count

from core.periods import Period
from grid.models import OrgLevel, OrgUnit
from mediation import queries
from mediation.models import OPEN, Case, CaseStatus, Mediator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_every_community_has_a_year_of_cases_mostly_resolved():
    for community in OrgUnit.objects.filter(level=OrgLevel.COMMUNITY):
        cases = Case.objects.filter(community=community)
        assert cases.count() >= 20, community.name
        assert cases.filter(ethnic_factor=True).count() >= 1
        resolved = cases.filter(status=CaseStatus.SUCCEEDED).count()
        assert resolved / cases.count() > 0.7
        assert Mediator.objects.filter(community=community).count() == 7


def test_file_numbers_run_from_one_per_community_and_year():
    rows = Case.objects.values("community", "year").annotate(
        n=Count("pk"), top=Count("number", distinct=True)
    )
    assert all(row["n"] == row["top"] for row in rows)
    first = Case.objects.filter(number=1).select_related("community").first()
    assert first.file_number == f"（{first.year}）{first.community.name.removesuffix('社区')}人调字第1号"


def test_some_cases_are_open_and_a_few_overdue():
    assert Case.objects.filter(status__in=OPEN).exists()
    assert 0 < Case.objects.overdue().count() < Case.objects.count() / 10


def test_the_district_rate_is_high_as_the_seeds_report():
    district = OrgUnit.objects.get(level=OrgLevel.DISTRICT)
    rate = queries.case_figures(
        district,
        Period(
            Case.objects.order_by("reported_on").first().reported_on,
            Case.objects.order_by("-reported_on").first().reported_on,
        ),
    ).resolution_rate
    assert rate is not None and rate > 85


def test_the_demo_escalates_overdue_and_repeat_cases_and_one_ethnic_case_months_ago():
    import datetime as dt

    from django.utils import timezone

    from mediation.models import Escalation

    today = timezone.localdate()
    for community in OrgUnit.objects.filter(level=OrgLevel.COMMUNITY):
        escalated = Escalation.objects.filter(case__community=community)
        assert escalated.filter(day=today, overdue=True).count() >= 2, community.name
        assert escalated.filter(day=today, repeat=True).exists(), community.name
        assert escalated.filter(case__ethnic_factor=True, day__lt=today - dt.timedelta(days=60)).exists()
