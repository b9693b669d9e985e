"""便民服务's figures (services.queries) against a hand-counted fixture, the rounding rule of 办结率,
the report section's sentences (services.report), its 存在问题 and charts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.periods import Period
from grid.models import Role
from services import actions, queries, report
from services.models import Channel, Kind
from services.queries import completion_rate, rate_text
from tests.factories_residents import HouseholdFactory, ResidentFactory, ethnicity
from tests.factories_services import make_item, make_ticket, make_window

pytestmark = pytest.mark.django_db
D = dt.date
NOVEMBER = Period.month(2026, 11)
LATER = D(2026, 12, 31)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [
        (25452, 25462, "99.9%"),  # 99.96 would round to 100.0 while ten are open
        (2409, 2409, "100%"),
        (346, 356, "97.2%"),  # half up otherwise
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (19999, 20000, "99.9%"),
        (0, 5, "0.0%"),
    ],
)
def test_the_rate_never_reads_100_while_anything_is_open(part, whole, shown):
    assert rate_text(completion_rate(part, whole)) == shown


def test_a_rate_of_nothing_is_none():
    assert completion_rate(0, 0) is None and rate_text(None) == ""


def _closed(ticket, *, accepted, closed, how="complete", rating=""):
    ticket = actions.ticket_accept(by=None, ticket=ticket, on=accepted)
    if how == "complete":
        ticket = actions.ticket_complete(by=None, ticket=ticket, result="办结", on=closed)
    elif how == "return":
        ticket = actions.ticket_return(by=None, ticket=ticket, reason="材料不全", on=closed)
    else:
        ticket = actions.ticket_refer(by=None, ticket=ticket, department="civil", on=closed)
    if rating:
        actions.ticket_rate(by=None, ticket=ticket, satisfaction=rating)
    return ticket


@pytest.fixture
def november(tree):
    """Counted by hand:

    窗口 (A; B the minority window): 3 咨询 received (one minority applicant, at B); 4 办件
    accepted in November — 2 办结 (1 民族成分变更, 2 and 4 working days), 1 退回, 1 open and
    overdue on 30 November; 1 办件 accepted in October, closed in November (not in November's
    接件; its 3 working days are in the average).
    信访: 2 accepted in November, 1 办结; 1 received on 1 November still waiting on the 30th
    (past its 15 days: overdue).
    热线: 2 诉求 accepted, both 办结 (rated 满意, 不满意).
    网格上报 in 一网格: 1 accepted and 转办.
    北苑社区 (another street): one 办件, never in 变电所社区's figures.
    """
    a = make_window(tree.community, "A")
    b = make_window(tree.community, "B", name="少数民族服务窗口", is_minority_window=True)
    change = make_item("民族成分变更", category="ethnic", time_limit=30)
    pension = make_item("高龄津贴申请", category="civil", time_limit=5)
    uyghur = ResidentFactory(household=HouseholdFactory(grid=tree.grid), ethnicity=ethnicity("维吾尔族"))
    c = tree.community

    def window_ticket(window, kind, received, **fields):
        return make_ticket(
            c, channel=Channel.WINDOW, kind=kind, window=window, received_on=received, **fields
        )

    window_ticket(a, Kind.CONSULT, D(2026, 11, 2))
    window_ticket(a, Kind.CONSULT, D(2026, 11, 3))
    window_ticket(b, Kind.CONSULT, D(2026, 11, 4), resident=uyghur, applicant_name="")
    _closed(
        window_ticket(b, Kind.CASE, D(2026, 11, 2), item=change),
        accepted=D(2026, 11, 2),
        closed=D(2026, 11, 4),
    )
    _closed(
        window_ticket(a, Kind.CASE, D(2026, 11, 5), item=pension),
        accepted=D(2026, 11, 5),
        closed=D(2026, 11, 11),
    )
    _closed(
        window_ticket(a, Kind.CASE, D(2026, 11, 6), item=pension),
        accepted=D(2026, 11, 6),
        closed=D(2026, 11, 6),
        how="return",
    )
    actions.ticket_accept(
        by=None, ticket=window_ticket(a, Kind.CASE, D(2026, 11, 9), item=pension), on=D(2026, 11, 9)
    )
    _closed(
        window_ticket(a, Kind.CASE, D(2026, 10, 29), item=pension),
        accepted=D(2026, 10, 29),
        closed=D(2026, 11, 3),
    )
    p1 = make_ticket(c, channel=Channel.PETITION, received_on=D(2026, 11, 2))
    _closed(p1, accepted=D(2026, 11, 10), closed=D(2026, 11, 20))
    actions.ticket_accept(
        by=None,
        ticket=make_ticket(c, channel=Channel.PETITION, received_on=D(2026, 11, 3)),
        on=D(2026, 11, 12),
    )
    make_ticket(c, channel=Channel.PETITION, received_on=D(2026, 11, 1))
    for rating in ("satisfied", "dissatisfied"):
        _closed(
            make_ticket(c, received_on=D(2026, 11, 16)),
            accepted=D(2026, 11, 16),
            closed=D(2026, 11, 17),
            rating=rating,
        )
    _closed(
        make_ticket(tree.grid, channel=Channel.GRID, received_on=D(2026, 11, 18)),
        accepted=D(2026, 11, 18),
        closed=D(2026, 11, 19),
        how="refer",
    )
    make_ticket(tree.other_community, channel=Channel.WINDOW, kind=Kind.CASE, received_on=D(2026, 11, 2))
    return tree


def test_the_figures_are_the_hand_counted_ones(november):
    figures = queries.ticket_figures(november.community, NOVEMBER, today=LATER)
    window = figures.channel(Channel.WINDOW)
    assert (window.received, window.consultations, window.accepted, window.completed, window.returned) == (
        7,
        3,
        4,
        2,
        1,
    )
    assert (window.handled, window.rate) == (3, Decimal("75.0"))
    petition = figures.channel(Channel.PETITION)
    assert (petition.received, petition.accepted, petition.handled, petition.rate) == (
        3,
        2,
        1,
        Decimal("50.0"),
    )
    hotline = figures.channel(Channel.HOTLINE)
    assert (hotline.received, hotline.accepted, hotline.handled, rate_text(hotline.rate)) == (2, 2, 2, "100%")
    grid = figures.channel(Channel.GRID)
    assert (grid.accepted, grid.referred, grid.handled) == (1, 1, 1)
    total = figures.total
    assert (total.received, total.accepted, total.handled, total.open) == (13, 9, 7, 2)
    assert total.rate == Decimal("77.8")
    # Open past the deadline on 30 November: the pension case of 9 November (5 working days:
    # 16 November) and the petition of 1 November still undecided after 15 days.
    assert figures.overdue == 2
    # 办结 in November: 2, 4, 3 (the October case) working days, the hotline's 1 and 1, the petition's 8.
    assert figures.average_days == Decimal(str(round((2 + 4 + 3 + 1 + 1 + 8) / 6, 1)))
    assert (figures.minority, figures.minority_window, figures.window_tickets) == (1, 2, 7)
    assert figures.ethnic_changes == 1
    assert (figures.satisfied, figures.dissatisfied, figures.satisfaction_rate) == (1, 1, Decimal("50.0"))
    assert dict(figures.by_category) == {"民政": 3, "民族事务": 1}


def test_a_street_counts_its_communities_and_a_grid_its_own(november):
    street = queries.ticket_figures(november.street, NOVEMBER, today=LATER)
    assert street.total.received == 13
    grid = queries.ticket_figures(november.grid, NOVEMBER, today=LATER)
    assert (grid.total.received, grid.total.accepted) == (1, 1)
    district = queries.ticket_figures(november.district, NOVEMBER, today=LATER)
    assert district.total.received == 14


def test_the_section_says_it_as_the_seeds_do(november, monkeypatch):
    monkeypatch.setattr(queries.timezone, "localdate", lambda: LATER)
    section = report.services_section(november.community, NOVEMBER)
    assert section.paragraphs[0] == (
        "各类服务窗口累计接待咨询3人次，接件4人次，已办理3人次，办结率75.0%，其中为少数民族办理民族成分变更1件；"
        "信访接件2人次，已办理1人次，办结率50.0%；热线电话接听2人次，办结率100%；网格员上报群众诉求1件，办结率100%。"
    )
    assert "少数民族服务窗口接待2人次，占窗口接待量的28.6%" in section.paragraphs[1]
    assert section.tables[0].rows[-1] == ["合计", 13, 3, 9, 7, "77.8%"]
    assert [f.key for f in section.headline] == ["tickets_received", "tickets_rate"]


def test_the_problems_name_overdue_tickets_and_poorly_rated_items(november, monkeypatch):
    monkeypatch.setattr(queries.timezone, "localdate", lambda: LATER)
    item = make_item("残疾人证办理", category="disability", time_limit=20)
    for rating in ("dissatisfied", "dissatisfied", "basic"):
        _closed(
            make_ticket(november.community, item=item, received_on=D(2026, 11, 2)),
            accepted=D(2026, 11, 2),
            closed=D(2026, 11, 20),
            rating=rating,
        )
    problems = report.services_problems(november.community, NOVEMBER)
    assert problems[0] == "有2件便民服务办件超过办理期限仍未办结，需加快办理。"
    assert problems[1] == "群众对“残疾人证办理”（满意率33.3%）等事项的满意度偏低，需改进服务。"


def test_nothing_to_say_leaves_the_section_out(tree):
    assert report.services_section(tree.community, NOVEMBER) is None
    assert report.services_problems(tree.community, NOVEMBER) == []
    assert report.monthly_chart(tree.community, NOVEMBER) is None


def test_the_charts_carry_their_numbers(november):
    year = Period.year(2026)
    monthly = report.monthly_chart(november.community, year)
    assert monthly.categories[10] == "2026年11月"
    assert monthly.table.rows[10][:4] == ["2026年11月", 13, 9, 7]
    channels = report.channels_chart(november.community, NOVEMBER)
    assert dict(zip(channels.categories, channels.series[0].values, strict=True)) == {
        "窗口": 7,
        "信访": 3,
        "热线": 2,
        "网格上报": 1,
    }
    share = report.minority_window_chart(november.community, NOVEMBER)
    assert share.table.rows[0] == ["少数民族服务窗口", 2, "28.6%"]


def test_a_staff_member_in_scope_is_whom_the_figures_are_for(november, persona):
    # The figures take a unit that passed unit_in_scope; the section never names a person.
    section = report.services_section(november.community, NOVEMBER)
    text = " ".join(section.paragraphs)
    assert "马大姐" not in text and persona(Role.STAFF)


def test_the_headline_alone_is_the_sections(november, monkeypatch):
    monkeypatch.setattr(queries.timezone, "localdate", lambda: LATER)
    for unit in (november.community, november.street, november.grid, november.other_community):
        section = report.services_section(unit, NOVEMBER)
        assert report.services_headline(unit, NOVEMBER) == (section.headline if section else None)
    assert report.services_headline(november.community, Period.month(2025, 1)) is None
