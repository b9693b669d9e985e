"""Registered lists (登记的列表): one mechanism for every app's scoped, filtered, paged list
and its .xlsx export.

An app describes a list once, in its own ``lists.py`` (found at start-up, like
``admin.py``), and wires two plain views to it::

    HOUSEHOLDS = lists.register(lists.ScopedList(
        key="residents.households", title="户台账", noun="户",
        permission="residents.view_household", full_permission="residents.view_full_identity",
        form_class=LedgerFilterForm, rows=households_for, order=("grid_id", "number"),
        columns=household_columns(), extras=with_member_counts,
        template="residents/household_list.html",
        url_name="residents:household_list", export_url_name="residents:household_export",
    ))

    @login_required
    def household_list(request):
        return lists.list_page(request, HOUSEHOLDS)

What it gets:

- the page: 403 without ``permission``; the filter form bound to the URL, the search term
  POSTed and kept in the session under the list's own key (names and ID numbers stay out
  of URLs, browser history and access logs); rows from ``rows(user, filters)``, the app's
  selector, which goes through the data scope itself;
- keyset pagination on ``order`` (a unique, non-null sort key an index serves): a page
  deep in half a million rows costs what the first does, no OFFSET; 下一页/上一页 carry
  a signed cursor holding only the last row's id; a tampered cursor shows the first page;
- a count that never counts the whole scope: exact up to ``count_cap`` rows, then
  "超过 1,000 户", read with the first page's rows and carried by the cursors;
- ``extras(queryset)`` (per-row subqueries, say a member count) run for the page's rows
  only, and for the export's;
- the export: ``columns`` written formula-safe by ``core.xlsx``, personal columns (those
  with a ``mask``) masked unless the reader asked for full values and holds
  ``full_permission``; above ``settings.EXPORT_SYNC_MAX_ROWS`` rows a background job
  (``core.exports``) rebuilt for its requester as they are when it runs, listed on the
  one 我的导出 page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from .views import require
from .xlsx import Column

SEARCH_SESSION_PREFIX = "list-search:"
CURSOR = "cursor"
# Not filters: what the URL carries besides them.
NOT_FILTERS = ("q", CURSOR, "page", "search", "unmasked", "reason", "csrfmiddlewaretoken")


class ChoicesInOneQuery(forms.models.ModelChoiceIterator):
    """A model choice field's options read by one plain query, kept with the form.

    Django's iterator reads them through ``QuerySet.iterator()``: on PostgreSQL outside a
    transaction that is a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three
    round trips, the result materialised at commit) on every page, for a scope's few
    hundred grids or buildings."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListFilterForm(forms.Form):
    """A base for a list's filter form: bound with the user (its choices are scoped),
    ``values()`` the filters that are valid. A choice field without an empty choice has
    its first choice as the default the list applies (say, 在册 only)."""

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                # Also for a queryset the subclass sets later: the field asks its iterator then.
                field.iterator = ChoicesInOneQuery
                field.widget.choices = field.choices
            if isinstance(field.widget, forms.Select):
                # A refused filter is named in one line under the row (core/_list_filters.html).
                field.widget.attrs["class"] = "form-select form-select-sm"

    def values(self) -> dict:
        """The valid filters; an invalid one (say, a grid outside scope) is simply not applied."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}

    def defaults(self) -> dict[str, str]:
        return {
            name: str(field.choices[0][0])
            for name, field in self.fields.items()
            if isinstance(field, forms.ChoiceField)
            and not isinstance(field, forms.ModelChoiceField)
            and field.choices
            and field.choices[0][0] not in ("", None)
        }

    @property
    def active_count(self) -> int:
        """How many filters besides the search are set (the phone layout shows it on the toggle)."""
        values, defaults = self.values(), self.defaults()
        return sum(1 for k, v in values.items() if k != "q" and str(v) != defaults.get(k))


@dataclass(frozen=True)
class ScopedList:
    """One registered list; see the module's docstring."""

    key: str
    title: str
    permission: str
    form_class: type[ListFilterForm]
    # (user, filters) → QuerySet, already narrowed to the user's scope by the app.
    rows: Callable[[Any, dict], QuerySet]
    # The keyset sort key: fields (a "-" for descending) that together are unique and never null.
    order: tuple[str, ...]
    template: str
    url_name: str
    export_url_name: str = ""
    columns: Sequence[Column] = ()
    full_permission: str | None = None
    # Exporting the full values is a permission of its own, given to roles deliberately; the
    # export is then a POST with a stated purpose (用途), recorded in the audit log.
    full_export_permission: str | None = None
    full_label: str = "完整个人信息"
    # The sheet a full-value export writes, if not ``columns`` unmasked (the ledger's: the
    # import template's columns, so the file can be corrected and imported back).
    full_columns: Sequence[Column] = ()
    # The export's row order, if not the pages' keyset ``order`` (members as a 户口簿 lists them).
    export_order: Sequence[Any] = ()
    extras: Callable[[QuerySet], QuerySet] | None = None
    # (filters) → more context for the template (a hint about the search, say).
    context: Callable[[dict], dict] | None = None
    noun: str = "条"
    page_size: int = 50
    count_cap: int = 1000

    @property
    def exportable(self) -> bool:
        return bool(self.columns)

    def sheet_columns(self, *, full: bool) -> list[Column]:
        if full:
            return list(self.full_columns or self.columns)
        return [column.masked() for column in self.columns]

    def export_rows(self, user, filters: dict) -> QuerySet:
        rows = self.rows(user, filters).order_by(*(self.export_order or self.order))
        return self.extras(rows) if self.extras else rows


_REGISTRY: dict[str, ScopedList] = {}


def register(spec: ScopedList) -> ScopedList:
    """Add ``spec`` under its key (registering the same key again replaces it)."""
    _REGISTRY[spec.key] = spec
    return spec


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def find(key: str) -> ScopedList | None:
    return _REGISTRY.get(key)


def get(key: str) -> ScopedList:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"没有登记名为 {key!r} 的列表") from None


def registered() -> list[ScopedList]:
    return list(_REGISTRY.values())


# --- the search term and the filters ------------------------------------------------------


def search_key(spec: ScopedList) -> str:
    return SEARCH_SESSION_PREFIX + spec.key


# How many searches one person keeps per list (one per tab or window they searched in).
SEARCHES_KEPT = 20


def _searches(request: HttpRequest, spec: ScopedList) -> dict[str, str]:
    kept = request.session.get(search_key(spec))
    return kept if isinstance(kept, dict) else {}  # a term kept the old way, alone: forgotten


def filter_data(request: HttpRequest, spec: ScopedList) -> QueryDict | None:
    """The list's filters from the URL and its search term from the session.

    What people search for is names and ID numbers; in a URL those would end up in browser
    history and in every proxy's and server's access log. So a search is POSTed, the term
    kept in the session under a short random token, and the URL carries only the token
    (``search=Xy3…``): one per search, so two tabs searching one list each page through
    their own results, and a term typed on one list is not applied to another. A ``q`` in
    the URL is ignored; an unknown or expired token searches for nothing.
    """
    data = request.GET.copy()
    for name in ("q", CURSOR):
        data.pop(name, None)
    token = data.get("search")
    if token:
        data["q"] = _searches(request, spec).get(token, "")
    return data or None


def search_redirect(request: HttpRequest, spec: ScopedList) -> HttpResponse:
    """A posted search: the term to the session under a new token, the token and the
    (impersonal) filters to the URL. The person's last ``SEARCHES_KEPT`` searches stay."""
    params = {k: v for k, v in request.POST.items() if v and k not in NOT_FILTERS}
    term = request.POST.get("q", "").strip()
    if term:
        token = secrets.token_urlsafe(6)
        searches = _searches(request, spec)
        searches[token] = term
        request.session[search_key(spec)] = dict(list(searches.items())[-SEARCHES_KEPT:])
        params["search"] = token
    return redirect(f"{request.path}?{urlencode(params)}" if params else request.path)


def query_without_cursor(request: HttpRequest) -> str:
    params = request.GET.copy()
    for name in ("q", CURSOR, "page"):
        params.pop(name, None)
    return params.urlencode()


# --- keyset pages ---------------------------------------------------------------------------


@dataclass
class SeekPage:
    """One page of a keyset-paged list, and how to reach its neighbours."""

    object_list: list
    number: int | None  # None for the last page reached by 末页: its number is not counted
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    last_cursor: str = ""
    count: int | None = None  # exact, when it is at most the cap
    capped: bool = False
    cap: int = 0
    noun: str = "条"

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_text(self) -> str:
        if self.capped:
            return f"超过 {self.cap:,} {self.noun}"
        return f"共 {self.count or 0:,} {self.noun}"


def _signer_salt(spec: ScopedList) -> str:
    return f"core.lists.cursor:{spec.key}"


def make_cursor(
    spec: ScopedList, direction: str, pk: Any = None, number: int | None = None, counted: int | None = None
) -> str:
    """An opaque position: "a"fter or "b"efore the row ``pk`` (or "l"ast), the page number
    it leads to and the list's capped count from its first page, signed so that a hand-made
    one is refused. Nothing of the row but its id."""
    return signing.dumps([direction, pk, number, counted], salt=_signer_salt(spec), compress=False)


def _read_cursor(spec: ScopedList, text: str | None) -> tuple[str, Any, int | None, int | None] | None:
    if not text:
        return None
    try:
        direction, pk, number, counted = signing.loads(text, salt=_signer_salt(spec))
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if direction not in ("a", "b", "l") or any(
        n is not None and not isinstance(n, int) for n in (number, counted)
    ):
        return None
    return direction, pk, number, counted


def _fields(order: Sequence[str]) -> list[tuple[str, bool]]:
    return [(field.lstrip("-"), field.startswith("-")) for field in order]


def _reversed(order: Sequence[str]) -> list[str]:
    return [name if desc else f"-{name}" for name, desc in _fields(order)]


def beyond(order: Sequence[str], values: Sequence[Any], *, backwards: bool = False) -> Q:
    """Rows strictly after (``backwards``: before) the sort key ``values`` in ``order``.

    (a, b, c) > (x, y, z) is a > x OR (a = x AND (b > y OR (b = y AND c > z))); the leading
    a >= x repeats it so the database starts an index scan at x instead of filtering.
    """
    condition: Q | None = None
    fields = _fields(order)
    for (name, desc), value in reversed(list(zip(fields, values, strict=True))):
        op = "gt" if desc == backwards else "lt"
        step = Q(**{f"{name}__{op}": value})
        condition = step if condition is None else step | (Q(**{name: value}) & condition)
    (lead, desc), value = fields[0], values[0]
    return Q(**{f"{lead}__{'gt' if desc == backwards else 'lt'}e": value}) & condition


def _position(queryset: QuerySet, order: Sequence[str], pk: Any) -> tuple | None:
    """The sort key of the row a cursor names. Looked up by id among all rows (the row may
    have left the filters since): it only places the page, nothing of it is shown."""
    try:
        return (
            queryset.model._default_manager.filter(pk=pk).values_list(*[n for n, _ in _fields(order)]).first()
        )
    except (ValueError, TypeError):
        return None


def _load(spec: ScopedList, queryset: QuerySet, pks: list) -> list:
    """The page's rows, whole, with ``extras``: per-row subqueries run for these rows only."""
    if not pks:
        return []
    rows = queryset.model._default_manager.filter(pk__in=pks)
    rows.query.select_related = queryset.query.select_related
    if spec.extras:
        rows = spec.extras(rows)
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def seek_page(spec: ScopedList, queryset: QuerySet, cursor: str | None) -> SeekPage:
    """The page of ``queryset`` that ``cursor`` points at (the first without one).

    Never a COUNT(*) over the whole list: the first page reads up to ``count_cap`` + 1 ids
    in the one query that finds its rows (a district's first 1,001 rows cost less than
    counting its half a million), and the cursors carry that count to the pages after it.
    """
    size, cap = spec.page_size, spec.count_cap
    order = list(spec.order)
    found = _read_cursor(spec, cursor)
    direction, pk, number, counted = found if found else ("a", None, 1, None)
    position = _position(queryset, order, pk) if pk is not None else None
    if direction != "l" and position is None:
        direction, number, counted = "a", 1, None  # no cursor, a tampered one, or one whose row is gone

    backwards = direction in ("b", "l")
    pks_query = queryset.order_by(*(_reversed(order) if backwards else order))
    if position is not None:
        pks_query = pks_query.filter(beyond(order, position, backwards=backwards))
    first = direction == "a" and position is None
    pks = list(pks_query.values_list("pk", flat=True)[: (max(size, cap) if first else size) + 1])
    if first:
        counted = min(len(pks), cap + 1)
    more = len(pks) > size
    pks = pks[:size]
    if backwards:
        pks.reverse()
        if direction == "b" and not more and len(pks) < size:
            # Rows were added or removed before this point since the link was made: the
            # start is a page of its own, not a short one.
            return seek_page(spec, queryset, None)
        has_next, has_previous = direction == "b", more
        if direction == "l":
            number = None
    else:
        has_next, has_previous = more, position is not None
    if counted is None:  # a cursor from before counts were carried: count as far as the cap
        counted = queryset.order_by()[: cap + 1].count()

    rows = _load(spec, queryset, pks)
    page = SeekPage(rows, number, has_next, has_previous, cap=cap, noun=spec.noun)
    page.capped = counted > cap
    page.count = None if page.capped else counted
    if rows:
        following = number + 1 if number else None
        preceding = number - 1 if number and number > 1 else None
        page.next_cursor = make_cursor(spec, "a", rows[-1].pk, following, counted) if has_next else ""
        page.previous_cursor = make_cursor(spec, "b", rows[0].pk, preceding, counted) if has_previous else ""
    page.last_cursor = make_cursor(spec, "l", counted=counted) if has_next else ""
    return page


# --- the views ---------------------------------------------------------------------------------


def may_see_full(user, spec: ScopedList) -> bool:
    return spec.full_permission is not None and user.has_perm(spec.full_permission)


def may_export_full(user, spec: ScopedList) -> bool:
    permission = spec.full_export_permission
    return permission is not None and may_see_full(user, spec) and user.has_perm(permission)


def may_export(user, spec: ScopedList, *, full: bool) -> bool:
    return spec.exportable and user.has_perm(spec.permission) and (not full or may_export_full(user, spec))


def list_page(request: HttpRequest, spec: ScopedList | str, **extra_context: Any) -> HttpResponse:
    """The registered list's page: filters, search, one keyset page of rows."""
    spec = get(spec) if isinstance(spec, str) else spec
    require(request, spec.permission)
    if request.method == "POST":
        return search_redirect(request, spec)
    form = spec.form_class(filter_data(request, spec), user=request.user)
    filters = form.values()
    page = seek_page(spec, spec.rows(request.user, filters), request.GET.get(CURSOR))
    context = {
        "list": spec,
        "form": form,
        "page": page,
        "query": query_without_cursor(request),
        "searching": bool(filters),
        "can_unmask": may_export_full(request.user, spec),
        **(spec.context(filters) if spec.context else {}),
        **extra_context,
    }
    return render(request, spec.template, context)
