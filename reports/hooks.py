"""What the reports app plugs into the core: the home page first in every menu, the
reports and the dashboard for those who write and read them, the reports' history, and
the class of each of its fields (数据清单, docs/security.md)."""

from core import history, inventory, registry
from core.jobs import JOB_FIELDS
from grid.models import Role

from .models import ReportRun, ReportVersion, SummaryReport

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
registry.menu("数据看板", "reports:dashboard", permission=VIEW, order=5)
registry.menu("工作报告", "reports:report_list", permission=VIEW, order=6)

history.track(
    SummaryReport,
    actions=[("generate", "生成"), ("submit", "上报"), ("return", "退回")],
)

# 数据清单: a report holds counts and the staff's own paragraphs about their unit's work,
# never a resident; who generated, submitted or asked for it is a staff member.
inventory.classify(
    SummaryReport,
    personal=("submitted_by",),
    business=(
        "org_unit",
        "period_kind",
        "period_start",
        "period_end",
        "state",
        "highlights",
        "next_steps",
        "first_submitted_at",
        "submitted_at",
    ),
    system=("id", "created_at"),
)
inventory.classify(
    ReportVersion,
    personal=("generated_by",),
    business=("number", "figures", "sections", "trigger"),
    system=("id", "report", "generated_at"),
)
inventory.classify(
    ReportRun,
    personal=("requested_by",),
    business=(
        "period_kind",
        "period_start",
        "period_end",
        "org_unit",
        "trigger",
        "status",
        "generated",
        "unchanged",
        "frozen",
        "message",
    ),
    system=("id", *JOB_FIELDS, "created_at", "finished_at"),
)
