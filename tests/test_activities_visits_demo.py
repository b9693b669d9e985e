"""``manage.py seed_demo``'s visits, meetings and honours: every community has a year of them,
变电所社区's year reads like seed 000, and running the step again adds nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from random import Random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from activities.models import Decision, Honour, HonourLevel, Meeting, Visit
from activities.report import honours_section, visits_problems, visits_section
from core.periods import Period
from demo.activities_visits import visits_meetings_honours_step
from grid.models import OrgLevel, OrgUnit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def _year() -> Period:
    today = timezone.localdate()
    return Period(today - dt.timedelta(days=365), today)


def test_every_community_has_visits_meetings_and_honours():
    for community in OrgUnit.objects.filter(level=OrgLevel.COMMUNITY):
        assert Visit.objects.filter(community=community).count() >= 10, community.name
        assert Meeting.objects.filter(community=community).count() >= 12
        assert Honour.objects.filter(community=community).exists()
        assert Decision.objects.filter(meeting__community=community).overdue().count() == 2


def test_the_biandiansuo_year_reads_like_the_seed():
    community = OrgUnit.objects.get(name="变电所社区")
    section = visits_section(community, _year())
    text = "".join(section.paragraphs)
    assert "走访慰问" in text and "其中少数民族家庭" in text and "发放慰问金及物资折合" in text
    assert "召开民族团结工作会议12次" in text and "议定事项" in text and "已办结" in text
    honours = honours_section(community, _year())
    assert {HonourLevel.PROVINCE.label, HonourLevel.CITY.label} <= {row[1] for row in honours.tables[0].rows}
    assert any("最美志愿者" in row[0] for row in honours.tables[0].rows)
    assert "有2件会议议定事项超过办理期限仍未办结，需加快落实。" in visits_problems(community, _year())


def test_running_the_step_again_adds_nothing():
    communities = list(OrgUnit.objects.filter(level=OrgLevel.COMMUNITY).order_by("path"))
    before = (
        Visit.objects.count(),
        Meeting.objects.count(),
        Decision.objects.count(),
        Honour.objects.count(),
    )
    out = StringIO()
    ctx = SimpleNamespace(
        rng=Random(1),
        stdout=out,
        org=SimpleNamespace(communities=communities, biandiansuo=communities[0]),
    )
    visits_meetings_honours_step(ctx)
    after = (Visit.objects.count(), Meeting.objects.count(), Decision.objects.count(), Honour.objects.count())
    assert after == before
    assert "走访慰问：新建 0" in out.getvalue()
