"""Services records for tests, made through the actions."""

from __future__ import annotations

import datetime as dt

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


def make_assistance(resident, *, by=None, kind: str = "temporary", started: bool = False, **fields):
    """帮扶 of ``resident``; ``started`` moves a 就业援助 from 认定 to 帮扶中."""
    fields.setdefault("measures", "推荐就业岗位" if kind == "employment" else "发放临时救助金")
    fields.setdefault("started_on", dt.date(2026, 11, 2))
    assistance = actions.assistance_create(by=by, kind=kind, resident=resident, **fields)
    if started and kind == "employment":
        assistance = actions.assistance_start(by=by, assistance=assistance)
    return assistance


def make_matter(unit, *, by=None, title: str = "楼道加装扶手", **fields):
    fields.setdefault("owner", "社区居委会")
    fields.setdefault("raised_on", dt.date(2026, 11, 2))
    fields.setdefault("due_on", dt.date(2026, 12, 31))
    return actions.matter_create(by=by, unit=unit, title=title, **fields)
