"""The activity list (活动), registered with ``core.lists``: in scope, filtered by kind, theme,
period and organising unit, keyset-paged, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import lists

from .forms import ActivityFilterForm, activities_for

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
