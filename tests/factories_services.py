"""Services records for tests, made through the actions."""

from __future__ import annotations

from services import actions
from services.models import Category, ServiceItem, Window


def make_item(
    name: str = "临时救助申请", *, category: str = Category.CIVIL, time_limit: int = 10, **fields
) -> ServiceItem:
    existing = ServiceItem.objects.filter(name=name).first()
    if existing:
        return existing
    return actions.item_create(by=None, name=name, category=category, time_limit=time_limit, **fields)


def make_window(community, letter: str = "A", *, name: str = "综合受理窗口", clerks=(), **fields) -> Window:
    return actions.window_create(
        by=None, community=community, letter=letter, name=name, clerks=clerks, **fields
    )


def make_ticket(unit, *, by=None, channel: str = "hotline", kind: str = "request", **fields):
    from services.models import Ticket

    fields.setdefault("applicant_name", "马大姐")
    fields.setdefault("subject", "楼道灯不亮")
    ticket: Ticket = actions.ticket_create(by=by, unit=unit, channel=channel, kind=kind, **fields)
    return ticket
