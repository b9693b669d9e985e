"""What every app's views share: the permission check, breadcrumbs, the one form page and
how an action's refusal lands on a form.

Views stay plain functions: check the role (``require``, 403), fetch the record through
``grid.scope`` (404 outside scope), call an action, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from . import audit
from .models import AuditKind

REFUSED = "您的角色无权进行此操作。"


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb trail; a step without a URL is named, not linked."""

    label: str
    url: str | None = None


def require(request: HttpRequest, *perms: str) -> None:
    """403 unless the person's role grants every one of ``perms``: checked before any lookup.
    A refusal is in the audit log (安全审计)."""
    if not all(request.user.has_perm(perm) for perm in perms):
        audit.record(AuditKind.DENIED, request=request, outcome="denied", path=request.path[:200])
        raise PermissionDenied(REFUSED)


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data for a bound form, or None on GET (an empty POST still binds and fails)."""
    return request.POST if request.method == "POST" else None


def add_action_errors(form: BaseForm, error: ValidationError) -> None:
    """Show an action's ValidationError on the form; errors about fields it lacks go on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def form_page(
    request: HttpRequest,
    *,
    title: str,
    crumbs: list[Crumb],
    cancel_url: str,
    template: str = "core/form_page.html",
    **context: Any,
) -> HttpResponse:
    """The page of one edit: ``form`` (and any other forms the template shows), an optional
    ``note``, a ``blocked`` reason that replaces the form, and ``submit_label``.

    A form class naming ``personal_fields`` (ID numbers, phones) shows them whole in its
    inputs: a page filled with stored ones is in the audit log (``audit_form_values``)."""
    audit_form_values(request, [value for value in context.values() if isinstance(value, BaseForm)])
    context = {"title": title, "crumbs": [*crumbs, Crumb(title)], "cancel_url": cancel_url, **context}
    return render(request, template, context)


def audit_form_values(request: HttpRequest, forms: list[BaseForm]) -> None:
    """One 查看完整个人信息 event for a page of ``forms`` whose inputs hold stored whole values
    of their ``personal_fields``, naming the record the first of them edits."""
    shown = [
        value for form in forms for value in audit.form_values(form, getattr(form, "personal_fields", ()))
    ]
    if any(shown):
        edited = [form.instance for form in forms if getattr(getattr(form, "instance", None), "pk", None)]
        audit.full_values_shown(request, edited[0] if edited else None, *shown)
