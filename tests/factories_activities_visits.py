"""Visits, meetings with decisions and honours for tests, made through the actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from activities import actions
from activities.models import (
    Decision,
    Honour,
    HonourLevel,
    Meeting,
    MeetingKind,
    Recipient,
    Visit,
    VisitReason,
)


def make_visit(
    household,
    *,
    by=None,
    visited_on: dt.date = dt.date(2026, 2, 10),
    reason: str = VisitReason.FESTIVAL,
    amount: Decimal | int | str = Decimal("500"),
    visitor_names: str = "社区书记",
    **fields,
) -> Visit:
    return actions.visit_create(
        by=by,
        household=household,
        visited_on=visited_on,
        reason=reason,
        amount=Decimal(amount),
        visitor_names=visitor_names,
        **fields,
    )


def make_meeting(
    community,
    *,
    by=None,
    held_on: dt.date = dt.date(2026, 3, 5),
    kind: str = MeetingKind.UNITY,
    decisions: list[dict] | None = None,
    **fields,
) -> Meeting:
    return actions.meeting_create(
        by=by,
        community=community,
        held_on=held_on,
        kind=kind,
        place=fields.pop("place", "社区会议室"),
        attendee_names=fields.pop("attendee_names", "社区书记、社区民警、物业公司"),
        minutes=fields.pop("minutes", "研究民族团结进步创建工作。"),
        decisions=decisions or [],
        **fields,
    )


def make_decision(
    meeting, *, by=None, content: str = "为困难少数民族家庭孩子购买学习用品", due_on=None, **fields
) -> Decision:
    return actions.decision_add(
        by=by,
        meeting=meeting,
        content=content,
        owner_unit=fields.pop("owner_unit", "社区居委会"),
        due_on=due_on or meeting.held_on + dt.timedelta(days=30),
        **fields,
    )


def make_honour(
    community,
    *,
    by=None,
    title: str = "民族团结进步先进单位",
    level: str = HonourLevel.CITY,
    awarded_by: str = "阜新市人民政府",
    awarded_on: dt.date = dt.date(2026, 5, 20),
    recipient: str = Recipient.UNIT,
    **fields,
) -> Honour:
    return actions.honour_create(
        by=by,
        community=community,
        title=title,
        level=level,
        awarded_by=awarded_by,
        awarded_on=awarded_on,
        recipient=recipient,
        **fields,
    )
