"""Mediation's blocks on pages it does not own (``core.registry`` panels): the 预警案件 panel
on the home page of a community's or a street's leader, and a resident's cases on their
page. Each shows only what the reader's role and scope allow; nothing personal beyond a
case's file number and title."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from core.registry import Panel
from grid.models import OrgLevel, Role
from grid.scope import scope_queryset, user_org_unit

from .models import Case, Escalation, repeat_exists

VIEW_ESCALATIONS = "mediation.view_escalation"
HOME_LIMIT = 10
RESIDENT_LIMIT = 20
# Whose home page carries the panel: the leaders the seeds name (社区, 街道).
PANEL_LEVELS = (OrgLevel.STREET, OrgLevel.COMMUNITY)


def escalations_for(user, day: dt.date) -> QuerySet[Escalation]:
    """The day's escalations in ``user``'s scope, nearest deadline first, each case's
    ``repeat_flag`` read in the same query (``Case.flags`` asks nothing more)."""
    return (
        scope_queryset(user, Escalation.objects.filter(day=day))
        .select_related("case__grid")
        .annotate(case_repeat=repeat_exists(case="case_id"))
        .order_by("case__deadline", "case__pk")
    )


def with_flags(escalations) -> list[Escalation]:
    rows = list(escalations)
    for escalation in rows:
        escalation.case.repeat_flag = escalation.case_repeat
    return rows


def home_panel(user) -> Panel | None:
    unit = user_org_unit(user)
    profile = getattr(user, "profile", None)
    if (
        unit is None
        or unit.level not in PANEL_LEVELS
        or getattr(profile, "role", None) != Role.LEADER
        or not user.has_perm(VIEW_ESCALATIONS)
    ):
        return None
    day = timezone.localdate()
    rows = escalations_for(user, day)
    return Panel(
        "mediation/_home_panel.html",
        {"day": day, "count": rows.count(), "escalations": with_flags(rows[:HOME_LIMIT])},
    )


def resident_cases_panel(user, resident) -> Panel | None:
    """The disputes the resident is a party to, in the reader's scope, for roles that read cases."""
    if not user.has_perm("mediation.view_case"):
        return None
    cases = (
        scope_queryset(user, Case.objects.filter(parties__resident=resident))
        .distinct()
        .select_related("grid")
        .with_repeat()
        .order_by("-reported_on", "-pk")
    )
    return Panel("mediation/_resident_cases.html", {"cases": list(cases[:RESIDENT_LIMIT])})
