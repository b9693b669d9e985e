"""One change history for every record type (变更记录): how changes are written, and read.

An app makes a model's changes kept by declaring it in its ``hooks.py``::

    history.track(
        Resident,
        actions=ChangeAction,                       # its verbs beside 新增 / 修改
        personal={"id_number": mask_id_number, "phone": mask_phone},
        full_permission="residents.view_full_identity",
        related={"floating_registration.": (FloatingRegistration, "流动人口")},
    )

and its actions write through ``record`` (one change) or, for a bulk path, through
``bulk_rows``' column layout. Every value is kept as text (``as_text``), so the page
reads one format; ``entries`` turns changes into what the shared template
``core/_history.html`` shows: verbose names, choice labels, related records named within the
reader's scope, and personal fields masked unless the reader's role may see them whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet

from . import audit, scoping
from .models import AuditKind, Change

CREATE, UPDATE, DELETE = "create", "update", "delete"
# Who may read the history of the records they may see.
VIEW = "core.view_change"
COMMON_ACTIONS = {CREATE: "新增", UPDATE: "修改", DELETE: "删除"}
OUT_OF_SCOPE = "（不在您的管辖范围内）"
GONE = "（已不存在）"
EMPTY = "—"


# --- what is tracked ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    actions: dict[str, str]
    # Field key → how it is shown to a reader who may not see it whole.
    personal: dict[str, Callable[[str], str]]
    # Who reads personal fields whole; None: nobody, in the history (the edit form shows them).
    full_permission: str | None
    # Key prefix → the related model whose fields are kept with this one's, and its label.
    related: dict[str, tuple[type[models.Model], str]]
    # How a record this one points at is named in the history ("户号 0101"), by model.
    names: dict[type[models.Model], Callable[[models.Model], str]]


_tracked: dict[type[models.Model], Tracked] = {}


def track(
    model: type[models.Model],
    *,
    actions: Iterable[tuple[str, str]] | type[models.TextChoices] = (),
    personal: dict[str, Callable[[str], str]] | None = None,
    full_permission: str | None = None,
    related: dict[str, tuple[type[models.Model], str]] | None = None,
    names: dict[type[models.Model], Callable[[models.Model], str]] | None = None,
) -> None:
    """Keep ``model``'s changes. Its ``scope_path`` says where each change is filed in the tree."""
    choices = actions.choices if isinstance(actions, type) else list(actions)
    _tracked[model] = Tracked(
        model=model,
        actions={**COMMON_ACTIONS, **{key: str(label) for key, label in choices}},
        personal=dict(personal or {}),
        full_permission=full_permission,
        related=dict(related or {}),
        names=dict(names or {}),
    )


def tracked(model: type[models.Model]) -> Tracked:
    try:
        return _tracked[model]
    except KeyError:
        raise TypeError(f"{model._meta.label} is not tracked: register it with core.history.track") from None


def tracked_models() -> list[type[models.Model]]:
    return list(_tracked)


def action_label(change: Change) -> str:
    """The change's verb as its app named it (迁出, 新增 …)."""
    model = ContentType.objects.get_for_id(change.record_type_id).model_class()
    spec = _tracked.get(model)
    labels = spec.actions if spec else COMMON_ACTIONS
    return labels.get(change.action, change.action)


# --- writing ----------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """A field value as it is kept in the history: dates ISO, booleans 是/否, FKs their pk."""
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def diff(instance: models.Model, values: dict[str, Any]) -> dict[str, list[str]]:
    """The fields of ``values`` that differ from ``instance``'s, as {field: [old, new]}.

    Keys are model field names (``ethnicity`` for a foreign key, compared by pk).
    """
    old = {name: getattr(instance, instance._meta.get_field(name).attname) for name in values}
    new = {name: value.pk if isinstance(value, models.Model) else value for name, value in values.items()}
    return diff_values(old, new)


def diff_values(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """``diff`` for plain values (a foreign key as its pk), as a bulk importer holds them."""
    changed = {}
    for name, value in new.items():
        before = old.get(name)
        if (before if before is not None else "") != (value if value is not None else ""):
            changed[name] = [as_text(before), as_text(value)]
    return changed


def creation(values: dict[str, Any]) -> dict[str, list[str]]:
    """A record created with ``values``: each field that was set, from nothing to its value."""
    out = {}
    for name, value in values.items():
        if value is None or value is False or value == "":
            continue
        out[name] = ["", as_text(value)]
    return out


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, list[str]]:
    """A creation recorded as every given field going from nothing to its value."""
    return creation({name: getattr(instance, instance._meta.get_field(name).attname) for name in fields})


def unit_id_of(instance: models.Model) -> int | None:
    """The org unit a record is filed under now, read along its model's ``scope_path``."""
    path = type(instance).scope_path
    if not path:
        return instance.pk
    *hops, last = path.split("__")
    target = instance
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    return getattr(target, f"{last}_id")


def content_type_id(model: type[models.Model]) -> int:
    return ContentType.objects.get_for_model(model, for_concrete_model=False).pk


def record(
    *,
    instance: models.Model,
    action: str,
    changes: dict[str, list[str]],
    by,
    parent: models.Model | None = None,
    unit_id: int | None = None,
    source: models.Model | None = None,
) -> Change:
    """Write one change of ``instance`` (listed under ``parent`` too, when given).

    ``unit_id`` is where the change is filed; by default where ``parent`` (or the record)
    is now. Pass it when the record has just left: a move is filed under both households.
    """
    model = type(instance)
    tracked(model)  # an untracked model is a programming error, caught on its first write
    if unit_id is None:
        unit_id = unit_id_of(parent if parent is not None else instance)
    # Every write done through an action is also in the audit log, without its values.
    audit.record(AuditKind.WRITE, user=by, obj=instance, action=action)
    return Change.objects.create(
        record_type_id=content_type_id(model),
        record_id=instance.pk,
        parent_type_id=content_type_id(type(parent)) if parent is not None else None,
        parent_id=parent.pk if parent is not None else None,
        org_unit_id=unit_id,
        action=action,
        changes=changes,
        user=by if getattr(by, "pk", None) else None,
        source_type_id=content_type_id(type(source)) if source is not None else None,
        source_id=source.pk if source is not None else None,
    )


# --- reading ----------------------------------------------------------------------------------


def of_record(instance: models.Model) -> QuerySet[Change]:
    """The record's own changes, newest first."""
    return Change.objects.filter(record_type_id=content_type_id(type(instance)), record_id=instance.pk)


def under(instance: models.Model) -> QuerySet[Change]:
    """The record's own changes and those listed under it (a household's and its members')."""
    ct = content_type_id(type(instance))
    return Change.objects.filter(
        Q(record_type_id=ct, record_id=instance.pk) | Q(parent_type_id=ct, parent_id=instance.pk)
    )


@dataclass
class HistoryRow:
    label: str
    old: str
    new: str
    # How many of ``old`` and ``new`` are personal values shown whole (for the audit log).
    whole: int = 0


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    action: str
    subject: str
    subject_url: str | None
    rows: list[HistoryRow] = field(default_factory=list)


def _field_of(spec: Tracked, key: str) -> tuple[models.Field | None, str]:
    """The model field a key names, and the label prefix of a related record's field."""
    model = spec.model
    prefix_label = ""
    for prefix, (related, label) in spec.related.items():
        if key.startswith(prefix):
            model, key = related, key[len(prefix) :]
            prefix_label = f"{label}·"
            break
    try:
        return model._meta.get_field(key), prefix_label
    except FieldDoesNotExist:  # a key that names no field: shown as written
        return None, prefix_label


def _rank(spec: Tracked, key: str) -> tuple[int, int]:
    found, prefix_label = _field_of(spec, key)
    fields = list(found.model._meta.fields) if found is not None else []
    return (bool(prefix_label), fields.index(found) if found in fields else len(fields))


def _names(user, model: type[models.Model], pks: set[int]) -> dict[int, models.Model | str]:
    """The records a change points at, by pk; a scoped one outside the reader's scope (the
    household someone came from in another community) is named only as such."""
    try:
        found: dict[int, models.Model | str] = scoping.scope_queryset(
            user, model._default_manager.all()
        ).in_bulk(pks)
    except TypeError:  # reference data (民族), which has no place in the tree: anyone may read it
        return model._default_manager.in_bulk(pks)
    if missing := pks - set(found):
        found |= dict.fromkeys(
            model._default_manager.filter(pk__in=missing).values_list("pk", flat=True), OUT_OF_SCOPE
        )
    return found


def _who(change: Change) -> str:
    who = (change.user.get_full_name() or change.user.username) if change.user_id and change.user else "系统"
    if change.source_type_id:
        source_model = change.source_type.model_class()
        via = getattr(source_model, "history_via", None) if source_model else None
        if via:
            who = f"{who}（{via}）"
    return who


def entries(
    changes: list[Change],
    *,
    user,
    subject: Callable[[Change], tuple[str, str | None]] | None = None,
    masked: bool = False,
) -> list[HistoryEntry]:
    """The changes as the page shows them, for ``user``.

    ``subject(change)`` names what changed and links to it (a member on a household's page);
    by default a change is named by its record type (楼栋). Personal fields are masked
    unless ``user`` holds the record type's ``full_permission`` — or always, with ``masked``
    (a page that lists many people shows none of them whole).
    """
    specs = {
        ct_id: tracked(ContentType.objects.get_for_id(ct_id).model_class())
        for ct_id in {change.record_type_id for change in changes}
    }
    full = {
        ct_id: not masked and bool(spec.full_permission and user.has_perm(spec.full_permission))
        for ct_id, spec in specs.items()
    }
    wanted: dict[type[models.Model], set[int]] = {}
    for change in changes:
        spec = specs[change.record_type_id]
        for key, pair in change.changes.items():
            found, _ = _field_of(spec, key)
            if found is not None and found.is_relation:
                for value in pair:
                    if str(value).isdigit():
                        wanted.setdefault(found.related_model, set()).add(int(value))
    names = {model: _names(user, model, pks) for model, pks in wanted.items()}
    sources = _sources(changes)

    def shown(spec: Tracked, found: models.Field | None, key: str, value: str, full_values: bool) -> str:
        if value in ("", None):
            return EMPTY
        if found is None:
            return str(value)
        mask = spec.personal.get(key)
        if mask is not None and not full_values:
            return mask(value)
        if found.is_relation:
            obj = names.get(found.related_model, {}).get(int(value)) if str(value).isdigit() else None
            if obj is None:
                return GONE
            if obj is OUT_OF_SCOPE:
                return OUT_OF_SCOPE
            describe = spec.names.get(type(obj))
            return describe(obj) if describe else str(obj)
        if found.choices:
            # Kept as text: an integer choice (层级 3) is looked up as the text it was stored as.
            return str({str(key): label for key, label in found.flatchoices}.get(str(value), value))
        return str(value)

    out = []
    for change in changes:
        spec = specs[change.record_type_id]
        rows = []
        # jsonb keeps keys in its own order; show them in the model's field order everywhere.
        for key, (old, new) in sorted(change.changes.items(), key=lambda item: _rank(spec, item[0])):
            found, prefix_label = _field_of(spec, key)
            label = prefix_label + (str(found.verbose_name) if found is not None else key)
            full_values = full[change.record_type_id]
            # A personal value is whole where ``shown`` leaves it unmasked.
            personal = key in spec.personal and (full_values or found is None)
            rows.append(
                HistoryRow(
                    label,
                    shown(spec, found, key, old, full_values),
                    shown(spec, found, key, new, full_values),
                    whole=sum(value not in ("", None) for value in (old, new)) if personal else 0,
                )
            )
        if change.source_id and not change.changes:
            source = sources.get((change.source_type_id, change.source_id))
            if source is not None:
                # A record a job created points at the job, whose file holds the initial values.
                rows.append(HistoryRow("来源", EMPTY, getattr(source, "history_label", str(source))))
        label, url = subject(change) if subject else (str(spec.model._meta.verbose_name), None)
        out.append(
            HistoryEntry(
                at=change.at,
                who=_who(change),
                action=spec.actions.get(change.action, change.action),
                subject=label,
                subject_url=url,
                rows=rows,
            )
        )
    return out


def whole_values(history: list[HistoryEntry] | None) -> int:
    """How many personal values ``history`` (``entries``) shows whole: what a page showing
    it adds to its audit event (``core.audit.full_values_shown``)."""
    return sum(row.whole for entry in history or () for row in entry.rows)


def _sources(changes: list[Change]) -> dict[tuple[int, int], models.Model]:
    wanted: dict[int, set[int]] = {}
    for change in changes:
        if change.source_id:
            wanted.setdefault(change.source_type_id, set()).add(change.source_id)
    out = {}
    for ct_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for pk, obj in model._default_manager.in_bulk(pks).items():
            out[(ct_id, pk)] = obj
    return out


def bulk_columns() -> tuple[str, ...]:
    """The columns a bulk writer fills per change row (``Change``'s attnames), in order."""
    return ("record_type_id", "record_id", "parent_type_id", "parent_id", "org_unit_id", "action", "changes")


HISTORY_LIMIT = 100


def page_history(
    user, instance: models.Model, *, subject=None, masked: bool = False
) -> list[HistoryEntry] | None:
    """The history a record's page shows (its own changes and those listed under it), or
    None when the reader's role may not read histories: the template then shows no card."""
    if not user.has_perm(VIEW):
        return None
    changes = list(scoping.scope_queryset(user, under(instance)).select_related("user")[:HISTORY_LIMIT])
    return entries(changes, user=user, subject=subject, masked=masked)


def repoint(
    *,
    by,
    rows: QuerySet,
    field: str,
    keep: models.Model,
    duplicate: models.Model,
    parent: str | None = None,
    unique_with: tuple[str, ...] = (),
) -> int:
    """Point ``field`` of each of ``rows`` that names ``duplicate`` at ``keep`` instead (a
    record merged into another), each row's change in its history (filed under its
    ``parent`` attribute too, when named). A row whose ``unique_with`` fields ``keep`` already
    has a row for (both signed in at one activity) is deleted instead: ``keep``'s row stands.
    Returns how many rows were changed or deleted."""
    model = rows.model
    names = [field, *(["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else [])]
    touched = 0
    for row in rows.filter(**{field: duplicate}).select_for_update():
        owner = getattr(row, parent) if parent else None
        attnames = (model._meta.get_field(name).attname for name in unique_with)
        same = {attname: getattr(row, attname) for attname in attnames}
        if same and rows.filter(**{field: keep}, **same).exists():
            record(
                instance=row, parent=owner, action=DELETE, changes={field: [as_text(duplicate), ""]}, by=by
            )
            row.delete()
        else:
            changes = diff(row, {field: keep})
            setattr(row, field, keep)
            row.save(update_fields=names)
            record(instance=row, parent=owner, action=UPDATE, changes=changes, by=by)
        touched += 1
    return touched
