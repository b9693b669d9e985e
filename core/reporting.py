"""What each app contributes to the 创建工作 report and the leaders' dashboard.

An app registers, in its ``hooks.py``:

- a **section** (一、基本情况, 矛盾纠纷调解 …): ``report_section(key, title, order)`` on a
  function ``(unit, period) -> Section | None`` that reads only its own ``queries.py``.
  ``None`` (or a section with no paragraph and no table) means "nothing to say": the
  section is left out, never printed empty.
  A section may also register its headline alone, ``section_headline(key)`` on a function
  ``(unit, period) -> list[Figure] | None`` giving exactly the section's ``headline``
  (``None`` when the section would be left out) from fewer queries: the dashboard's figures
  of the period before need no tables.
- **problems** (存在问题): ``report_problems(order)`` on a function ``(unit, period) ->
  list[str]``, each a sentence on what the figures show falling short.
- **charts** for the dashboard: ``dashboard_chart(key, title, order)`` on a function
  ``(unit, period) -> Chart | None``; each chart carries its numbers as a table too.
- **figures** for the dashboard alone: ``dashboard_figure(key, order)`` on a function
  ``(unit, period) -> Figure | None``, shown after the headline without a comparison with
  the period before (a figure of a moment, "days since …", is not a period's figure).

``reports/`` puts them together for an org unit and a :class:`~core.periods.Period`, in
``order``; the same builders give the report and the dashboard, so they always agree.
Everything here is plain data that survives ``json``: a report version keeps its sections
as they were written.

Two helpers let the dashboard be fast without its figures drifting from the report's:

- ``figures_version()`` / ``figures_changed()``: a number in the cache that changes on every
  write the figures could see (``core.audit.record`` calls ``figures_changed`` for each
  write, import and account change). The dashboard keys its cached figures with it.
- ``computation()`` and ``@memoized``: within one computation (a dashboard's sections and
  charts), a query function called twice with the same unit and day runs once.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

Value = int | str | Decimal | float


@dataclass
class Figure:
    """One headline figure ("居民 6476 人"): what the dashboard shows in a card and compares
    with the period before."""

    key: str
    label: str
    value: Value
    unit: str = ""


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Value]]


@dataclass
class Section:
    key: str
    title: str
    # The snapshot: every figure the paragraphs use, keyed, JSON-able (Decimals as strings).
    figures: dict[str, Any] = field(default_factory=dict)
    headline: list[Figure] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.paragraphs and not self.tables

    def as_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        return cls(
            key=data["key"],
            title=data["title"],
            figures=data.get("figures", {}),
            headline=[Figure(**item) for item in data.get("headline", [])],
            paragraphs=list(data.get("paragraphs", [])),
            tables=[Table(**item) for item in data.get("tables", [])],
        )


@dataclass
class Series:
    name: str
    values: list[Value]
    # In a ``trend`` chart: drawn as "bar" or "line", against the left (0) or right (1) axis.
    kind: str = "bar"
    axis: int = 0


@dataclass
class Chart:
    """Data for one ECharts chart: ``kind`` is ``pie``, ``bar`` (categories × series),
    ``pyramid`` (categories × two series drawn to either side) or ``trend`` (categories
    along the bottom, months say, each series a bar or a line on its own axis); the page
    script builds the option. ``table`` holds the same numbers for screen readers and print."""

    key: str
    title: str
    kind: str
    categories: list[str]
    series: list[Series]
    table: Table
    # Per category, the org unit a click on it drills down to (its key in the dashboard URL).
    links: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


# --- the registries -----------------------------------------------------------------------------

SectionBuilder = Callable[[Any, Any], Section | None]
ProblemFinder = Callable[[Any, Any], list[str]]
ChartBuilder = Callable[[Any, Any], Chart | None]
HeadlineBuilder = Callable[[Any, Any], list[Figure] | None]
FigureBuilder = Callable[[Any, Any], Figure | None]


@dataclass(frozen=True)
class Registered:
    key: str
    title: str
    order: int
    build: Callable


_sections: dict[str, Registered] = {}
_problems: dict[str, Registered] = {}
_charts: dict[str, Registered] = {}
_headlines: dict[str, Callable] = {}
_figures: dict[str, Registered] = {}


def _register(into: dict[str, Registered], key: str, title: str, order: int) -> Callable:
    def decorate(function: Callable) -> Callable:
        into[key] = Registered(key=key, title=title, order=order, build=function)
        return function

    return decorate


def report_section(key: str, title: str, *, order: int) -> Callable[[SectionBuilder], SectionBuilder]:
    return _register(_sections, key, title, order)


def section_headline(key: str) -> Callable[[HeadlineBuilder], HeadlineBuilder]:
    """The headline of section ``key`` alone; it must equal ``build(unit, period).headline``."""

    def decorate(function: HeadlineBuilder) -> HeadlineBuilder:
        _headlines[key] = function
        return function

    return decorate


def report_problems(key: str, *, order: int) -> Callable[[ProblemFinder], ProblemFinder]:
    return _register(_problems, key, "", order)


def dashboard_chart(key: str, title: str, *, order: int) -> Callable[[ChartBuilder], ChartBuilder]:
    return _register(_charts, key, title, order)


def dashboard_figure(key: str, *, order: int) -> Callable[[FigureBuilder], FigureBuilder]:
    return _register(_figures, key, "", order)


def sections() -> list[Registered]:
    return sorted(_sections.values(), key=lambda item: (item.order, item.key))


def headline_builder(key: str) -> HeadlineBuilder | None:
    """Section ``key``'s registered headline builder, if it has one."""
    return _headlines.get(key)


def problem_finders() -> list[Registered]:
    return sorted(_problems.values(), key=lambda item: (item.order, item.key))


def charts() -> list[Registered]:
    return sorted(_charts.values(), key=lambda item: (item.order, item.key))


def figures() -> list[Registered]:
    return sorted(_figures.values(), key=lambda item: (item.order, item.key))


# --- when the figures change -------------------------------------------------------------------

FIGURES_VERSION_KEY = "reporting:figures-version"


def _start_version() -> None:
    # From the clock, never from 0: a counter that was lost (evicted, Redis restarted) must
    # not come back to a number under which old figures are still cached.
    cache.add(FIGURES_VERSION_KEY, time.time_ns(), timeout=None)


def figures_version() -> int:
    """The number the cached figures are keyed with; one cache read."""
    version = cache.get(FIGURES_VERSION_KEY)
    if version is None:
        _start_version()
        version = cache.get(FIGURES_VERSION_KEY)
    return version


def _bump() -> None:
    try:
        cache.incr(FIGURES_VERSION_KEY)
    except ValueError:  # not there (yet, or any more)
        _start_version()
    except Exception:
        # A cache that is down must not fail the write that called this; while it is down
        # nothing is read from it either.
        logger.warning("the figures' version could not be bumped: the cache is unavailable", exc_info=True)


def figures_changed() -> None:
    """Something the figures read has changed: every cached figure is stale.

    Bumped at once (this request's next read already misses) and again when the write's
    transaction commits: a reader that computed between the two, from the rows as they were
    before the commit, cached them under a number nobody asks for any more.
    """
    _bump()
    transaction.on_commit(_bump)


# --- one computation's query results ----------------------------------------------------------

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reporting_memo", default=None)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def computation() -> Iterator[None]:
    """Inside it, ``@memoized`` functions run once per arguments (a nested one shares the outer's)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(function: F) -> F:
    """Remember ``function``'s results for the current ``computation()`` (none outside one).

    For query functions of a unit and a day: a section and a chart that both need
    ``ledger_figures(unit, day)`` share one run of its queries. Arguments must be hashable
    (a model instance hashes by its pk)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        memo = _memo.get()
        if memo is None:
            return function(*args, **kwargs)
        key = (function.__module__, function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        return memo[key]

    return wrapper  # type: ignore[return-value]


# --- writing numbers as the seeds do ------------------------------------------------------------

CHINESE_NUMERALS = "零一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二: the numbering of a report's headings (一、基本情况)."""
    if n <= 10:
        return CHINESE_NUMERALS[n]
    if n < 20:
        return "十" + CHINESE_NUMERALS[n - 10]
    tens, ones = divmod(n, 10)
    return CHINESE_NUMERALS[tens] + "十" + (CHINESE_NUMERALS[ones] if ones else "")


def enumerate_cn(items: list[str]) -> str:
    """["汉族", "回族", "满族"] → 汉族、回族、满族: the seeds list with 、 alone, no final 和."""
    return "、".join(items)


def rate(value: Decimal | str) -> str:
    """A percentage to one decimal, as the seeds write it: 25.8%."""
    return f"{Decimal(value):.1f}%"
