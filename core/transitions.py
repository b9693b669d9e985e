"""One way to move a record from one status to another: a declared table, checked and logged.

A model declares its states (``TextChoices``) and its moves once, as a class attribute::

    class TicketStatus(models.TextChoices):
        OPEN = "open", "待受理"
        ACCEPTED = "accepted", "已受理"
        CLOSED = "closed", "已办结"


    class Ticket(models.Model):
        status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN)

        transitions = TransitionTable(
            TicketStatus,
            [
                Move(TicketStatus.OPEN, TicketStatus.ACCEPTED, "services.change_ticket"),
                Move(TicketStatus.ACCEPTED, TicketStatus.CLOSED, "services.change_ticket", note_required=True),
                Move(TicketStatus.OPEN, TicketStatus.CLOSED, None),  # only the system (a task)
            ],
        )

and every change of status goes through :func:`transition`::

    transition(ticket, TicketStatus.ACCEPTED, by=request.user)  # a person, checked against the table
    transition(ticket, TicketStatus.CLOSED, note="逾期自动办结")   # the system (a task, a command)

The rules, each enforced here and nowhere else:

- only a declared move is made; any other raises :class:`TransitionRefused` (a
  ``ValidationError`` with a Chinese message) and changes nothing;
- ``by`` is the person making the move. A move whose permission is ``None`` is the
  system's alone (a task or a command: ``by=None``), never a person's; a move with a
  permission codename needs a person holding it — or the system, which acts on a person's
  behalf (a command-line import, a task finishing what someone started);
- a move declared ``note_required`` needs a note;
- the move is one conditional ``UPDATE … WHERE status = <the status read>``: of two
  concurrent moves from the same status only one changes the row, the other is refused
  (``code="stale"``) with the status it found. Callers may add conditions (``where``) and
  other columns to set in the same statement (``values``; ``F()`` expressions allowed);
- each move is recorded in ``core.Transition`` (what, from, to, by, at, note), in the same
  transaction as the update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.expressions import Combinable


def _log():
    # Looked up, not imported: core.models builds its job models on this module.
    return apps.get_model("core", "Transition")


class TransitionRefused(ValidationError):
    """A move the table does not allow, or that lost a race. ``code`` says which:
    ``not_allowed``, ``system_only``, ``permission``, ``note_required`` or ``stale``."""

    def __init__(self, message: str, code: str, current: str | None = None):
        super().__init__(message, code=code)
        self.current = current  # for "stale": the status the row had instead


@dataclass(frozen=True)
class Move:
    """One allowed move: from ``source`` to ``target``, by whom, and whether it needs a note.

    ``permission`` is a permission codename ("residents.import_ledger"), or ``None`` for a
    move only the system (a task, a command) may make."""

    source: str
    target: str
    permission: str | None = None
    note_required: bool = False


class TransitionTable:
    """The states of one status field and the moves between them."""

    def __init__(self, states: type[models.TextChoices], moves: Iterable[Move], *, field: str = "status"):
        self.states = states
        self.field = field
        self.moves: dict[tuple[str, str], Move] = {}
        known = set(states.values)
        for move in moves:
            unknown = {str(move.source), str(move.target)} - known
            if unknown:
                raise ValueError(f"unknown state(s) {sorted(unknown)} in {move}")
            self.moves[(str(move.source), str(move.target))] = move

    def label(self, state: str) -> str:
        return str(dict(self.states.choices).get(state, state))

    def move(self, source: str, target: str) -> Move | None:
        return self.moves.get((str(source), str(target)))

    def targets(self, source: str) -> list[str]:
        return [target for (s, target) in self.moves if s == str(source)]

    def may(self, user, source: str, target: str) -> bool:
        """Whether ``user`` (None: the system) may make this move, note aside."""
        move = self.move(source, target)
        return move is not None and _refusal(self, move, user) is None


def _refusal(table: TransitionTable, move: Move, by) -> tuple[str, str] | None:
    if by is None:
        return None
    if move.permission is None:
        return f"“{table.label(move.target)}”只能由系统自动设置。", "system_only"
    if not by.has_perm(move.permission):
        return f"您的角色无权将状态改为“{table.label(move.target)}”。", "permission"
    return None


def table_of(obj: models.Model) -> TransitionTable:
    table = getattr(type(obj), "transitions", None)
    if not isinstance(table, TransitionTable):
        raise TypeError(f"{type(obj).__name__} declares no TransitionTable as `transitions`")
    return table


def transition(
    obj: models.Model,
    target: str,
    *,
    by=None,
    note: str = "",
    where: models.Q | None = None,
    values: Mapping[str, Any] | None = None,
) -> models.Model:
    """Move ``obj`` from the status it holds (as loaded) to ``target``; return it, updated.

    Raises :class:`TransitionRefused` and changes nothing when the table does not allow the
    move for ``by``, a required note is missing, or the row no longer matches (its status
    moved on since ``obj`` was read, or ``where`` does not hold).
    """
    table = table_of(obj)
    model = type(obj)
    source = str(getattr(obj, table.field))
    target = str(target)
    name = model._meta.verbose_name
    move = table.move(source, target)
    if move is None:
        raise TransitionRefused(
            f"{name}当前为“{table.label(source)}”，不能改为“{table.label(target)}”。", "not_allowed", source
        )
    refusal = _refusal(table, move, by)
    if refusal:
        raise TransitionRefused(*refusal, current=source)
    note = note.strip()
    if move.note_required and not note:
        raise TransitionRefused(f"改为“{table.label(target)}”需要填写说明。", "note_required", source)

    values = dict(values or {})
    with transaction.atomic(using=obj._state.db):
        rows = model._default_manager.filter(pk=obj.pk, **{table.field: source})
        if where is not None:
            rows = rows.filter(where)
        if not rows.update(**{table.field: target}, **values):
            current = model._default_manager.filter(pk=obj.pk).values_list(table.field, flat=True).first()
            if current is None or current == source:
                message = f"{name}正由其他操作处理，未改为“{table.label(target)}”。"
            else:
                message = f"{name}已是“{table.label(current)}”，不能再改为“{table.label(target)}”。"
            raise TransitionRefused(message, "stale", current)
        _log().objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=obj.pk,
            field=table.field,
            from_state=source,
            to_state=target,
            by=by,
            note=note,
        )
    setattr(obj, table.field, target)
    computed = [field_name for field_name, value in values.items() if isinstance(value, Combinable)]
    for field_name, value in values.items():
        if field_name not in computed:
            setattr(obj, field_name, value)
    if computed:
        obj.refresh_from_db(fields=computed)
    return obj


def history(obj: models.Model) -> models.QuerySet:
    """The moves ``obj`` went through, oldest first."""
    return (
        _log()
        .objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
        .select_related("by")
    )
