"""The steps ``manage.py seed_demo`` runs, and what they share.

Each module of this package seeds one app's part of the demo and registers its steps with
``@demo_step(order, title)``; ``discover`` imports them all, so a new app's demo is a new
module here (``demo/mediation.py``) and edits no other. Steps run by ``order`` in one
transaction, sharing one ``random.Random`` and one seeded ``Faker("zh_CN")``: the same seed
gives the same data. A new step takes an order after the existing ones, so the data of the
earlier steps stays the same for a given seed. Each step leaves rows that are already there
alone, so running the command again adds nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any, TextIO

from faker import Faker

DEFAULT_SEED = 2026
# One published password for every demo account: the demo is meant to be logged into.
DEMO_PASSWORD = "demo12345"  # noqa: S105


@dataclass
class DemoContext:
    """What the steps share. ``org`` is the seeded tree (``demo.org.OrgSeed``) for the steps
    after it; ``accounts`` the demo accounts the command lists at the end."""

    rng: Random
    fake: Faker
    stdout: TextIO
    org: Any = None
    accounts: list = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    order: int
    title: str
    run: Callable[[DemoContext], None]


_steps: dict[str, Step] = {}


def demo_step(order: int, title: str):
    """Register ``fn(ctx)`` as the step of that order; orders must differ."""

    def register(fn: Callable[[DemoContext], None]):
        key = f"{fn.__module__}.{fn.__qualname__}"
        taken = {step.order: name for name, step in _steps.items() if name != key}
        if order in taken:
            raise ValueError(f"demo step order {order} is taken by {taken[order]}")
        _steps[key] = Step(order, title, fn)
        return fn

    return register


def discover() -> list[Step]:
    """Import every module of this package so their steps register; the steps in order."""
    import demo

    for module in pkgutil.iter_modules(demo.__path__):
        if module.name not in ("apps", "steps", "management") and not module.name.startswith("_"):
            importlib.import_module(f"demo.{module.name}")
    return sorted(_steps.values(), key=lambda step: step.order)


class Tally:
    """Created / already-there counts per kind of row, for the command's report."""

    def __init__(self):
        self.created: Counter[str] = Counter()
        self.existing: Counter[str] = Counter()
        self.order: list[str] = []

    def add(self, label: str, *, created: int = 0, existing: int = 0) -> None:
        if label not in self.order:
            self.order.append(label)
        self.created[label] += created
        self.existing[label] += existing

    def write(self, stdout: TextIO) -> None:
        for label in self.order:
            stdout.write(f"  {label}：新建 {self.created[label]}，已存在 {self.existing[label]}")
