"""demo.steps: every module of demo/ contributes its steps, in their order; two steps can't
share an order (a new app's step goes after the others, leaving their data as it was)."""

from __future__ import annotations

import pytest

from demo.steps import demo_step, discover


def test_the_steps_are_every_apps_in_order():
    steps = discover()
    assert [(step.order, step.title) for step in steps][:3] == [
        (10, "组织架构、楼栋单元与场所"),
        (20, "演示账号"),
        (30, "户与居民、流动人口，楼栋长与单元长"),
    ]
    assert [step.order for step in steps] == sorted(step.order for step in steps)


def test_two_steps_may_not_share_an_order():
    discover()
    with pytest.raises(ValueError, match="order 10 is taken"):

        @demo_step(10, "another")
        def clash(ctx):  # pragma: no cover - never runs
            pass
