"""The activity list (活动), registered with ``core.lists``: in scope, filtered by kind, theme,
period and organising unit, keyset-paged, newest first.

The activities' registered lists (``core.lists``): in scope, filtered, keyset-paged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import lists

from .forms import (
    ActivityFilterForm,
    DecisionFilterForm,
    HonourFilterForm,
    MeetingFilterForm,
    VisitFilterForm,
    activities_for,
    decisions_for,
    honours_for,
    meetings_for,
    visits_for,
)

ACTIVITIES = lists.register(
    lists.ScopedList(
        key="activities.activities",
        title="活动",
        noun="场",
        permission="activities.view_activity",
        form_class=ActivityFilterForm,
        rows=activities_for,
        order=("-starts_at", "-pk"),
        template="activities/activity_list.html",
        url_name="activities:activity_list",
    )
)


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, ACTIVITIES)


VISITS = lists.register(
    lists.ScopedList(
        key="activities.visits",
        title="走访慰问",
        noun="次",
        permission="activities.view_visit",
        form_class=VisitFilterForm,
        rows=visits_for,
        order=("-visited_on", "-pk"),
        template="activities/visit_list.html",
        url_name="activities:visit_list",
    )
)
MEETINGS = lists.register(
    lists.ScopedList(
        key="activities.meetings",
        title="会议议事",
        noun="次",
        permission="activities.view_meeting",
        form_class=MeetingFilterForm,
        rows=meetings_for,
        order=("-held_on", "-pk"),
        template="activities/meeting_list.html",
        url_name="activities:meeting_list",
    )
)
DECISIONS = lists.register(
    lists.ScopedList(
        key="activities.decisions",
        title="议定事项",
        noun="件",
        permission="activities.view_decision",
        form_class=DecisionFilterForm,
        rows=decisions_for,
        order=("due_on", "pk"),
        template="activities/decision_list.html",
        url_name="activities:decision_list",
    )
)
HONOURS = lists.register(
    lists.ScopedList(
        key="activities.honours",
        title="荣誉",
        noun="项",
        permission="activities.view_honour",
        form_class=HonourFilterForm,
        rows=honours_for,
        order=("-awarded_on", "-pk"),
        template="activities/honour_list.html",
        url_name="activities:honour_list",
    )
)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, VISITS)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, MEETINGS)


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, DECISIONS)


@login_required
def honour_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, HONOURS)
