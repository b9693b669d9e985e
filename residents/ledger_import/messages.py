"""An import's row errors as each reader may see them.

The rows are kept once, but read by anyone whose scope covers the import's community,
not only by who ran it. An error about a person registered elsewhere is kept without
the place (``ELSEWHERE``) and the household it is about; shown, it names 社区, 网格 and
户号 only to a reader whose scope covers that household.
"""

from __future__ import annotations

from grid.scope import scope_queryset

from ..models import Household

ELSEWHERE = "该身份证号已在系统中登记（不在您的管辖范围内），不能在本社区重复登记"


def error_record(column: str, message: str, household: int | None = None) -> dict:
    """One error as ``LedgerImportRow.errors`` keeps it."""
    return {"column": column, "message": message, **({"household": household} if household else {})}


def shown_to(user, errors_by_row: dict[int, list[dict]]) -> dict[int, list[dict]]:
    """``errors_by_row`` with each error about another household worded for ``user``
    (``user`` None: the command line's operator, who sees everything)."""
    about = {e["household"] for errors in errors_by_row.values() for e in errors if e.get("household")}
    if not about:
        return errors_by_row
    households = Household.objects.select_related("community", "grid")
    visible = (households if user is None else scope_queryset(user, households)).in_bulk(about)
    shown = {}
    for row, errors in errors_by_row.items():
        shown[row] = []
        for error in errors:
            where = visible.get(error.get("household"))
            if where is not None:
                message = f"该身份证号已登记在{where.community.name}{where.grid.name}户号{where.number}，不能在本社区重复登记"
                error = {**error, "message": message}
            shown[row].append(error)
    return shown
