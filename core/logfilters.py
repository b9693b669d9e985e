"""Log records as an operator wants them: a refused request is a warning about who asked.

Django logs a 403 (and a 404) with the exception's traceback, as if the program had failed.
Here the request was refused on purpose (a role, a scope): the record keeps its warning
and path, loses the traceback, and names the account (its login name only; nothing
personal goes into logs).
"""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
            user = getattr(getattr(record, "request", None), "user", None)
            who = user.get_username() if getattr(user, "is_authenticated", False) else "匿名"
            record.msg = f"{record.msg} (用户 {who.replace('%', '%%')})"
        return True
