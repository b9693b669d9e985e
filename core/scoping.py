"""The data scope, as core sees it: through the functions of ``settings.SCOPE_MODULE``.

core is below every app and imports none of them, yet its lists and export jobs must be
scoped like everything else. The app that owns the org tree (grid) provides the functions;
settings name it once, as ``AUTH_USER_MODEL`` names the user model, and core looks them up
when it first needs them.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings


@cache
def _module() -> ModuleType:
    return import_module(settings.SCOPE_MODULE)


def scope_queryset(user, queryset):
    """``queryset`` narrowed to what ``user`` may see (its model names a ``scope_path``)."""
    return _module().scope_queryset(user, queryset)


def get_in_scope_or_404(user, queryset, **lookup):
    return _module().get_in_scope_or_404(user, queryset, **lookup)


def user_org_unit(user):
    """The unit ``user`` works at, or None."""
    return _module().user_org_unit(user)


def unit_in_scope(user, unit) -> bool:
    return _module().unit_in_scope(user, unit)
