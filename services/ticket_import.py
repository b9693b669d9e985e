"""Past 办件台账 from a window's Excel file (``manage.py import_tickets FILE --community CODE``).

One sheet, a header row naming the columns (any order; unknown columns are ignored):
登记日期 (required), 渠道 (窗口, 信访, 热线, 网格上报, 线上; default 窗口), 类型 (咨询, 办件, 诉求;
default 办件), 事项 (a catalogue name), 窗口 (its letter), 申请人, 民族, 联系电话, 内容摘要,
受理日期, 办结日期, 状态 (等候, 受理, 办理中, 办结, 退回, 转办; by default from the dates),
办理结果, 转办部门, 满意度 (满意, 基本满意, 不满意).

- **Checked first, row by row**: every problem is named with its line (第3行：…), and one bad
  row means nothing is written (all or nothing).
- **Dry run**: checks and counts, writes nothing.
- **Idempotent**: each row is keyed (``Ticket.import_key``) by the community and its
  cells; a row already imported (or repeated in the file) is skipped, so importing the same
  file again writes nothing.
- **Through the actions**: each ticket is created and moved by ``services.actions`` with its
  own dates, so its history and transitions are kept as for a ticket entered by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import load_workbook

from grid.models import OrgUnit, phone_validator
from residents.models import Ethnicity

from . import actions
from .models import Channel, Department, Kind, Satisfaction, ServiceItem, Ticket, TicketStatus, Window

COLUMNS = (
    "登记日期",
    "渠道",
    "类型",
    "事项",
    "窗口",
    "申请人",
    "民族",
    "联系电话",
    "内容摘要",
    "受理日期",
    "办结日期",
    "状态",
    "办理结果",
    "转办部门",
    "满意度",
)
KEYED = ("登记日期", "渠道", "类型", "事项", "窗口", "申请人", "联系电话", "内容摘要")


def _labels(choices) -> dict[str, str]:
    return {str(label): value for value, label in choices}


CHANNELS, KINDS, STATUSES = _labels(Channel.choices), _labels(Kind.choices), _labels(TicketStatus.choices)
DEPARTMENTS, RATINGS = _labels(Department.choices), _labels(Satisfaction.choices)


class Rollback(Exception):
    """Raised inside the import's transaction to undo a dry run."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if not text:
        return None
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except (ValueError, TypeError) as error:
        raise ValueError(text) from error


def read_rows(path: Path | IO[bytes]) -> list[dict[str, Any]]:
    """The sheet's rows as {column: cell}, the header row first in the file (a path, or an
    uploaded file in the admin)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(cell) for cell in next(rows, ())]
        out = []
        for cells in rows:
            if not any(_text(cell) for cell in cells):
                continue
            out.append({name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name})
        return out
    finally:
        book.close()


def import_key(community: OrgUnit, row: dict[str, Any]) -> str:
    cells = "\x1f".join(_text(row.get(name)) for name in KEYED)
    return hashlib.sha256(f"{community.code}\x1e{cells}".encode()).hexdigest()


@dataclass
class Planned:
    line: int
    key: str
    fields: dict[str, Any]
    status: str
    accepted_on: dt.date | None
    closed_on: dt.date | None
    result: str
    department: str
    rating: str


def _plan(line: int, row: dict, community: OrgUnit, lookups: dict) -> tuple[Planned | None, list[str]]:
    at = f"第{line}行"
    errors: list[str] = []

    def choice(column: str, table: dict, default: str = "") -> str:
        text = _text(row.get(column))
        if not text:
            return default
        if text not in table:
            errors.append(f"{at}：{column}“{text}”不在可选范围内（{'、'.join(table)}）。")
            return default
        return table[text]

    def date(column: str) -> dt.date | None:
        try:
            return _date(row.get(column))
        except ValueError:
            errors.append(f"{at}：{column}“{_text(row.get(column))}”不是有效日期（例如2026-03-02）。")
            return None

    received = date("登记日期")
    if received is None and not any(e.startswith(f"{at}：登记日期") for e in errors):
        errors.append(f"{at}：请填写登记日期。")
    accepted, closed = date("受理日期"), date("办结日期")
    channel = choice("渠道", CHANNELS, Channel.WINDOW)
    kind = choice("类型", KINDS, Kind.CASE)
    default_status = (
        TicketStatus.COMPLETED if closed else TicketStatus.ACCEPTED if accepted else TicketStatus.WAITING
    )
    status = choice("状态", STATUSES, default_status)
    department = choice("转办部门", DEPARTMENTS)
    rating = choice("满意度", RATINGS)
    item = None
    if name := _text(row.get("事项")):
        item = lookups["items"].get(name)
        if item is None:
            errors.append(f"{at}：事项“{name}”不在服务事项目录中，请先在管理后台添加。")
    window = None
    if letter := _text(row.get("窗口")).upper():
        window = lookups["windows"].get(letter)
        if window is None:
            errors.append(f"{at}：{community.name}没有窗口“{letter}”。")
    ethnicity = None
    if name := _text(row.get("民族")):
        ethnicity = lookups["ethnicities"].get(name) or lookups["ethnicities"].get(f"{name}族")
        if ethnicity is None:
            errors.append(f"{at}：民族“{name}”无法识别。")
    phone = _text(row.get("联系电话"))
    if phone:
        try:
            phone_validator(phone)
        except ValidationError:
            errors.append(f"{at}：联系电话“{phone}”格式不正确。")
    applicant = _text(row.get("申请人"))[:50]
    if kind != Kind.CONSULT and not applicant:
        errors.append(f"{at}：办件和诉求需要填写申请人。")
    if status in (
        TicketStatus.ACCEPTED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.COMPLETED,
        TicketStatus.REFERRED,
    ):
        accepted = accepted or received
    if status in (TicketStatus.COMPLETED, TicketStatus.RETURNED, TicketStatus.REFERRED) and closed is None:
        errors.append(f"{at}：状态为“{_text(row.get('状态')) or '办结'}”时请填写办结日期。")
    if status == TicketStatus.REFERRED and not department:
        errors.append(f"{at}：转办的请填写转办部门。")
    if status == TicketStatus.RETURNED and not _text(row.get("办理结果")):
        errors.append(f"{at}：退回的请在办理结果中写明理由。")
    if received and accepted and accepted < received:
        errors.append(f"{at}：受理日期不能早于登记日期。")
    if closed and (accepted or received) and closed < (accepted or received):
        errors.append(f"{at}：办结日期不能早于受理日期。")
    if received and received > lookups["today"]:
        errors.append(f"{at}：登记日期不能晚于今天。")
    if rating and status not in (TicketStatus.COMPLETED, TicketStatus.RETURNED, TicketStatus.REFERRED):
        errors.append(f"{at}：办结后才有满意度。")
    if errors:
        return None, errors
    fields = {
        "channel": channel,
        "kind": kind,
        "item": item,
        "window": window,
        "applicant_name": applicant,
        "applicant_ethnicity": ethnicity,
        "applicant_phone": phone,
        "subject": _text(row.get("内容摘要"))[:300],
        "received_on": received,
    }
    return (
        Planned(
            line=line,
            key=import_key(community, row),
            fields=fields,
            status=status,
            accepted_on=accepted,
            closed_on=closed,
            result=_text(row.get("办理结果"))[:500],
            department=department,
            rating=rating,
        ),
        [],
    )


def _write(by, community: OrgUnit, plan: Planned) -> None:
    ticket = actions.ticket_create(by=by, unit=community, import_key=plan.key, **plan.fields)
    if plan.status == TicketStatus.WAITING:
        return
    if plan.status == TicketStatus.RETURNED and plan.accepted_on is None:
        ticket = actions.ticket_return(by=by, ticket=ticket, reason=plan.result, on=plan.closed_on)
    else:
        ticket = actions.ticket_accept(by=by, ticket=ticket, on=plan.accepted_on)
        if plan.status == TicketStatus.IN_PROGRESS:
            ticket = actions.ticket_start(by=by, ticket=ticket)
        elif plan.status == TicketStatus.COMPLETED:
            ticket = actions.ticket_complete(by=by, ticket=ticket, result=plan.result, on=plan.closed_on)
        elif plan.status == TicketStatus.RETURNED:
            ticket = actions.ticket_return(by=by, ticket=ticket, reason=plan.result, on=plan.closed_on)
        elif plan.status == TicketStatus.REFERRED:
            ticket = actions.ticket_refer(
                by=by, ticket=ticket, department=plan.department, note=plan.result, on=plan.closed_on
            )
    if plan.rating:
        actions.ticket_rate(by=by, ticket=ticket, satisfaction=plan.rating)


def import_tickets(
    *, by, community: OrgUnit, rows: list[dict[str, Any]], dry_run: bool = False, today: dt.date | None = None
) -> ImportResult:
    """Check every row, then write them all (or, with errors or a dry run, nothing)."""
    from django.utils import timezone

    result = ImportResult(rows=len(rows))
    missing = [name for name in ("登记日期",) if rows and name not in rows[0]]
    if missing:
        result.errors.append(f"缺少列：{'、'.join(missing)}（第1行应为列名）。")
        return result
    lookups = {
        "items": {item.name: item for item in ServiceItem.objects.all()},
        "windows": {w.letter: w for w in Window.objects.filter(community=community)},
        "ethnicities": {
            **{alias: e for e in Ethnicity.objects.all() for alias in e.aliases},
            **{e.name: e for e in Ethnicity.objects.all()},
        },
        "today": today or timezone.localdate(),
    }
    known = set(
        Ticket.objects.filter(community=community).exclude(import_key="").values_list("import_key", flat=True)
    )
    plans = []
    for index, row in enumerate(rows, start=2):
        plan, errors = _plan(index, row, community, lookups)
        result.errors += errors
        if plan is None:
            continue
        if plan.key in known:
            result.skipped += 1
            continue
        known.add(plan.key)
        plans.append(plan)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for plan in plans:
                try:
                    _write(by, community, plan)
                except ValidationError as error:
                    result.errors.append(f"第{plan.line}行：{'；'.join(error.messages)}")
            if result.errors or dry_run:
                raise Rollback
    except Rollback:
        if result.errors:
            return result
    result.created = len(plans)
    return result
