"""Writes to the services records. Every change goes through here and leaves its
``core.Change`` (the calendar's amendments and the catalogue, the same for every unit and so
filed under none, leave an audited write instead); a ticket's status moves with
``core.transitions.transition``: a move the table does not allow, or that the person may
not make, is refused with a Chinese message and changes nothing.

Queue numbers (A001 …) come from ``QueueCounter``, one row per window and day, read and
raised under its row lock (``select_for_update``) in the transaction that writes the
ticket: two numbers taken at the same instant never collide, and a number is never skipped
or used twice (the unique constraint on window, day and number would refuse it). Calling
the next number locks the waiting ticket it takes, and on PostgreSQL a second clerk
calling at the same instant passes over it (``SKIP LOCKED``) to the next one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core import audit, history
from core.history import as_text, snapshot
from core.models import AuditKind
from core.transitions import transition
from grid.models import OrgLevel, OrgUnit
from grid.scope import scope_queryset, unit_in_scope
from residents.models import Resident

from .models import (
    CLOSED,
    WORK,
    Assistance,
    AssistanceAction,
    AssistanceKind,
    AssistanceStatus,
    Channel,
    Department,
    Holiday,
    Kind,
    MatterAction,
    MatterStatus,
    PracticalMatter,
    QueueCounter,
    Satisfaction,
    ServiceItem,
    Ticket,
    TicketAction,
    TicketStatus,
    Window,
)
from .workdays import Deadline, add_working_days, working_days_between

HOLIDAY_FIELDS = ("date", "kind", "name")


@transaction.atomic
def holiday_create(*, by, **fields: Any) -> Holiday:
    holiday = Holiday(**fields)
    holiday.full_clean()
    holiday.save()
    audit.record(AuditKind.WRITE, user=by, obj=holiday, action=history.CREATE)
    return holiday


@transaction.atomic
def holiday_update(*, by, holiday: Holiday, **fields: Any) -> Holiday:
    current = Holiday.objects.select_for_update().get(pk=holiday.pk)
    changed = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        audit.record(AuditKind.WRITE, user=by, obj=current, action=history.UPDATE)
    return current


@transaction.atomic
def holiday_delete(*, by, holiday: Holiday) -> None:
    audit.record(AuditKind.WRITE, user=by, obj=holiday, action=history.DELETE)
    holiday.delete()


# --- the catalogue and the windows -----------------------------------------------------------

ITEM_FIELDS = ("category", "name", "time_limit", "materials", "active")
WINDOW_FIELDS = ("letter", "name", "is_minority_window", "languages", "categories", "active")


@transaction.atomic
def item_create(*, by, **fields: Any) -> ServiceItem:
    """A 事项 of the catalogue (the same for every hall; no change history: audited)."""
    item = ServiceItem(**fields)
    item.full_clean()
    item.save()
    audit.record(AuditKind.WRITE, user=by, obj=item, action=history.CREATE)
    return item


@transaction.atomic
def item_update(*, by, item: ServiceItem, **fields: Any) -> ServiceItem:
    current = ServiceItem.objects.select_for_update().get(pk=item.pk)
    changed = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        audit.record(AuditKind.WRITE, user=by, obj=current, action=history.UPDATE)
    return current


def _clerks_in(community: OrgUnit, clerks) -> list:
    """Only accounts working in the community (or below it) sit at its windows."""
    return [
        user
        for user in clerks
        if getattr(getattr(user, "profile", None), "org_unit", None) is not None
        and user.profile.org_unit.path.startswith(community.path)
    ]


@transaction.atomic
def window_create(*, by, community: OrgUnit, clerks=(), **fields: Any) -> Window:
    if community.level != OrgLevel.COMMUNITY:
        raise ValidationError({"community": "服务窗口设在社区。"})
    if by is not None and not unit_in_scope(by, community):
        raise ValidationError({"community": "所选社区不在您的管辖范围内。"})
    window = Window(community=community, **fields)
    window.full_clean()
    window.save()
    window.clerks.set(_clerks_in(community, clerks))
    history.record(instance=window, action=history.CREATE, changes=snapshot(window, WINDOW_FIELDS), by=by)
    return window


@transaction.atomic
def window_update(*, by, window: Window, clerks=None, **fields: Any) -> Window:
    current = Window.objects.select_for_update().get(pk=window.pk)
    changes = history.diff(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if clerks is not None:
        old = sorted(current.clerks.values_list("pk", flat=True))
        current.clerks.set(_clerks_in(current.community, clerks))
        new = sorted(current.clerks.values_list("pk", flat=True))
        if old != new:
            changes["clerks"] = [", ".join(map(str, old)), ", ".join(map(str, new))]
    if changes:
        history.record(instance=current, action=history.UPDATE, changes=changes, by=by)
    return current


# --- tickets ---------------------------------------------------------------------------------

TICKET_FIELDS = ("channel", "kind", "window", "item", "subject", "received_on")
APPLICANT_FIELDS = ("resident", "applicant_name", "applicant_ethnicity", "applicant_phone")


def _community_of(unit: OrgUnit) -> OrgUnit:
    if unit.level == OrgLevel.COMMUNITY:
        return unit
    if unit.level == OrgLevel.GRID:
        parent = OrgUnit.objects.get_parent(unit)
        if parent is not None and parent.level == OrgLevel.COMMUNITY:
            return parent
    raise ValidationError({"unit": "办件登记在社区或网格下。"})


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _record(*, by, ticket: Ticket, action: str, changes: dict) -> None:
    history.record(instance=ticket, action=action, changes=changes, by=by)


def _applicant(by, ticket_community: OrgUnit, fields: dict[str, Any]) -> dict[str, Any]:
    """A resident in the person's scope (name and 民族 copied from the ledger), or a walk-in
    with a typed name; a consultation may stay anonymous."""
    fields = {name: fields[name] for name in APPLICANT_FIELDS if name in fields}
    resident = fields.get("resident")
    if resident is not None:
        if by is not None and not scope_queryset(by, Resident).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": "所选居民不在您的管辖范围内。"})
        fields["applicant_name"] = resident.name
        fields["applicant_ethnicity"] = resident.ethnicity
        if not fields.get("applicant_phone"):
            fields["applicant_phone"] = resident.phone
    else:
        fields["applicant_name"] = (fields.get("applicant_name") or "").strip()
    return fields


def _check_window(window: Window | None, community: OrgUnit) -> None:
    if window is not None and window.community_id != community.pk:
        raise ValidationError({"window": "只能选择本社区的窗口。"})


def next_queue_number(window: Window, day: dt.date) -> int:
    """The window's next number of ``day``; call inside a transaction. The counter row is
    locked (``SELECT … FOR UPDATE``) until the ticket holding the number is written and the
    transaction commits, so two numbers taken at once never collide and none is lost."""
    QueueCounter.objects.get_or_create(window=window, day=day)
    counter = QueueCounter.objects.select_for_update().get(window=window, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def queue_code(window: Window, number: int) -> str:
    return f"{window.letter}{number:03d}"


@transaction.atomic
def ticket_take_number(*, by, window: Window, kind: str = Kind.CONSULT) -> Ticket:
    """取号: a walk-in takes the window's next number of today and waits (等候)."""
    if by is not None and not unit_in_scope(by, window.community):
        raise ValidationError({"window": "所选窗口不在您的管辖范围内。"})
    if not window.active:
        raise ValidationError({"window": "该窗口暂停服务。"})
    today = timezone.localdate()
    number = next_queue_number(window, today)
    ticket = Ticket(
        community=window.community,
        unit=window.community,
        channel=Channel.WINDOW,
        kind=kind,
        window=window,
        queue_day=today,
        queue_number=number,
        queue_code=queue_code(window, number),
        received_on=today,
        created_by=by if getattr(by, "pk", None) else None,
    )
    ticket.full_clean()
    ticket.save()
    _record(
        by=by,
        ticket=ticket,
        action=history.CREATE,
        changes=snapshot(ticket, ("queue_code", "window", "kind")),
    )
    return ticket


def _select_next(window: Window, day: dt.date):
    rows = Ticket.objects.filter(
        window=window, queue_day=day, status=TicketStatus.WAITING, called_at__isnull=True
    ).order_by("queue_number")
    # Two clerks calling at once: the second passes over the row the first holds (PostgreSQL);
    # SQLite writes one transaction at a time anyway.
    skip = connection.features.has_select_for_update_skip_locked
    return rows.select_for_update(skip_locked=skip).first()


@transaction.atomic
def window_call_next(*, by, window: Window) -> Ticket | None:
    """叫号: the lowest waiting number of today at ``window`` is called (None: nobody waits)."""
    if by is not None and not by.has_perm(WORK):
        raise ValidationError("您的角色无权叫号。")
    if by is not None and not unit_in_scope(by, window.community):
        raise ValidationError({"window": "所选窗口不在您的管辖范围内。"})
    ticket = _select_next(window, timezone.localdate())
    if ticket is None:
        return None
    ticket.called_at = timezone.now()
    ticket.handled_by = by if getattr(by, "pk", None) else None
    ticket.save(update_fields=["called_at", "handled_by", "updated_at"])
    _record(
        by=by, ticket=ticket, action=TicketAction.CALL, changes={"called_at": ["", as_text(ticket.called_at)]}
    )
    return ticket


def now_serving(window: Window, day: dt.date | None = None) -> Ticket | None:
    """The number last called at ``window`` today (what the board shows)."""
    return (
        Ticket.objects.filter(window=window, queue_day=day or timezone.localdate(), called_at__isnull=False)
        .order_by("-called_at", "-queue_number")
        .first()
    )


@transaction.atomic
def ticket_create(*, by, unit: OrgUnit, import_key: str = "", **fields: Any) -> Ticket:
    """A ticket from another channel (信访, 热线, 网格上报, 线上, or a window without a number),
    waiting for its acceptance; a 信访's acceptance decision is due in PETITION_ACCEPT_DAYS."""
    unknown = set(fields) - set(TICKET_FIELDS) - set(APPLICANT_FIELDS)
    if unknown:
        raise TypeError(f"Ticket has no field(s): {', '.join(sorted(unknown))}")
    if by is not None and not unit_in_scope(by, unit):
        raise ValidationError({"unit": "所选单位不在您的管辖范围内。"})
    community = _community_of(unit)
    _check_window(fields.get("window"), community)
    fields.setdefault("received_on", timezone.localdate())
    if fields["received_on"] > timezone.localdate():
        raise ValidationError({"received_on": "登记日期不能晚于今天。"})
    applicant = _applicant(by, community, fields)
    values = {name: fields[name] for name in TICKET_FIELDS if name in fields}
    if values.get("channel") == Channel.PETITION:
        values["accept_by"] = values["received_on"] + dt.timedelta(days=settings.PETITION_ACCEPT_DAYS)
        if values.get("kind", Kind.CONSULT) == Kind.CONSULT:
            values["kind"] = Kind.REQUEST
    if values.get("kind") != Kind.CONSULT and not applicant.get("applicant_name"):
        raise ValidationError({"applicant_name": "办件和诉求需要填写申请人，或从台账中选择居民。"})
    ticket = Ticket(
        community=community,
        unit=unit,
        created_by=by if getattr(by, "pk", None) else None,
        import_key=import_key,
        **values,
        **applicant,
    )
    ticket.full_clean()
    ticket.save()
    _record(
        by=by,
        ticket=ticket,
        action=history.CREATE,
        changes=snapshot(ticket, (*TICKET_FIELDS, *APPLICANT_FIELDS)),
    )
    return ticket


@transaction.atomic
def ticket_record(*, by, ticket: Ticket, **fields: Any) -> Ticket:
    """登记信息 at the desk: who came, for which item, what about — before it closes."""
    if by is not None and not by.has_perm(WORK):
        raise ValidationError("您的角色无权登记办件信息。")
    ticket = _locked(ticket)
    if ticket.status in CLOSED:
        raise ValidationError(f"办件已{ticket.get_status_display()}，不能再修改。")
    allowed = {"kind", "item", "subject", *APPLICANT_FIELDS}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot record: {', '.join(sorted(unknown))}")
    values = {name: fields[name] for name in ("kind", "item", "subject") if name in fields}
    if any(name in fields for name in APPLICANT_FIELDS):
        values.update(_applicant(by, ticket.community, {name: fields.get(name) for name in APPLICANT_FIELDS}))
    changes = history.diff(ticket, values)
    for name, value in values.items():
        setattr(ticket, name, value)
    ticket.full_clean()
    ticket.save()
    if changes:
        _record(by=by, ticket=ticket, action=TicketAction.RECORD, changes=changes)
    return ticket


def deadline_for(ticket: Ticket, accepted_on: dt.date) -> Deadline | None:
    """信访: PETITION_HANDLING_DAYS calendar days. Otherwise the item's working days (即办: the
    same day), a 诉求 without an item SERVICES_REQUEST_WORKING_DAYS; a 咨询 has none."""
    if ticket.channel == Channel.PETITION:
        return Deadline(accepted_on + dt.timedelta(days=settings.PETITION_HANDLING_DAYS))
    if ticket.item_id is not None:
        return add_working_days(accepted_on, ticket.item.time_limit)
    if ticket.kind == Kind.CONSULT:
        return None
    return add_working_days(accepted_on, settings.SERVICES_REQUEST_WORKING_DAYS)


@transaction.atomic
def ticket_accept(*, by, ticket: Ticket, on: dt.date | None = None, note: str = "") -> Ticket:
    """受理: the deadline starts."""
    ticket = _locked(ticket)
    on = on or timezone.localdate()
    if on < ticket.received_on:
        raise ValidationError({"on": "受理日期不能早于登记日期。"})
    if ticket.kind != Kind.CONSULT and not ticket.applicant_name:
        raise ValidationError("请先登记申请人，再受理。")
    deadline = deadline_for(ticket, on)
    values = {
        "accepted_on": on,
        "deadline": deadline.day if deadline else None,
        "deadline_estimated": bool(deadline and deadline.estimated),
    }
    if getattr(by, "pk", None):
        values["handled_by"] = by
    transition(ticket, TicketStatus.ACCEPTED, by=by, note=note, values=values)
    _record(
        by=by,
        ticket=ticket,
        action=TicketAction.ACCEPT,
        changes={"accepted_on": ["", as_text(on)], "deadline": ["", as_text(values["deadline"])]},
    )
    return ticket


@transaction.atomic
def ticket_start(*, by, ticket: Ticket, note: str = "") -> Ticket:
    """办理中."""
    ticket = _locked(ticket)
    transition(ticket, TicketStatus.IN_PROGRESS, by=by, note=note)
    _record(by=by, ticket=ticket, action=TicketAction.START, changes={})
    return ticket


def _close(
    *, by, ticket: Ticket, target: str, action: str, note: str, on: dt.date | None, **values: Any
) -> Ticket:
    ticket = _locked(ticket)
    on = on or timezone.localdate()
    started = ticket.accepted_on or ticket.received_on
    if on < started:
        raise ValidationError({"on": "办结日期不能早于受理日期。"})
    values = {
        "closed_on": on,
        "handling_days": working_days_between(started, on).days,
        "result": note.strip()[:500],
        **values,
    }
    old = {name: as_text(getattr(ticket, name)) for name in values}
    transition(ticket, target, by=by, note=note, values=values)
    changes = {
        name: [old[name], as_text(value)] for name, value in values.items() if old[name] != as_text(value)
    }
    _record(by=by, ticket=ticket, action=action, changes=changes)
    return ticket


@transaction.atomic
def ticket_complete(*, by, ticket: Ticket, result: str = "", on: dt.date | None = None) -> Ticket:
    """办结, with what was done."""
    return _close(
        by=by, ticket=ticket, target=TicketStatus.COMPLETED, action=TicketAction.COMPLETE, note=result, on=on
    )


@transaction.atomic
def ticket_answer(*, by, ticket: Ticket, result: str = "") -> Ticket:
    """A question answered at the desk: 受理 and 办结 in one step."""
    ticket = ticket_accept(by=by, ticket=ticket)
    return ticket_complete(by=by, ticket=ticket, result=result or "已当场答复。")


@transaction.atomic
def ticket_serve(*, by, ticket: Ticket, answer: bool = False, **fields: Any) -> Ticket:
    """The desk's one step for the person called: record who and what, then 受理 — or, for a
    question, answer it (受理 and 办结). All or nothing: a refused acceptance keeps no record."""
    ticket = ticket_record(by=by, ticket=ticket, **fields)
    if answer or ticket.kind == Kind.CONSULT:
        return ticket_answer(by=by, ticket=ticket, result=ticket.subject)
    return ticket_accept(by=by, ticket=ticket)


@transaction.atomic
def ticket_return(*, by, ticket: Ticket, reason: str, on: dt.date | None = None) -> Ticket:
    """退回, with the reason (材料不全, 不属于受理范围 …)."""
    return _close(
        by=by, ticket=ticket, target=TicketStatus.RETURNED, action=TicketAction.RETURN, note=reason, on=on
    )


@transaction.atomic
def ticket_refer(*, by, ticket: Ticket, department: str, note: str = "", on: dt.date | None = None) -> Ticket:
    """转办 to the department that decides it."""
    if department not in Department.values:
        raise ValidationError({"department": "请选择转办部门。"})
    return _close(
        by=by,
        ticket=ticket,
        target=TicketStatus.REFERRED,
        action=TicketAction.REFER,
        note=note or f"转{Department(department).label}",
        on=on,
        referred_to=department,
    )


@transaction.atomic
def ticket_extend(*, by, ticket: Ticket, reason: str) -> Ticket:
    """A 信访's handling extended once, by PETITION_EXTENSION_DAYS at most, with the reason."""
    if by is not None and not by.has_perm(WORK):
        raise ValidationError("您的角色无权延长办理期限。")
    ticket = _locked(ticket)
    reason = reason.strip()
    if ticket.channel != Channel.PETITION:
        raise ValidationError("只有信访事项可以延长办理期限。")
    if not ticket.is_open:
        raise ValidationError(f"办件当前为“{ticket.get_status_display()}”，不能延长期限。")
    if ticket.extended:
        raise ValidationError("信访事项办理期限只能延长一次，本件已延长过。")
    if not reason:
        raise ValidationError({"reason": "延长期限需要填写理由。"})
    old = ticket.deadline
    ticket.deadline = old + dt.timedelta(days=settings.PETITION_EXTENSION_DAYS)
    ticket.extended = True
    ticket.extension_reason = reason[:200]
    ticket.save(update_fields=["deadline", "extended", "extension_reason", "updated_at"])
    _record(
        by=by,
        ticket=ticket,
        action=TicketAction.EXTEND,
        changes={
            "deadline": [as_text(old), as_text(ticket.deadline)],
            "extended": ["否", "是"],
            "extension_reason": ["", ticket.extension_reason],
        },
    )
    return ticket


@transaction.atomic
def ticket_rate(*, by, ticket: Ticket, satisfaction: str, comment: str = "") -> Ticket:
    """满意度评价 of a closed ticket, as the applicant gave it."""
    if by is not None and not by.has_perm(WORK):
        raise ValidationError("您的角色无权登记满意度。")
    ticket = _locked(ticket)
    if ticket.status not in CLOSED:
        raise ValidationError("办件办结后才能评价。")
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": "请选择满意、基本满意或不满意。"})
    values = {"satisfaction": satisfaction, "satisfaction_comment": comment.strip()[:200]}
    changes = history.diff(ticket, values)
    for name, value in values.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*values, "updated_at"])
    if changes:
        _record(by=by, ticket=ticket, action=TicketAction.RATE, changes=changes)
    return ticket


# --- 帮扶 ------------------------------------------------------------------------------------

ASSISTANCE_FIELDS = ("kind", "resident", "household", "started_on", "measures", "amount", "identified_on")


def _grid_of(by, *, resident: Resident | None, household) -> tuple[Any, OrgUnit]:
    """The household helped (a resident's own, when a person is helped) and its grid, which
    must be in the person's scope."""
    if resident is None and household is None:
        raise ValidationError({"resident": "请选择帮扶对象（居民或家庭）。"})
    if resident is not None:
        if by is not None and not scope_queryset(by, Resident).filter(pk=resident.pk).exists():
            raise ValidationError({"resident": "所选居民不在您的管辖范围内。"})
        if household is not None and household.pk != resident.household_id:
            raise ValidationError({"household": "所选家庭不是该居民所在的户。"})
        household = resident.household
    grid = household.grid
    if by is not None and not unit_in_scope(by, grid):
        raise ValidationError({"household": "所选家庭不在您的管辖范围内。"})
    return household, grid


@transaction.atomic
def assistance_create(*, by, **fields: Any) -> Assistance:
    """登记帮扶. 就业援助 starts at 认定 (on ``identified_on``, the day given by default);
    every other kind is being given (帮扶中)."""
    unknown = set(fields) - set(ASSISTANCE_FIELDS)
    if unknown:
        raise TypeError(f"Assistance has no field(s): {', '.join(sorted(unknown))}")
    household, grid = _grid_of(by, resident=fields.get("resident"), household=fields.get("household"))
    fields["household"] = household
    started = fields.get("started_on") or timezone.localdate()
    if started > timezone.localdate():
        raise ValidationError({"started_on": "帮扶日期不能晚于今天。"})
    fields["started_on"] = started
    employment = fields.get("kind") == AssistanceKind.EMPLOYMENT
    if employment:
        if fields.get("resident") is None:
            raise ValidationError({"resident": "就业援助的对象是个人：请选择居民。"})
        fields["identified_on"] = fields.get("identified_on") or started
    else:
        fields["identified_on"] = None
    assistance = Assistance(
        community=_community_of(grid),
        unit=grid,
        status=AssistanceStatus.IDENTIFIED if employment else AssistanceStatus.HELPING,
        created_by=by if getattr(by, "pk", None) else None,
        **fields,
    )
    assistance.full_clean()
    assistance.save()
    history.record(
        instance=assistance,
        action=history.CREATE,
        changes=snapshot(assistance, (*ASSISTANCE_FIELDS, "status")),
        by=by,
    )
    return assistance


def _moved(*, by, record, target: str, action: str, note: str = "", **values: Any):
    """Move an assistance or a practical matter (re-read under its row lock) and keep what
    changed in its history."""
    record = type(record).objects.select_for_update().get(pk=record.pk)
    old = {name: as_text(getattr(record, name)) for name in ("status", *values)}
    transition(record, target, by=by, note=note, values=values)
    changes = {
        name: [old[name], as_text(getattr(record, name))]
        for name in old
        if old[name] != as_text(getattr(record, name))
    }
    history.record(instance=record, action=action, changes=changes, by=by)
    return record


@transaction.atomic
def assistance_start(*, by, assistance: Assistance, note: str = "") -> Assistance:
    """认定之后开始帮扶 (就业援助)."""
    return _moved(
        by=by, record=assistance, target=AssistanceStatus.HELPING, action=AssistanceAction.START, note=note
    )


@transaction.atomic
def assistance_place(*, by, assistance: Assistance, placement: str, on: dt.date | None = None) -> Assistance:
    """就业援助 ends in a job: where, and from when."""
    if not assistance.is_employment:
        raise ValidationError("只有就业援助才登记实现就业。")
    placement = (placement or "").strip()
    if not placement:
        raise ValidationError({"placement": "请填写就业去向（单位或岗位）。"})
    on = on or timezone.localdate()
    if on < assistance.started_on:
        raise ValidationError({"on": "就业日期不能早于帮扶日期。"})
    return _moved(
        by=by,
        record=assistance,
        target=AssistanceStatus.PLACED,
        action=AssistanceAction.PLACE,
        note=placement,
        placement=placement[:100],
        placed_on=on,
        closed_on=on,
    )


@transaction.atomic
def assistance_complete(
    *, by, assistance: Assistance, note: str = "", on: dt.date | None = None
) -> Assistance:
    """帮扶完成 (a 就业援助 completes by 实现就业 instead)."""
    if assistance.is_employment:
        raise ValidationError("就业援助以实现就业结束：请登记就业去向，或终止帮扶。")
    on = on or timezone.localdate()
    if on < assistance.started_on:
        raise ValidationError({"on": "结束日期不能早于帮扶日期。"})
    return _moved(
        by=by,
        record=assistance,
        target=AssistanceStatus.DONE,
        action=AssistanceAction.COMPLETE,
        note=note,
        closed_on=on,
    )


@transaction.atomic
def assistance_end(*, by, assistance: Assistance, reason: str) -> Assistance:
    """终止帮扶, with why (迁出, 不再符合条件 …)."""
    return _moved(
        by=by,
        record=assistance,
        target=AssistanceStatus.ENDED,
        action=AssistanceAction.END,
        note=reason,
        closed_on=timezone.localdate(),
    )


# --- 实事 / 微心愿 ----------------------------------------------------------------------------

MATTER_FIELDS = (
    "kind",
    "title",
    "description",
    "origin",
    "raised_on",
    "owner",
    "due_on",
    "beneficiary_count",
)


def _beneficiaries(by, community: OrgUnit, residents) -> list[Resident]:
    residents = list(residents or ())
    if not residents:
        return []
    allowed = Resident.objects.filter(
        pk__in=[r.pk for r in residents], household__grid__path__startswith=community.path
    )
    if by is not None:
        allowed = scope_queryset(by, allowed)
    if allowed.count() != len({r.pk for r in residents}):
        raise ValidationError({"beneficiaries": "受益居民须是本社区、您管辖范围内的居民。"})
    return residents


@transaction.atomic
def matter_create(
    *, by, unit: OrgUnit, beneficiaries=(), source: Any = None, **fields: Any
) -> PracticalMatter:
    """登记实事或微心愿, under a community or one of its grids; ``source`` is the record it
    came from (a meeting's decision), which must be filed in the same community."""
    unknown = set(fields) - set(MATTER_FIELDS)
    if unknown:
        raise TypeError(f"PracticalMatter has no field(s): {', '.join(sorted(unknown))}")
    if by is not None and not unit_in_scope(by, unit):
        raise ValidationError({"unit": "所选单位不在您的管辖范围内。"})
    community = _community_of(unit)
    fields.setdefault("raised_on", timezone.localdate())
    if fields["raised_on"] > timezone.localdate():
        raise ValidationError({"raised_on": "提出日期不能晚于今天。"})
    if fields.get("due_on") and fields["due_on"] < fields["raised_on"]:
        raise ValidationError({"due_on": "完成时限不能早于提出日期。"})
    residents = _beneficiaries(by, community, beneficiaries)
    fields["beneficiary_count"] = max(fields.get("beneficiary_count") or 0, len(residents))
    matter = PracticalMatter(
        community=community, unit=unit, created_by=by if getattr(by, "pk", None) else None, **fields
    )
    if source is not None:
        source_unit = history.unit_id_of(source)
        if (
            source_unit is None
            or not OrgUnit.objects.filter(pk=source_unit, path__startswith=community.path).exists()
        ):
            raise ValidationError("来源记录不属于本社区。")
        matter.source_type = ContentType.objects.get_for_model(type(source))
        matter.source_id = source.pk
        if PracticalMatter.objects.filter(source_type=matter.source_type, source_id=source.pk).exists():
            raise ValidationError("这项决定已转为实事，不能重复登记。")
    matter.full_clean()
    matter.save()
    matter.beneficiaries.set(residents)
    changes = snapshot(matter, MATTER_FIELDS)
    if residents:
        changes["beneficiaries"] = ["", "、".join(str(r.pk) for r in residents)]
    history.record(instance=matter, action=history.CREATE, changes=changes, by=by)
    return matter


@transaction.atomic
def matter_start(*, by, matter: PracticalMatter, note: str = "") -> PracticalMatter:
    return _moved(by=by, record=matter, target=MatterStatus.IN_PROGRESS, action=MatterAction.START, note=note)


@transaction.atomic
def matter_complete(
    *, by, matter: PracticalMatter, result: str, on: dt.date | None = None
) -> PracticalMatter:
    """办结, with what was done: counted as 已办结 in the period it was done."""
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "请填写办理结果。"})
    on = on or timezone.localdate()
    if on < matter.raised_on:
        raise ValidationError({"on": "办结日期不能早于提出日期。"})
    return _moved(
        by=by,
        record=matter,
        target=MatterStatus.DONE,
        action=MatterAction.COMPLETE,
        note=result,
        result=result[:300],
        done_on=on,
    )


@transaction.atomic
def matter_cancel(*, by, matter: PracticalMatter, reason: str) -> PracticalMatter:
    return _moved(
        by=by, record=matter, target=MatterStatus.CANCELLED, action=MatterAction.CANCEL, note=reason
    )


@transaction.atomic
def matter_add_beneficiary(*, by, matter: PracticalMatter, resident: Resident) -> PracticalMatter:
    """One more resident the matter serves (受益居民); the count of people grows with them."""
    matter = PracticalMatter.objects.select_for_update().get(pk=matter.pk)
    if not matter.is_open:
        raise ValidationError(f"实事已{matter.get_status_display()}，不能再添加受益居民。")
    _beneficiaries(by, matter.community, [resident])
    if matter.beneficiaries.filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民已在受益居民中。"})
    matter.beneficiaries.add(resident)
    count = matter.beneficiaries.count()
    changes = {"beneficiaries": ["", str(resident.pk)]}
    if matter.beneficiary_count < count:
        changes["beneficiary_count"] = [str(matter.beneficiary_count), str(count)]
        matter.beneficiary_count = count
        matter.save(update_fields=["beneficiary_count", "updated_at"])
    history.record(instance=matter, action=MatterAction.BENEFICIARY, changes=changes, by=by)
    return matter


@transaction.atomic
def residents_merged(*, by, keep: Resident, duplicate: Resident) -> None:
    """A person registered twice was merged (``residents.actions.resident_merge``): tickets,
    帮扶 and 实事 that named the duplicate name the record kept."""
    for model in (Ticket, Assistance):
        history.repoint(by=by, rows=model.objects.all(), field="resident", keep=keep, duplicate=duplicate)
    for matter in PracticalMatter.objects.filter(beneficiaries=duplicate).select_for_update():
        matter.beneficiaries.remove(duplicate)
        matter.beneficiaries.add(keep)  # already there: nothing added, the count stays
        history.record(
            instance=matter,
            action=history.UPDATE,
            changes={"beneficiaries": [str(duplicate.pk), str(keep.pk)]},
            by=by,
        )
