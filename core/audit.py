"""安全审计: writing the audit log (``core.AuditEvent``).

``record(kind, user=…, request=…, obj=…, outcome=…, **detail)`` from any app: actions,
views, tasks. ``detail`` is for counts, reasons and codes — never a personal value (no
name, ID number or phone): the audit must be readable by its auditor without revealing
what it guards. Bulk paths write one event per import or export, not per row, and a page
showing whole ID numbers or phones one per view (``full_values_shown``), not per value.

Since every write is audited (``core.history.record`` records one event per change, the
ledger import one per file, role changes their own), recording one of those kinds also
tells the dashboard's cache that the figures have changed (``core.reporting.figures_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import reporting, scoping
from .models import AuditEvent, AuditKind

# The kinds that change what reports and dashboards count.
FIGURE_KINDS = frozenset({AuditKind.WRITE, AuditKind.IMPORT, AuditKind.ACCOUNT})


def client_address(request) -> str | None:
    """The address the request came from. Behind a proxy, REMOTE_ADDR is the proxy's; the
    deployment sets it from X-Forwarded-For at the proxy (docs/deployment.md)."""
    return getattr(request, "META", {}).get("REMOTE_ADDR") or None


def record(
    kind: str,
    *,
    user=None,
    request=None,
    obj: models.Model | None = None,
    outcome: str = "ok",
    username: str = "",
    **detail,
) -> AuditEvent:
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if kind in FIGURE_KINDS:
        reporting.figures_changed()
    actor = user if getattr(user, "pk", None) else None
    unit = scoping.user_org_unit(actor) if actor is not None else None
    return AuditEvent.objects.create(
        kind=kind,
        user=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        address=client_address(request) if request is not None else None,
        org_unit=unit,
        object_type=ContentType.objects.get_for_model(obj, for_concrete_model=False)
        if obj is not None
        else None,
        object_id=obj.pk if obj is not None else None,
        outcome=outcome,
        detail=detail,
    )


def full_values_shown(request, obj: models.Model | None, *values: object, also: int = 0) -> AuditEvent | None:
    """查看完整个人信息: the one audit of a page that shows whole ID numbers or phones.

    One event per page view, not per value: it names ``obj`` (the resident, household,
    building … the page is about) and ``values=`` how many it shows whole — the ``values``
    passed that are not empty, plus ``also`` (those its history shows whole:
    ``core.history.whole_values``) — never the values themselves. The caller passes only
    what it shows whole; a page showing none (a role that sees them masked, a record
    without a phone) records nothing and this returns None.
    """
    shown = sum(1 for value in values if value) + also
    if not shown:
        return None
    return record(AuditKind.FULL_VALUES, request=request, obj=obj, values=shown)


def form_values(form, names: Iterable[str]) -> list[object]:
    """What an unbound form shows of the fields ``names``: the stored values its inputs are
    filled with, for ``full_values_shown``. A bound form shows what was just posted, which
    reveals nothing stored; fields the form leaves out show nothing."""
    if form is None or form.is_bound:
        return []
    return [form[name].value() for name in names if name in form.fields]


# Sign-ins and sign-outs come from Django's auth signals: the one place every sign-in path
# (the login page, the admin's) passes. Recording them is auditing, not business logic.


def _signed_in(sender, request, user, **kwargs) -> None:
    record(AuditKind.SIGN_IN, user=user, request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # The account tried, not the password; an unknown account is named as typed, cut short.
    record(
        AuditKind.SIGN_IN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
        outcome="failed",
    )


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(AuditKind.SIGN_OUT, user=user, request=request)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="core.audit.signed_in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="core.audit.sign_in_failed")
    user_logged_out.connect(_signed_out, dispatch_uid="core.audit.signed_out")
