"""What services adds to other apps' pages (``core.registry.related_panel``): a resident's
帮扶 on their page, and on a meeting's decision (``activities.Decision``, named by its label
so services imports nothing of activities) the 实事 it became, or the way to make it one."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from core.registry import Panel
from grid.scope import scope_queryset

from .models import Assistance, PracticalMatter

RESIDENT_LIMIT = 10


def resident_assistance_panel(user, resident) -> Panel | None:
    """The help the resident (or their household as a whole) was given, in the reader's scope."""
    if not user.has_perm("services.view_assistance"):
        return None
    rows = scope_queryset(
        user,
        Assistance.objects.filter(
            Q(resident=resident) | Q(resident__isnull=True, household_id=resident.household_id)
        ),
    ).order_by("-started_on", "-pk")
    return Panel("services/_resident_assistance.html", {"rows": list(rows[:RESIDENT_LIMIT])})


def decision_matter_panel(user, decision) -> Panel | None:
    """A decision's 实事: the one it became, else a link to register it (for those who may)."""
    if not user.has_perm("services.view_practicalmatter"):
        return None
    kind = ContentType.objects.get_for_model(type(decision))
    matter = scope_queryset(
        user, PracticalMatter.objects.filter(source_type=kind, source_id=decision.pk)
    ).first()
    create_url = ""
    if matter is None:
        if not user.has_perm("services.add_practicalmatter"):
            return None
        source = f"{kind.app_label}.{kind.model}:{decision.pk}"
        create_url = f"{reverse('services:matter_create')}?{urlencode({'source': source})}"
    return Panel("services/_decision_matter.html", {"matter": matter, "create_url": create_url})
