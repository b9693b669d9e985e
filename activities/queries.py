"""Activity, publicity, team and volunteer figures for an org unit and a period, as SQL
aggregates. Definitions (docs/activities.md says the same):

- An activity is **in the period** when it *starts* on a day of it (Asia/Shanghai), and **in
  the unit** when its organising unit (``Activity.unit``, a community or a grid) is the unit
  or below it. A community's figures therefore include its grids' activities; a grid's, its
  own only.
- 活动 ``activities``: how many; ``by_kind`` and ``by_theme`` the same, by 活动类型 and 活动主题.
- 参与群众 ``participants`` (人次) = the ledger attendees of those activities (one per
  resident per activity: a resident at three activities is three 人次) + the people not on
  the ledger (``Activity.others``). Never typed: counted from attendance.
- 少数民族参与群众 ``minority_participants`` (人次): the ledger attendees whose 民族 (copied
  onto the attendance from the ledger when recorded: as on that day) is a minority (``Ethnicity.is_minority``, the rule of ``residents.queries.MINORITY``: not 汉族,
  and not 其他未识别民族 / 外国血统). The people not on the ledger have no recorded 民族 and are
  not counted as minority.
- 涉及民族 ``ethnicities``: the distinct 民族 of the ledger attendees, most present first
  (``ethnicity_count`` how many, 汉族 included — "涉及8个民族").
- 宣传: the sums of the activities' 宣传资料 (份), 宣传标语 (幅), 宣传展板 (块), 受益群众 (人次),
  and how many activities were 双语.
- 队伍 (a stock, as now): active teams of the unit or below, their members (``Membership``
  rows: a resident in two teams counts twice) and of them minority members — counted, never
  typed.
- 志愿服务: records *confirmed* (已确认) whose ``served_on`` falls in the period; 待确认 and 退回
  never count. ``volunteers`` the distinct residents, ``hours`` their sum, per team too.

Called only with a unit that passed ``grid.scope.unit_in_scope``.

Activities figures for an org unit and a period, as SQL aggregates.

Called only with a unit that passed ``grid.scope.unit_in_scope``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.periods import Period
from grid.models import OrgUnit
from residents.models import Household, Resident

from .models import (
    NOT_DONE,
    Activity,
    ActivityKind,
    Attendance,
    Decision,
    DecisionStatus,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    Membership,
    Recipient,
    ServiceRecord,
    ServiceStatus,
    Team,
    TeamKind,
    Theme,
    Visit,
    VisitReason,
)

# The 民族 copied onto the attendance (or membership) from the ledger: counted without a join
# to the ledger's residents, which the dashboard reads only through its kept counts.
MINORITY_ATTENDEE = Q(ethnicity__is_minority=True)


def activities_in(unit: OrgUnit, period: Period) -> QuerySet[Activity]:
    return Activity.objects.filter(
        unit__path__startswith=unit.path,
        starts_at__date__gte=period.start,
        starts_at__date__lte=period.end,
    )


@dataclass(frozen=True)
class ActivityFigures:
    activities: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_theme: list[tuple[str, int]] = field(default_factory=list)
    attendees: int = 0  # ledger attendances (人次)
    others: int = 0  # people not on the ledger (人次)
    minority_participants: int = 0
    ethnicities: list[tuple[str, int]] = field(default_factory=list)
    materials: int = 0
    slogans: int = 0
    boards: int = 0
    reached: int = 0
    bilingual: int = 0

    @property
    def participants(self) -> int:
        return self.attendees + self.others

    @property
    def ethnicity_count(self) -> int:
        return len(self.ethnicities)


def _labelled(rows, choices) -> list[tuple[str, int]]:
    counts = {row[0]: row[1] for row in rows}
    return [(str(label), counts[value]) for value, label in choices if counts.get(value)]


def activity_figures(unit: OrgUnit, period: Period) -> ActivityFigures:
    """Four aggregates: the activities (count and sums), by kind and theme in one grouped
    pass, the attendances with their minority count, and the attendees' 民族."""
    activities = activities_in(unit, period)
    totals = activities.aggregate(
        n=Count("pk"),
        others=Sum("others"),
        materials=Sum("materials"),
        slogans=Sum("slogans"),
        boards=Sum("boards"),
        reached=Sum("reached"),
        bilingual=Count("pk", filter=Q(bilingual=True)),
    )
    if not totals["n"]:
        return ActivityFigures()
    grouped = list(activities.values_list("kind", "theme").annotate(n=Count("pk")).order_by())
    kinds: dict[str, int] = {}
    themes: dict[str, int] = {}
    for kind, theme, n in grouped:
        kinds[kind] = kinds.get(kind, 0) + n
        themes[theme] = themes.get(theme, 0) + n
    attendance = Attendance.objects.filter(activity__in=activities)
    attended = attendance.aggregate(n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE))
    ethnicities = [
        (name, n)
        for name, n in attendance.values_list("ethnicity__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "ethnicity__code")
    ]
    return ActivityFigures(
        activities=totals["n"],
        by_kind=_labelled(kinds.items(), ActivityKind.choices),
        by_theme=_labelled(themes.items(), Theme.choices),
        attendees=attended["n"],
        others=totals["others"] or 0,
        minority_participants=attended["minority"],
        ethnicities=ethnicities,
        materials=totals["materials"] or 0,
        slogans=totals["slogans"] or 0,
        boards=totals["boards"] or 0,
        reached=totals["reached"] or 0,
        bilingual=totals["bilingual"],
    )


def headline_counts(unit: OrgUnit, period: Period) -> tuple[int, int, int]:
    """(activities, participants, minority participants) of ``activity_figures``, from two
    aggregates: what the home page and the dashboard's period before need."""
    activities = activities_in(unit, period)
    totals = activities.aggregate(n=Count("pk"), others=Sum("others"))
    if not totals["n"]:
        return 0, 0, 0
    attended = Attendance.objects.filter(activity__in=activities).aggregate(
        n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE)
    )
    return totals["n"], attended["n"] + (totals["others"] or 0), attended["minority"]


@dataclass(frozen=True)
class ActivityCounts:
    """One activity's participants, counted from its attendance (the activity page)."""

    attendees: int
    others: int
    minority: int
    ethnicities: list[tuple[str, int]]

    @property
    def participants(self) -> int:
        return self.attendees + self.others


def activity_counts(activity: Activity) -> ActivityCounts:
    attendance = Attendance.objects.filter(activity=activity)
    totals = attendance.aggregate(n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE))
    ethnicities = list(
        attendance.values_list("ethnicity__name").annotate(n=Count("pk")).order_by("-n", "ethnicity__code")
    )
    return ActivityCounts(
        attendees=totals["n"], others=activity.others, minority=totals["minority"], ethnicities=ethnicities
    )


@dataclass(frozen=True)
class TeamRow:
    pk: int
    name: str
    kind: str
    members: int
    minority_members: int
    hours: Decimal


@dataclass(frozen=True)
class TeamFigures:
    teams: int = 0
    members: int = 0
    minority_members: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    volunteers: int = 0
    hours: Decimal = Decimal("0")
    services: int = 0
    rows: list[TeamRow] = field(default_factory=list)


def teams_in(unit: OrgUnit) -> QuerySet[Team]:
    return Team.objects.filter(unit__path__startswith=unit.path, active=True)


def confirmed_in(unit: OrgUnit, period: Period) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(
        team__unit__path__startswith=unit.path,
        status=ServiceStatus.CONFIRMED,
        served_on__gte=period.start,
        served_on__lte=period.end,
    )


def team_figures(unit: OrgUnit, period: Period) -> TeamFigures:
    """Teams and members are a stock (the active teams now); hours are the period's confirmed
    ones. Three grouped aggregates: members per team, hours per team, and the volunteers."""
    teams = list(teams_in(unit).order_by("name", "pk").values_list("pk", "name", "kind"))
    if not teams:
        return TeamFigures()
    members = {
        row["team_id"]: row
        for row in Membership.objects.filter(team_id__in=[t[0] for t in teams])
        .values("team_id")
        .annotate(n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE))
        .order_by()
    }
    services = confirmed_in(unit, period).filter(team__active=True)
    hours = {
        row["team_id"]: row["hours"]
        for row in services.values("team_id").annotate(hours=Sum("hours")).order_by()
    }
    overall = services.aggregate(
        volunteers=Count("resident_id", distinct=True), hours=Sum("hours"), n=Count("pk")
    )
    rows = [
        TeamRow(
            pk=pk,
            name=name,
            kind=kind,
            members=members.get(pk, {}).get("n", 0),
            minority_members=members.get(pk, {}).get("minority", 0),
            hours=hours.get(pk) or Decimal("0"),
        )
        for pk, name, kind in teams
    ]
    kinds: dict[str, int] = {}
    for _, _, kind in teams:
        kinds[kind] = kinds.get(kind, 0) + 1
    return TeamFigures(
        teams=len(teams),
        members=sum(r.members for r in rows),
        minority_members=sum(r.minority_members for r in rows),
        by_kind=_labelled(kinds.items(), TeamKind.choices),
        volunteers=overall["volunteers"],
        hours=overall["hours"] or Decimal("0"),
        services=overall["n"],
        rows=rows,
    )


@dataclass(frozen=True)
class Month:
    start: dt.date
    activities: int = 0
    participants: int = 0
    minority_participants: int = 0

    @property
    def label(self) -> str:
        return f"{self.start.year}年{self.start.month}月"


def _months(period: Period) -> list[dt.date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def by_month(unit: OrgUnit, period: Period) -> list[Month]:
    """Per calendar month of the period (by the activity's start): activities, participants
    (attendees + others) and minority participants. Two grouped aggregates."""
    activities = activities_in(unit, period)
    counted = {
        _month_of(row["month"]): row
        for row in activities.annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(n=Count("pk"), others=Sum("others"))
        .order_by("month")
    }
    attended = {
        _month_of(row["month"]): row
        for row in Attendance.objects.filter(activity__in=activities)
        .annotate(month=TruncMonth(F("activity__starts_at")))
        .values("month")
        .annotate(n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE))
        .order_by("month")
    }
    return [
        Month(
            start=month,
            activities=counted.get(month, {}).get("n", 0),
            participants=(counted.get(month, {}).get("others") or 0) + attended.get(month, {}).get("n", 0),
            minority_participants=attended.get(month, {}).get("minority", 0),
        )
        for month in _months(period)
    ]


@dataclass(frozen=True)
class TeamNumbers:
    members: int = 0
    minority_members: int = 0
    hours: Decimal = Decimal("0")


def team_numbers(teams, period: Period) -> dict[int, TeamNumbers]:
    """Members, minority members and the period's confirmed hours of each of ``teams`` (the
    team pages; two grouped aggregates)."""
    ids = [team.pk for team in teams]
    members = {
        row["team_id"]: row
        for row in Membership.objects.filter(team_id__in=ids)
        .values("team_id")
        .annotate(n=Count("pk"), minority=Count("pk", filter=MINORITY_ATTENDEE))
        .order_by()
    }
    hours = {
        row["team_id"]: row["hours"]
        for row in ServiceRecord.objects.filter(
            team_id__in=ids,
            status=ServiceStatus.CONFIRMED,
            served_on__gte=period.start,
            served_on__lte=period.end,
        )
        .values("team_id")
        .annotate(hours=Sum("hours"))
        .order_by()
    }
    return {
        pk: TeamNumbers(
            members=members.get(pk, {}).get("n", 0),
            minority_members=members.get(pk, {}).get("minority", 0),
            hours=hours.get(pk) or Decimal("0"),
        )
        for pk in ids
    }


def _stock_day(period: Period) -> dt.date:
    return min(period.end, timezone.localdate())


def _visits(unit: OrgUnit, period: Period) -> QuerySet[Visit]:
    return Visit.objects.in_unit(unit).filter(visited_on__range=(period.start, period.end))


def minority_member(day: dt.date, household: str = "household_id") -> Exists:
    """Whether the household (``household`` names its id in the outer query) has a member of a
    minority 民族 on the ledger on ``day``."""
    return Exists(
        Resident.objects.on_ledger_at(day).filter(
            household_id=OuterRef(household), ethnicity__is_minority=True
        )
    )


@dataclass
class ReasonFigures:
    reason: str
    label: str
    visits: int
    households: int


@dataclass
class VisitFigures:
    visits: int = 0
    households: int = 0
    minority_households: int = 0
    amount: Decimal = Decimal("0")
    by_reason: list[ReasonFigures] = field(default_factory=list)


def visit_figures(unit: OrgUnit, period: Period) -> VisitFigures:
    """Two queries: the totals, and by reason."""
    rows = _visits(unit, period)
    day = _stock_day(period)
    totals = rows.aggregate(
        visits=Count("pk"),
        households=Count("household_id", distinct=True),
        amount=Sum("amount"),
    )
    if not totals["visits"]:
        return VisitFigures()
    minority = (
        rows.annotate(minority=minority_member(day))
        .filter(minority=True)
        .aggregate(n=Count("household_id", distinct=True))["n"]
    )
    labels = dict(VisitReason.choices)
    by_reason = [
        ReasonFigures(row["reason"], str(labels[row["reason"]]), row["visits"], row["households"])
        for row in rows.values("reason")
        .annotate(visits=Count("pk"), households=Count("household_id", distinct=True))
        .order_by("reason")
    ]
    order = list(VisitReason.values)
    by_reason.sort(key=lambda r: order.index(r.reason))
    return VisitFigures(
        visits=totals["visits"],
        households=totals["households"],
        minority_households=minority,
        amount=totals["amount"] or Decimal("0"),
        by_reason=by_reason,
    )


def has_visits(unit: OrgUnit) -> bool:
    """Whether the unit records its visits here at all (any visit, any day)."""
    return Visit.objects.in_unit(unit).exists()


@dataclass
class UnitVisits:
    unit: OrgUnit
    visits: int
    households: int
    amount: Decimal


def _by_grid(unit: OrgUnit, period: Period) -> dict[int, dict]:
    return {
        row["grid_id"]: row
        for row in _visits(unit, period)
        .values("grid_id")
        .annotate(visits=Count("pk"), households=Count("household_id", distinct=True), amount=Sum("amount"))
        .order_by()
    }


def visits_by_grid(unit: OrgUnit, period: Period) -> list[UnitVisits]:
    """Every grid of ``unit``'s subtree in path order, with its visits in the period (0 too)."""
    counted = _by_grid(unit, period)
    grids = OrgUnit.objects.grids().filter(path__startswith=unit.path).order_by("path")
    out = []
    for grid in grids:
        row = counted.get(grid.pk, {})
        out.append(
            UnitVisits(grid, row.get("visits", 0), row.get("households", 0), row.get("amount") or Decimal(0))
        )
    return out


def visits_by_child(unit: OrgUnit, period: Period) -> list[UnitVisits]:
    """The unit's children (a community's grids, a street's communities …), each with the
    visits filed anywhere under it; a grid has none. Households visited are counted per
    child (a household is in one grid, so they add up)."""
    children = list(OrgUnit.objects.get_children(unit).order_by("path"))
    if not children:
        return []
    by_prefix = {child.path: UnitVisits(child, 0, 0, Decimal(0)) for child in children}
    width = len(children[0].path)
    grid_paths = dict(OrgUnit.objects.filter(pk__in=list(_by_grid(unit, period))).values_list("pk", "path"))
    for grid_id, row in _by_grid(unit, period).items():
        child = by_prefix.get(grid_paths.get(grid_id, "")[:width])
        if child is not None:
            child.visits += row["visits"]
            child.households += row["households"]
            child.amount += row["amount"] or Decimal(0)
    return list(by_prefix.values())


def grids_without_visits(unit: OrgUnit, period: Period) -> list[OrgUnit]:
    return [row.unit for row in visits_by_grid(unit, period) if not row.visits]


def hardship_households(unit: OrgUnit, day: dt.date) -> QuerySet[Household]:
    """困难户 of the unit on the ledger on ``day``: 低保户 or 困难户, or with a member 残疾."""
    disabled = Exists(
        Resident.objects.on_ledger_at(day).filter(household_id=OuterRef("pk"), is_disabled=True)
    )
    still = Q(closed_on__isnull=True) | Q(closed_on__gt=day)
    return (
        Household.objects.filter(grid__path__startswith=unit.path)
        .filter(still)
        .annotate(disabled_member=disabled)
        .filter(Q(is_dibao=True) | Q(is_hardship=True) | Q(disabled_member=True))
    )


def unvisited_hardship(unit: OrgUnit, period: Period) -> QuerySet[Household]:
    """困难户 nobody visited in the period, by grid and 户号."""
    visited = Visit.objects.filter(household_id=OuterRef("pk"), visited_on__range=(period.start, period.end))
    return (
        hardship_households(unit, _stock_day(period))
        .annotate(visited=Exists(visited))
        .filter(visited=False)
        .select_related("grid")
        .order_by("grid__path", "number")
    )


# 会议与议定事项 -------------------------------------------------------------------------------


@dataclass
class MeetingFigures:
    meetings: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    unity_meetings: int = 0
    decisions: int = 0
    done: int = 0
    done_in_period: int = 0
    overdue: int = 0


def decisions_overdue(unit: OrgUnit, day: dt.date) -> QuerySet[Decision]:
    return Decision.objects.in_unit(unit).filter(status__in=NOT_DONE, due_on__lt=day)


def meeting_figures(unit: OrgUnit, period: Period) -> MeetingFigures:
    """Four queries: meetings by kind, decisions made and done, done in the period, overdue."""
    day = _stock_day(period)
    meetings = Meeting.objects.filter(
        community__path__startswith=unit.path, held_on__range=(period.start, period.end)
    )
    labels = dict(MeetingKind.choices)
    counts = {row["kind"]: row["n"] for row in meetings.values("kind").annotate(n=Count("pk")).order_by()}
    by_kind = [(str(labels[kind]), counts[kind]) for kind in MeetingKind.values if counts.get(kind)]
    made = Decision.objects.filter(meeting__in=meetings).aggregate(
        decisions=Count("pk"),
        done=Count("pk", filter=Q(status=DecisionStatus.DONE, done_on__lte=day)),
    )
    done_in_period = (
        Decision.objects.in_unit(unit)
        .filter(status=DecisionStatus.DONE, done_on__range=(period.start, period.end))
        .count()
    )
    return MeetingFigures(
        meetings=sum(counts.values()),
        by_kind=by_kind,
        unity_meetings=counts.get(MeetingKind.UNITY, 0),
        decisions=made["decisions"],
        done=made["done"],
        done_in_period=done_in_period,
        overdue=decisions_overdue(unit, day).count(),
    )


# 荣誉 -----------------------------------------------------------------------------------------


@dataclass
class HonourRow:
    title: str
    level: str
    recipient: str
    awarded_by: str
    awarded_on: dt.date


@dataclass
class HonourFigures:
    total: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)
    honours: list[HonourRow] = field(default_factory=list)
    unit_honours: int = 0
    person_honours: int = 0


def honour_figures(unit: OrgUnit, period: Period) -> HonourFigures:
    """The honours awarded in the period (one query, counted by level from its rows: a unit
    has a handful a year), and the names of the residents among them (a second query, only
    when there are any: a unit without honours reads nothing of the ledger)."""
    rows = list(
        Honour.objects.filter(
            community__path__startswith=unit.path, awarded_on__range=(period.start, period.end)
        )
        .select_related("community")
        .order_by("awarded_on", "pk")
    )
    if not rows:
        return HonourFigures()
    names = dict(
        Resident.objects.filter(pk__in=[h.resident_id for h in rows if h.resident_id]).values_list(
            "pk", "name"
        )
    )
    labels = dict(HonourLevel.choices)
    counts = {level: sum(1 for h in rows if h.level == level) for level in HonourLevel.values}

    def recipient(honour: Honour) -> str:
        if honour.recipient == Recipient.UNIT:
            return honour.community.name
        return names.get(honour.resident_id, "") if honour.resident_id else honour.person_name

    return HonourFigures(
        total=len(rows),
        by_level=[(str(labels[level]), n) for level, n in counts.items() if n],
        honours=[
            HonourRow(h.title, str(labels[h.level]), recipient(h), h.awarded_by, h.awarded_on) for h in rows
        ],
        unit_honours=sum(1 for h in rows if h.recipient == Recipient.UNIT),
        person_honours=sum(1 for h in rows if h.recipient == Recipient.PERSON),
    )
