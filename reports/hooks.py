"""What the reports app plugs into the core: the home page first in every menu, the
reports and the dashboard for those who write and read them, and the reports' history."""

from core import history, registry
from grid.models import Role

from .models import SummaryReport

VIEW = "reports.view_summaryreport"
CHANGE = "reports.change_summaryreport"
GENERATE = "reports.generate_summaryreport"
SUBMIT = "reports.submit_summaryreport"
RETURN = "reports.return_summaryreport"

# Community (and street) staff write their unit's report; leaders read their subtree's,
# return a child unit's, and read the dashboard; the system admin may regenerate.
registry.grant(Role.STAFF, VIEW, CHANGE, GENERATE, SUBMIT)
registry.grant(Role.LEADER, VIEW, RETURN)
registry.grant(Role.ADMIN, VIEW, GENERATE)

registry.menu("首页", "home", order=0)
registry.menu("工作报告", "reports:report_list", permission=VIEW, order=6)

history.track(
    SummaryReport,
    actions=[("generate", "生成"), ("submit", "上报"), ("return", "退回")],
)
