"""``manage.py seed_demo``'s service hall: the catalogue, the windows and a year of tickets."""

import pytest

from core.periods import Period
from grid.models import OrgLevel, OrgUnit
from services import queries
from services.models import Channel, ServiceItem, Ticket, TicketStatus, Window

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_the_catalogue_has_well_over_a_hundred_items_in_every_category():
    assert ServiceItem.objects.count() > 100
    assert set(ServiceItem.objects.values_list("category", flat=True)) == {
        "civil",
        "social_security",
        "employment",
        "health",
        "disability",
        "ethnic",
        "legal",
        "other",
    }


def test_every_community_has_windows_one_for_minority_residents_and_a_year_of_tickets():
    for community in OrgUnit.objects.filter(level=OrgLevel.COMMUNITY):
        assert Window.objects.filter(community=community, is_minority_window=True).count() == 1
        tickets = Ticket.objects.filter(community=community)
        assert tickets.count() > 100, community.name
        assert set(tickets.values_list("channel", flat=True)) == set(Channel.values)


def test_the_district_handles_almost_everything_and_today_people_wait():
    district = OrgUnit.objects.get(level=OrgLevel.DISTRICT)
    first = Ticket.objects.order_by("received_on").first().received_on
    last = Ticket.objects.order_by("-received_on").first().received_on
    figures = queries.ticket_figures(district, Period(first, last))
    assert figures.total.rate is not None and figures.total.rate > 95
    assert figures.minority > 0 and figures.ethnic_changes == 7 and figures.rated > 0
    assert Ticket.objects.filter(
        status=TicketStatus.WAITING, called_at__isnull=True, queue_code__gt=""
    ).exists()
    assert 0 < Ticket.objects.overdue().count() < Ticket.objects.count() / 50


def test_the_demo_helps_people_and_does_practical_matters():
    from services.models import Assistance, AssistanceStatus, MatterStatus, PracticalMatter

    biandiansuo = OrgUnit.objects.get(level=OrgLevel.COMMUNITY, name="变电所社区")
    assert set(Assistance.objects.values_list("kind", flat=True)) >= {
        "employment",
        "subsistence",
        "temporary",
    }
    assert Assistance.objects.filter(status=AssistanceStatus.PLACED).exists()
    matters = PracticalMatter.objects.filter(community=biandiansuo)
    assert matters.count() == 52
    assert matters.filter(status=MatterStatus.DONE).count() >= 30
    assert matters.filter(kind="wish").exists() and matters.filter(beneficiaries__isnull=False).exists()
