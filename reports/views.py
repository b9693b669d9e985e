"""The home page, and the 工作报告 pages: each person's scope at a glance, from every app's
own query functions, and the reports of their unit and the units below it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import progress, transitions
from core.periods import Period, PeriodKind, last_completed
from core.registry import home_panels_for, quick_links_for
from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.models import OrgLevel
from grid.queries import scope_figures
from grid.scope import get_in_scope_or_404, scope_queryset, user_org_unit

from .actions import (
    FROZEN_MESSAGE,
    REPORTING_LEVELS,
    is_above,
    is_own_unit,
    report_paragraphs_update,
    report_return,
    report_run_create,
    report_submit,
)
from .compose import document, report_title
from .dashboard import headline
from .dashboard_views import dashboard_url
from .forms import GenerateForm, ParagraphsForm, ReportFilterForm, ReturnForm
from .hooks import CHANGE, GENERATE, RETURN, SUBMIT, VIEW
from .models import ReportRun, ReportState, RunStatus, SummaryReport, Trigger
from .queries import completeness, submitted_below


@login_required
def home(request: HttpRequest) -> HttpResponse:
    unit = user_org_unit(request.user)
    ledger = None
    # The ledger figures of the person's own unit, which is their whole scope, this month so
    # far: the dashboard's headline, cached under the figures' version, so a district
    # leader's home page does not aggregate half a million residents on every visit. A
    # superuser (no unit) reads them per unit in the pages instead.
    if unit is not None and request.user.has_perm("residents.view_resident"):
        today = timezone.localdate()
        figures = {
            figure.key: figure.value for figure in headline(unit, Period.containing(PeriodKind.MONTH, today))
        }
        ledger = {"day": today, **figures} if "households" in figures else None
    context = {
        "org_unit": unit,
        "figures": scope_figures(request.user),
        "ledger": ledger,
        "quick_links": quick_links_for(request.user),
        # What apps put on the home page for this person (core.registry.home_panel).
        "panels": home_panels_for(request.user),
        # A leader's next reading: what the units below have sent up.
        "submitted_below": submitted_below(unit)
        if unit is not None and request.user.has_perm(VIEW) and request.user.has_perm(RETURN)
        else [],
    }
    return render(request, "reports/home.html", context)


# --- 工作报告 ---------------------------------------------------------------------------------

REPORTS_PER_PAGE = 50


def _crumbs(*more: Crumb) -> list[Crumb]:
    return [Crumb("工作报告", reverse("reports:report_list")), *more]


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports in the person's scope for a period, with the completeness of the
    communities below their unit and a form to generate their own unit's report."""
    require(request, VIEW)
    form = ReportFilterForm(request.GET or None)
    period = last_completed(PeriodKind.MONTH, timezone.localdate())
    state = ""
    if form.is_valid():
        period = form.cleaned_data["period"] or period
        state = form.cleaned_data["state"]
    reports = (
        scope_queryset(request.user, SummaryReport)
        .filter(period_kind=period.kind, period_start=period.start)
        .select_related("org_unit", "submitted_by")
        .annotate(version_count=Count("versions"))
        .order_by("org_unit__path")
    )
    if state:
        reports = reports.filter(state=state)
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    unit = user_org_unit(request.user)
    context = {
        "form": form,
        "period": period,
        "page": page,
        "query": "&".join(f"{k}={v}" for k, v in (("period", period.key), ("state", state)) if v),
        "completeness": completeness(unit, period)
        if unit is not None and unit.level < OrgLevel.COMMUNITY
        else None,
        "own_unit": unit if unit is not None and unit.level in REPORTING_LEVELS else None,
        "generate_form": GenerateForm(initial={"period": period.key}),
        "crumbs": [Crumb("工作报告")],
    }
    return render(request, "reports/report_list.html", context)


def _report_or_404(request: HttpRequest, pk: int) -> SummaryReport:
    return get_in_scope_or_404(request.user, SummaryReport.objects.select_related("org_unit"), pk=pk)


def _active_run(report: SummaryReport) -> ReportRun | None:
    return (
        ReportRun.objects.filter(
            org_unit_id=report.org_unit_id,
            period_kind=report.period_kind,
            period_start=report.period_start,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        )
        .order_by("-pk")
        .first()
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report as it reads, any of its versions, its state and who moved it."""
    require(request, VIEW)
    report = _report_or_404(request, pk)
    versions = list(report.versions.select_related("generated_by").order_by("-number"))
    version = versions[0] if versions else None
    asked = request.GET.get("version", "")
    if asked:
        version = next((v for v in versions if str(v.number) == asked), None)
        if version is None:
            raise Http404("没有这个版本。")
    user = request.user
    context = {
        "report": report,
        "version": version,
        "versions": versions,
        "is_latest": bool(versions) and version is versions[0],
        "title": report_title(report.org_unit, report.period),
        "headings": document(
            version.section_list(), highlights=report.highlights, next_steps=report.next_steps
        )
        if version
        else [],
        "moves": transitions.history(report),
        "run": _active_run(report),
        "may_edit": user.has_perm(CHANGE) and is_own_unit(user, report) and not report.is_frozen,
        "may_generate": user.has_perm(GENERATE) and not report.is_frozen,
        "may_submit": user.has_perm(SUBMIT)
        and is_own_unit(user, report)
        and report.state != ReportState.SUBMITTED
        and version is not None,
        "may_return": user.has_perm(RETURN)
        and is_above(user, report)
        and report.state == ReportState.SUBMITTED,
        "crumbs": _crumbs(Crumb(f"{report.org_unit.name} · {report.period.label}")),
        # The same figures, from the same functions, with the period before and the charts.
        "dashboard_url": dashboard_url(report.org_unit, report.period),
    }
    return render(request, "reports/report_detail.html", context)


@login_required
def report_paragraphs(request: HttpRequest, pk: int) -> HttpResponse:
    """工作亮点 and 下步打算: the staff's own words, kept when the figures are regenerated."""
    require(request, CHANGE)
    report = _report_or_404(request, pk)
    if not is_own_unit(request.user, report):
        raise PermissionDenied("只有本单位可以修改自己的报告。")
    form = ParagraphsForm(
        posted(request), initial={"highlights": report.highlights, "next_steps": report.next_steps}
    )
    detail_url = reverse("reports:report_detail", args=[report.pk])
    if form.is_valid():
        try:
            report_paragraphs_update(report=report, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "已保存工作亮点和下步打算。")
            return redirect(detail_url)
    return form_page(
        request,
        title="编辑工作亮点和下步打算",
        crumbs=_crumbs(Crumb(f"{report.org_unit.name} · {report.period.label}", detail_url)),
        cancel_url=detail_url,
        form=form,
        blocked=FROZEN_MESSAGE if report.is_frozen else "",
    )


@login_required
@require_POST
def report_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, SUBMIT)
    report = _report_or_404(request, pk)
    try:
        report_submit(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"已上报{report.period.label}工作报告。")
    return redirect("reports:report_detail", report.pk)


@login_required
def report_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, RETURN)
    report = _report_or_404(request, pk)
    if not is_above(request.user, report):
        raise PermissionDenied("只有上级单位可以退回报告。")
    form = ReturnForm(posted(request))
    detail_url = reverse("reports:report_detail", args=[report.pk])
    if form.is_valid():
        try:
            report_return(report=report, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"已退回{report.org_unit.name}的报告。")
            return redirect(detail_url)
    return form_page(
        request,
        title=f"退回{report.org_unit.name}{report.period.label}工作报告",
        crumbs=_crumbs(Crumb(f"{report.org_unit.name} · {report.period.label}", detail_url)),
        cancel_url=detail_url,
        form=form,
        submit_label="退回",
        note="退回后，报告回到下级单位，可重新生成或修改后再次上报。",
        blocked="" if report.state == ReportState.SUBMITTED else "这份报告不是已上报状态，不能退回。",
    )


@login_required
@require_POST
def report_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    """Regenerate one report in the background; the page shows the run's progress."""
    require(request, GENERATE)
    report = _report_or_404(request, pk)
    try:
        report_run_create(period=report.period, unit=report.org_unit, trigger=Trigger.USER, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("reports:report_detail", report.pk)


@login_required
@require_POST
def report_generate_view(request: HttpRequest) -> HttpResponse:
    """Generate the person's own unit's report for a period (its first version, or a new one)."""
    require(request, GENERATE)
    unit = user_org_unit(request.user)
    form = GenerateForm(request.POST)
    if unit is None or unit.level not in REPORTING_LEVELS:
        messages.error(request, "只有社区、街道和区的工作人员生成本单位的工作报告。")
        return redirect("reports:report_list")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["period"]))
        return redirect("reports:report_list")
    period = form.cleaned_data["period"]
    try:
        report_run_create(period=period, unit=unit, trigger=Trigger.USER, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:report_list")
    report = SummaryReport.objects.filter(
        org_unit=unit, period_kind=period.kind, period_start=period.start
    ).first()
    if report is not None:
        return redirect("reports:report_detail", report.pk)
    messages.info(request, f"正在生成{period.label}工作报告，完成后显示在列表中。")
    return redirect(f"{reverse('reports:report_list')}?period={period.key}")


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial a report page polls while its run works."""
    require(request, VIEW)
    run = get_in_scope_or_404(request.user, ReportRun, pk=pk)
    context = {"run": run, "progress": progress.read(run.pk, job=ReportRun.job_progress_key) or {}}
    return render(request, "reports/_run_progress.html", context)
