"""core.logfilters: a refused request is logged as a warning naming the account, without a
traceback; a real error keeps its traceback."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.test import RequestFactory

from core.logfilters import RefusalsWithoutTraceback


def record(status: int, user) -> logging.LogRecord:
    try:
        raise PermissionError("refused")
    except PermissionError:
        exc_info = sys.exc_info()
    request = RequestFactory().get("/residents/")
    request.user = user
    made = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden: %s", ("/residents/",), exc_info
    )
    made.status_code, made.request = status, request
    return made


def test_a_refusal_loses_its_traceback_and_names_the_account(tree, staff_user):
    refused = record(403, staff_user)
    assert RefusalsWithoutTraceback().filter(refused)
    assert refused.exc_info is None
    assert refused.getMessage() == f"Forbidden: /residents/ (用户 {staff_user.username})"


def test_a_server_error_keeps_its_traceback(tree, staff_user):
    failed = record(500, staff_user)
    RefusalsWithoutTraceback().filter(failed)
    assert failed.exc_info is not None and "用户" not in failed.getMessage()


def test_the_console_handler_applies_it():
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["refusals"]
