"""What the hall's display board shows (叫号显示屏): per open window its letter, name, whether it
is the 少数民族服务窗口 and in which languages it serves, the number it is serving and how
many wait. Nothing about a person: no name, no item, no phone — a queue code and counts."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.utils import timezone

from grid.models import OrgUnit

from .models import Ticket, TicketStatus, Window


def board_data(hall: OrgUnit) -> dict:
    today = timezone.localdate()
    windows = list(Window.objects.filter(community=hall, active=True).order_by("letter"))
    counts = {
        row["window"]: row
        for row in Ticket.objects.filter(window__in=windows, queue_day=today)
        .values("window")
        .annotate(
            waiting=Count("pk", filter=Q(status=TicketStatus.WAITING, called_at__isnull=True)),
            last_called=Max("called_at"),
        )
    }
    serving = {}
    for window_id, row in counts.items():
        if row["last_called"] is not None:
            serving[window_id] = (
                Ticket.objects.filter(window_id=window_id, queue_day=today, called_at=row["last_called"])
                .values_list("queue_code", flat=True)
                .first()
            )
    rows = []
    for window in windows:
        row = counts.get(window.pk, {})
        rows.append(
            {
                "letter": window.letter,
                "name": window.name,
                "minority": window.is_minority_window,
                "languages": window.language_list,
                "serving": serving.get(window.pk) or "",
                "waiting": row.get("waiting", 0),
            }
        )
    return {
        "hall": hall.name,
        "windows": rows,
        "waiting": sum(row["waiting"] for row in rows),
        "updated": timezone.localtime().strftime("%H:%M:%S"),
    }
