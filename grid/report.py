"""The grid's shortfalls for the report's 存在问题: grids nobody walks, buildings with no 楼栋长."""

from __future__ import annotations

from core.periods import Period
from core.reporting import enumerate_cn, report_problems

from .models import OrgUnit
from .queries import buildings_without_head, grids_without_worker

# A sentence names this many grids, then says how many in all.
NAMED_GRIDS = 5


@report_problems("grid", order=10)
def grid_problems(unit: OrgUnit, period: Period) -> list[str]:
    problems = []
    unstaffed = grids_without_worker(unit)
    if unstaffed:
        names = [grid.name for grid in unstaffed[:NAMED_GRIDS]]
        more = "等" if len(unstaffed) > NAMED_GRIDS else ""
        problems.append(f"{enumerate_cn(names)}{more}{len(unstaffed)}个网格尚未配备网格员。")
    headless = buildings_without_head(unit)
    if headless:
        problems.append(f"有{headless}栋楼尚未选任楼栋长。")
    return problems
