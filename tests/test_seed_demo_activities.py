"""``manage.py seed_demo``'s activities: a year along the festival calendar in every community,
变电所社区's reading like seed 000 (about 60 activities, ~4000 participations, about a quarter
minority, 8 民族 or more), six teams with members and confirmed volunteer hours."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities import queries
from activities.models import Activity, ServiceRecord, ServiceStatus, Team
from activities.report import activities_section
from core.periods import Period
from grid.models import OrgLevel, OrgUnit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def _year() -> Period:
    today = timezone.localdate()
    return Period(today - dt.timedelta(days=365), today)


def test_biandiansuos_year_reads_like_the_seed():
    community = OrgUnit.objects.get(level=OrgLevel.COMMUNITY, name="变电所社区")
    figures = queries.activity_figures(community, _year())
    assert 50 <= figures.activities <= 75
    assert 3000 <= figures.participants <= 5500
    share = figures.minority_participants / figures.participants
    assert 0.12 <= share <= 0.4, share
    assert figures.ethnicity_count >= 6
    assert figures.slogans >= 100 and figures.materials >= 500
    section = activities_section(community, _year())
    assert section.paragraphs[0].startswith("开展“我们的节日”等主题活动")
    teams = queries.team_figures(community, _year())
    assert teams.teams == 6 and teams.minority_members > 0 and teams.hours > 0


def test_every_community_has_teams_pending_and_returned_hours_and_coming_activities():
    today = timezone.localdate()
    for community in OrgUnit.objects.filter(level=OrgLevel.COMMUNITY):
        assert Team.objects.filter(unit=community).count() == 6, community.name
        assert Activity.objects.filter(unit=community, starts_at__date__gt=today).exists()
    statuses = set(ServiceRecord.objects.values_list("status", flat=True))
    assert ServiceStatus.CONFIRMED in statuses


def test_running_again_adds_nothing():
    before = (Activity.objects.count(), Team.objects.count(), ServiceRecord.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Activity.objects.count(), Team.objects.count(), ServiceRecord.objects.count()) == before
