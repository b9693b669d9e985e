"""The activities' blocks on pages they do not own (``core.registry`` panels)."""

from __future__ import annotations

from core.registry import Panel
from grid.scope import scope_queryset

from .models import Visit

# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------

HOUSEHOLD_VISITS = 20


def household_visits_panel(user, household) -> Panel | None:
    """A household's visits (走访慰问) on its page, newest first, in the reader's scope, for
    roles that read visits; a button to record one for those who may."""
    if not user.has_perm("activities.view_visit"):
        return None
    rows = scope_queryset(user, Visit.objects.filter(household=household)).prefetch_related("visitors")
    # One query for a household without visits (its page keeps its budget); counted only when
    # there are more than are shown.
    visits = list(rows.order_by("-visited_on", "-pk")[: HOUSEHOLD_VISITS + 1])
    count = rows.count() if len(visits) > HOUSEHOLD_VISITS else len(visits)
    return Panel(
        "activities/_household_visits.html",
        {
            "household": household,
            "visits": visits[:HOUSEHOLD_VISITS],
            "count": count,
            "may_add": user.has_perm("activities.add_visit") and household.closed_on is None,
        },
    )
