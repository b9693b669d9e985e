"""The leaders' dashboard (数据看板): a unit's headline figures for a period against the
period before, and every registered chart — from the builders the report uses.

The headline is each generated section's ``headline`` (``compose.generated_headlines``: a
section's registered headline builder, or the section the report builds), so a dashboard
and its period's report show the same numbers; the period before costs only its headline's
queries (基本情况's: one aggregate, no 民族, age or drill-down tables). The
charts are ``core.reporting.charts()``, each app's own.

Cached: the whole payload is kept in Django's cache (Redis in production, per process in
the demo) under the unit, the period, the day its stock figures are read on (today, for a
period still running) and ``core.reporting.figures_version()`` — a number bumped by every
audited write, import and role change. A warm dashboard is one cache read for the version
and one for the payload, and no aggregate query; any write anywhere makes every cached
dashboard stale at once (simple and safe: a move-out dated last month changes last month
too). ``DASHBOARD_CACHE_SECONDS`` bounds how long an entry lives regardless, for writes
that bypass the actions (a restored database, ``seed_demo`` on a kept Redis).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.periods import Period
from core.reporting import Figure, Value, charts, computation, figures_version
from core.reporting import figures as dashboard_figures
from grid.models import OrgUnit

from .compose import generated_headlines, generated_sections

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Bumped when the cached payload's shape changes, so a deploy never reads an older one.
PAYLOAD_SCHEMA = 1
DEFAULT_CACHE_SECONDS = 6 * 60 * 60


def as_of(period: Period, today: dt.date | None = None) -> dt.date:
    """The day the period's stock figures are read on: its last day, or today while it runs
    (``residents.report.stock_day``'s rule; here only to key the cache)."""
    return min(period.end, today or timezone.localdate())


def _number(value: Value | None) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _signed(number: Decimal) -> str:
    text = f"{number:f}"
    return text if number < 0 else f"+{text}"


@dataclass(frozen=True)
class FigureChange:
    """A headline figure of the period and the same figure of the period before."""

    key: str
    label: str
    value: Value
    unit: str
    previous: Value | None = None

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def delta(self) -> Decimal | None:
        now, before = _number(self.value), _number(self.previous)
        if now is None or before is None:
            return None
        return now - before

    @property
    def rate(self) -> Decimal | None:
        """The change as a percentage of the previous value (counts only), to 0.1."""
        delta, before = self.delta, _number(self.previous)
        if delta is None or self.is_percent or not before:
            return None
        return (delta * 100 / before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def direction(self) -> str:
        delta = self.delta
        if delta is None:
            return ""
        return "up" if delta > 0 else "down" if delta < 0 else "same"

    @property
    def change_text(self) -> str:
        """较上期 +12（+3.5%）, 较上期 -0.4个百分点, 较上期持平; empty without a previous value."""
        delta = self.delta
        if delta is None:
            return ""
        if not delta:
            return "较上期持平"
        if self.is_percent:
            return f"较上期 {_signed(delta)}个百分点"
        text = f"较上期 {_signed(delta)}"
        if self.rate is not None:
            text += f"（{_signed(self.rate)}%）"
        return text


@dataclass(frozen=True)
class ChildUnit:
    pk: int
    name: str


@dataclass(frozen=True)
class Dashboard:
    unit_id: int
    period_key: str
    previous_key: str
    day: dt.date  # the stock figures' day
    previous_day: dt.date
    figures: list[FigureChange]
    charts: list[dict[str, Any]]  # core.reporting.Chart.as_json(), in the registry's order
    children: list[ChildUnit] = field(default_factory=list)
    computed_at: dt.datetime | None = None


def _timeout() -> int:
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)


def _key(what: str, unit, period: Period, version: int | None) -> str | None:
    if version is None:
        return None
    return f"dashboard:{PAYLOAD_SCHEMA}:{version}:{what}:{unit.pk}:{period.key}:{as_of(period).isoformat()}"


def _version() -> int | None:
    try:
        return figures_version()
    except Exception:
        logger.warning("dashboard computed without its cache: the cache is unavailable", exc_info=True)
        return None


def _cached(key: str | None, compute: Callable[[], T]) -> T:
    """``compute()``'s value, kept under ``key``; without a key (no cache), computed afresh."""
    if key is None:
        return compute()
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("dashboard computed without its cache: the cache is unavailable", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(Exception):  # kept next time, if the cache is back
            cache.set(key, value, _timeout())
    return value


def headline(unit, period: Period, *, version: int | None = None, whole: bool = False) -> list[Figure]:
    """Every generated section's headline figures, in section order (cached, as the payload).

    From the sections' headline builders (``compose.generated_headlines``: the fewest
    queries), or with ``whole`` from the whole sections, for the period whose charts are
    drawn too: they share those sections' queries (``computation()``). Both give the same
    figures (tests/test_reports_dashboard.py), so either is kept under one key."""
    version = _version() if version is None else version

    def compute() -> list[Figure]:
        with computation():
            if whole:
                return [figure for section in generated_sections(unit, period) for figure in section.headline]
            return generated_headlines(unit, period)

    return _cached(_key("headline", unit, period, version), compute)


def _compute(unit, period: Period, version: int | None) -> Dashboard:
    previous = period.previous()
    with computation():
        now = headline(unit, period, version=version, whole=True)
        before = {figure.key: figure.value for figure in headline(unit, previous, version=version)}
        built = [spec.build(unit, period) for spec in charts()]
        # Figures of a moment (core.reporting.dashboard_figure): no period before to compare.
        extra = [figure for spec in dashboard_figures() if (figure := spec.build(unit, period)) is not None]
    children = OrgUnit.objects.get_children(unit)
    return Dashboard(
        unit_id=unit.pk,
        period_key=period.key,
        previous_key=previous.key,
        day=as_of(period),
        previous_day=as_of(previous),
        figures=[
            FigureChange(figure.key, figure.label, figure.value, figure.unit, before.get(figure.key))
            for figure in now
        ]
        + [FigureChange(figure.key, figure.label, figure.value, figure.unit) for figure in extra],
        charts=[chart.as_json() for chart in built if chart is not None],
        children=[ChildUnit(child.pk, child.name) for child in children],
        computed_at=timezone.now(),
    )


def dashboard_data(unit, period: Period) -> Dashboard:
    """``unit``'s dashboard for ``period``; ``unit`` has passed ``grid.scope.unit_in_scope``."""
    version = _version()
    return _cached(_key("payload", unit, period, version), lambda: _compute(unit, period, version))
