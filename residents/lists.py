"""The ledger's two lists, 按户 and 按人, registered with ``core.lists``: their pages and their
.xlsx exports (direct, or in the background above ``EXPORT_SYNC_MAX_ROWS`` rows).

Order, as the keyset pagination needs it (unique, never null, served by an index):

- households by (grid, 户号): the (grid, number) index, and unique because 户号 is unique
  in the community a grid belongs to;
- residents by (their household's grid, 户号, then the order they were registered in):
  the same index walks the households, each one's members come from the (household,
  status) index. The list used to put members in the alphabetical order of their status
  and relation codes (so "child" before "head"), which put no one where a reader looks
  for them; registration order keeps a household's members together, the head usually
  first, as the household page does. The export, not paged, lists each household's
  members as the household page does (户主, 配偶, then by relation and age).

Grids come in the order they were created, which for the tree's siblings is treebeard's
path order: households stay grouped by grid as before.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import export_views, lists

from . import idnumber
from .exports import FULL_IDENTITY, household_columns, resident_columns, resident_import_columns
from .filters import (
    LedgerFilterForm,
    ResidentFilterForm,
    full_id_number,
    households_for,
    residents_for,
    with_member_counts,
)
from .models import household_order


def partial_id_hint(filters: dict) -> dict:
    """Searching part of an ID number finds nothing by design; say why instead of a bare "无结果"."""
    compact = idnumber.normalize(filters.get("q", ""))
    looks_like_id = len(compact) >= 10 and compact[:-1].isdigit()
    if looks_like_id and full_id_number(compact) is None:
        return {"hint": "按身份证号查找需输入完整、正确的身份证号（18位或15位旧号）；不支持部分号码查找。"}
    return {"hint": ""}


HOUSEHOLDS = lists.register(
    lists.ScopedList(
        key="residents.households",
        title="户台账",
        noun="户",
        permission="residents.view_household",
        full_permission=FULL_IDENTITY,
        full_export_permission="residents.export_full_identity",
        full_label="完整身份证号和电话",
        form_class=LedgerFilterForm,
        rows=households_for,
        order=("grid_id", "number"),
        extras=with_member_counts,
        columns=tuple(household_columns()),
        context=partial_id_hint,
        template="residents/household_list.html",
        url_name="residents:household_list",
        export_url_name="residents:household_export",
    )
)

RESIDENTS = lists.register(
    lists.ScopedList(
        key="residents.residents",
        title="居民台账",
        noun="人",
        permission="residents.view_resident",
        full_permission=FULL_IDENTITY,
        full_export_permission="residents.export_full_identity",
        full_label="完整身份证号和电话",
        form_class=ResidentFilterForm,
        rows=residents_for,
        order=("household__grid_id", "household__number", "pk"),
        export_order=("household__grid_id", "household__number", *household_order()),
        columns=tuple(resident_columns()),
        full_columns=tuple(resident_import_columns()),
        context=partial_id_hint,
        template="residents/resident_list.html",
        url_name="residents:resident_list",
        export_url_name="residents:resident_export",
    )
)

# The keys background exports kept before they moved to core (``LedgerExport.kind``).
KIND_KEYS = {"households": HOUSEHOLDS.key, "residents": RESIDENTS.key}


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, HOUSEHOLDS)


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, RESIDENTS)


@login_required
def household_export(request: HttpRequest) -> HttpResponse:
    return export_views.list_export(request, HOUSEHOLDS)


@login_required
def resident_export(request: HttpRequest) -> HttpResponse:
    return export_views.list_export(request, RESIDENTS)
