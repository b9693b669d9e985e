"""core.reporting's helpers for cached figures: the figures' version, bumped by every
audited write, and the memo that lets a section and a chart share one query."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings

from core import audit, reporting
from core.models import AuditKind

# Each test starts with the cached figures stale (tests/conftest.py): never cache.clear(),
# which on Redis empties the database the other test processes use too.


def test_the_write_and_import_audit_kinds_bump_the_version(db):
    version = reporting.figures_version()
    audit.record(AuditKind.SIGN_IN)
    assert reporting.figures_version() == version
    audit.record(AuditKind.WRITE, action="update")
    assert reporting.figures_version() > version
    version = reporting.figures_version()
    audit.record(AuditKind.IMPORT, new=3)
    assert reporting.figures_version() > version


def test_the_version_is_bumped_again_when_the_write_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = reporting.figures_version()
        reporting.figures_changed()
        assert reporting.figures_version() == version + 1
    assert reporting.figures_version() == version + 2


def test_a_lost_version_never_comes_back_to_an_old_number(db):
    version = reporting.figures_version()
    cache.delete(reporting.FIGURES_VERSION_KEY)
    assert reporting.figures_version() > version


def test_a_memoized_function_runs_once_per_arguments_inside_a_computation():
    calls = []

    @reporting.memoized
    def figures(unit, day):
        calls.append((unit, day))
        return len(calls)

    assert (figures(1, "a"), figures(1, "a")) == (1, 2)  # outside a computation: every call runs
    calls.clear()
    with reporting.computation():
        assert figures(1, "a") == figures(1, "a") == 1
        with reporting.computation():  # a nested one shares the outer's
            assert figures(1, "a") == 1
            assert figures(2, "a") == 2
    assert calls == [(1, "a"), (2, "a")]
    with reporting.computation():  # a new one starts empty
        assert figures(1, "a") == 3


DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1"}
}


def test_a_write_goes_through_while_the_cache_is_down(db, caplog):
    with override_settings(CACHES=DOWN):
        audit.record(AuditKind.WRITE, action="update")
    assert "could not be bumped" in caplog.text
