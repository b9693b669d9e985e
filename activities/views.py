"""The activities' pages. Each view checks the role (403), fetches its record through
``grid.scope`` (404 outside scope), then calls an action."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core import history, registry, transitions
from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.scope import get_in_scope_or_404, scope_queryset, user_org_unit
from residents.models import Household

from . import actions, queries
from .forms import (
    DecisionForm,
    FinishForm,
    HonourForm,
    MeetingForm,
    ReopenForm,
    StartForm,
    UnvisitedForm,
    VisitForm,
)
from .models import Decision, DecisionStatus, Honour, Meeting, Visit

# --- 走访慰问, 会议与决定, 荣誉 ----------------------------------------------------------------

VIEW_VISIT = "activities.view_visit"
VIEW_MEETING = "activities.view_meeting"
VIEW_HONOUR = "activities.view_honour"
UNVISITED_SHOWN = 200


def _fields(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


# 走访慰问 -------------------------------------------------------------------------------------


def _visit_crumbs(visit: Visit | None = None) -> list[Crumb]:
    crumbs = [Crumb("走访慰问", reverse("activities:visit_list"))]
    if visit is not None:
        crumbs.append(Crumb(str(visit), reverse("activities:visit_detail", args=[visit.pk])))
    return crumbs


def _visit_form_page(request, form, *, household=None) -> HttpResponse:
    if form.is_valid():
        household = form.chosen_household()
        try:
            visit = actions.visit_create(
                by=request.user,
                household=household,
                visitors=list(form.cleaned_data.get("visitors") or []),
                **_fields(form, actions.VISIT_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:visit_detail", visit.pk)
    crumbs = _visit_crumbs()
    if household is not None:
        crumbs = [
            Crumb("居民台账", reverse("residents:household_list")),
            Crumb(f"户号 {household.number}", reverse("residents:household_detail", args=[household.pk])),
        ]
    return form_page(
        request,
        title="登记走访慰问" if household is None else f"登记走访慰问 · 户号 {household.number}",
        crumbs=crumbs,
        cancel_url=reverse("activities:visit_list")
        if household is None
        else reverse("residents:household_detail", args=[household.pk]),
        form=form,
        note="走访人可勾选本社区工作人员账号，或填写姓名；慰问金和物资折合金额以元计。",
        submit_label="登记",
    )


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_visit")
    form = VisitForm(posted(request), user=request.user)
    return _visit_form_page(request, form)


@login_required
def household_visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.add_visit")
    household = get_in_scope_or_404(
        request.user, Household.objects.select_related("community", "grid"), pk=pk
    )
    form = VisitForm(posted(request), user=request.user, household=household)
    return _visit_form_page(request, form, household=household)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_VISIT)
    visit = get_in_scope_or_404(
        request.user, Visit.objects.select_related("household", "grid", "community"), pk=pk
    )
    household_visible = scope_queryset(request.user, Household).filter(pk=visit.household_id).exists()
    context = {
        "visit": visit,
        "visitors": visit.visitor_label(),
        "household_visible": household_visible and request.user.has_perm("residents.view_household"),
        "history": history.page_history(request.user, visit, masked=True),
        "crumbs": [*_visit_crumbs(), Crumb(str(visit))],
    }
    return render(request, "activities/visit_detail.html", context)


@login_required
def visit_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_visit")
    visit = get_in_scope_or_404(request.user, Visit.objects.select_related("household__community"), pk=pk)
    form = VisitForm(posted(request), user=request.user, instance=visit)
    if form.is_valid():
        try:
            actions.visit_update(
                by=request.user,
                visit=visit,
                visitors=list(form.cleaned_data.get("visitors") or []),
                **_fields(form, actions.VISIT_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:visit_detail", visit.pk)
    return form_page(
        request,
        title="修改走访慰问",
        crumbs=_visit_crumbs(visit),
        cancel_url=reverse("activities:visit_detail", args=[visit.pk]),
        form=form,
    )


@login_required
def unvisited(request: HttpRequest) -> HttpResponse:
    """困难户 (低保户, 困难户, 有残疾成员) in the reader's scope that nobody visited in the period."""
    require(request, VIEW_VISIT, "residents.view_household")
    unit = user_org_unit(request.user)
    if unit is None:
        raise Http404("未设置所属单位。")
    form = UnvisitedForm(request.GET or None, user=request.user)
    period, grid = form.chosen()
    rows = scope_queryset(request.user, queries.unvisited_hardship(grid or unit, period))
    context = {
        "form": form,
        "period": period,
        "count": rows.count(),
        "households": list(rows[:UNVISITED_SHOWN]),
        "shown": UNVISITED_SHOWN,
        "crumbs": [*_visit_crumbs(), Crumb("未走访困难户")],
    }
    return render(request, "activities/unvisited.html", context)


# 会议与议定事项 -------------------------------------------------------------------------------


def _meeting_crumbs(meeting: Meeting | None = None) -> list[Crumb]:
    crumbs = [Crumb("会议议事", reverse("activities:meeting_list"))]
    if meeting is not None:
        crumbs.append(Crumb(str(meeting), reverse("activities:meeting_detail", args=[meeting.pk])))
    return crumbs


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_meeting")
    form = MeetingForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            meeting = actions.meeting_create(
                by=request.user,
                community=form.cleaned_data["community"],
                attendee_users=list(form.cleaned_data.get("attendee_users") or []),
                **_fields(form, actions.MEETING_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="登记会议",
        crumbs=_meeting_crumbs(),
        cancel_url=reverse("activities:meeting_list"),
        form=form,
        note="民族团结工作会议、联席会议、3+X联席议事、居民议事会等；登记后在会议页面添加议定事项。",
        submit_label="登记",
    )


@login_required
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_meeting")
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    form = MeetingForm(posted(request), user=request.user, instance=meeting)
    if form.is_valid():
        try:
            actions.meeting_update(
                by=request.user,
                meeting=meeting,
                attendee_users=list(form.cleaned_data.get("attendee_users") or []),
                **_fields(form, actions.MEETING_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="修改会议",
        crumbs=_meeting_crumbs(meeting),
        cancel_url=reverse("activities:meeting_detail", args=[meeting.pk]),
        form=form,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_MEETING)
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    decisions = []
    if request.user.has_perm("activities.view_decision"):
        for decision in meeting.decisions.select_related("owner").order_by("due_on", "pk"):
            decision.meeting = meeting
            # Other apps' records about the decision (a 实事 of services), as they allow.
            decision.panels = registry.related_panels_for("activities.Decision", request.user, decision)
            decision.moves = _moves(request.user, decision)
            decisions.append(decision)
    context = {
        "meeting": meeting,
        "attendees": meeting.attendee_label(),
        "decisions": decisions,
        "history": history.page_history(request.user, meeting, masked=True),
        "crumbs": [*_meeting_crumbs(), Crumb(str(meeting))],
    }
    return render(request, "activities/meeting_detail.html", context)


STEPS = {
    "start": (DecisionStatus.DOING, "开始办理", StartForm),
    "finish": (DecisionStatus.DONE, "办结", FinishForm),
    "reopen": (DecisionStatus.DOING, "重新办理", ReopenForm),
}


def _moves(user, decision: Decision) -> list[tuple[str, str]]:
    """The steps the reader may take on the decision now: (url name, label)."""
    table = Decision.transitions
    out = []
    for step, (target, label, _form) in STEPS.items():
        reopening = decision.status == DecisionStatus.DONE
        if (step == "reopen") != reopening:
            continue
        if table.may(user, decision.status, target):
            out.append((f"activities:decision_{step}", label))
    return out


@login_required
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.add_decision")
    meeting = get_in_scope_or_404(request.user, Meeting.objects.select_related("community"), pk=pk)
    form = DecisionForm(posted(request), user=request.user, meeting=meeting)
    if form.is_valid():
        try:
            actions.decision_add(by=request.user, meeting=meeting, **_fields(form, actions.DECISION_FIELDS))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", meeting.pk)
    return form_page(
        request,
        title="添加议定事项",
        crumbs=_meeting_crumbs(meeting),
        cancel_url=reverse("activities:meeting_detail", args=[meeting.pk]),
        form=form,
        note="每项议定事项明确责任人（账号）或责任单位，以及办理期限，跟踪至办结。",
        submit_label="添加",
    )


def _decision_or_404(request, pk: int) -> Decision:
    return get_in_scope_or_404(
        request.user, Decision.objects.select_related("meeting__community", "owner"), pk=pk
    )


@login_required
def decision_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_decision")
    decision = _decision_or_404(request, pk)
    form = DecisionForm(posted(request), user=request.user, meeting=decision.meeting, instance=decision)
    if form.is_valid():
        try:
            actions.decision_update(
                by=request.user, decision=decision, **_fields(form, actions.DECISION_FIELDS)
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", decision.meeting_id)
    return form_page(
        request,
        title="修改议定事项",
        crumbs=_meeting_crumbs(decision.meeting),
        cancel_url=reverse("activities:meeting_detail", args=[decision.meeting_id]),
        form=form,
    )


@login_required
def decision_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require(request, "activities.change_decision")
    decision = _decision_or_404(request, pk)
    target, label, form_class = STEPS[step]
    form = form_class(posted(request))
    blocked = ""
    table = Decision.transitions
    if table.move(decision.status, target) is None or (step == "reopen") != (
        decision.status == DecisionStatus.DONE
    ):
        blocked = f"议定事项当前为“{decision.get_status_display()}”，不能{label}。"
    elif form.is_valid():
        try:
            if step == "start":
                actions.decision_start(by=request.user, decision=decision, note=form.cleaned_data["note"])
            elif step == "finish":
                actions.decision_finish(
                    by=request.user,
                    decision=decision,
                    result=form.cleaned_data["result"],
                    on=form.cleaned_data["on"],
                )
            else:
                actions.decision_reopen(
                    by=request.user, decision=decision, reason=form.cleaned_data["reason"]
                )
        except transitions.TransitionRefused as error:
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:meeting_detail", decision.meeting_id)
    return form_page(
        request,
        title=f"{label}：{decision}",
        crumbs=_meeting_crumbs(decision.meeting),
        cancel_url=reverse("activities:meeting_detail", args=[decision.meeting_id]),
        form=form,
        blocked=blocked,
        submit_label=label,
    )


# 荣誉 -----------------------------------------------------------------------------------------


def _honour_crumbs(honour: Honour | None = None) -> list[Crumb]:
    crumbs = [Crumb("荣誉", reverse("activities:honour_list"))]
    if honour is not None:
        crumbs.append(Crumb(str(honour), reverse("activities:honour_detail", args=[honour.pk])))
    return crumbs


@login_required
def honour_create(request: HttpRequest) -> HttpResponse:
    require(request, "activities.add_honour")
    form = HonourForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            honour = actions.honour_create(
                by=request.user,
                community=form.cleaned_data["community"],
                **_fields(form, actions.HONOUR_FIELDS),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:honour_detail", honour.pk)
    return form_page(
        request,
        title="登记荣誉",
        crumbs=_honour_crumbs(),
        cancel_url=reverse("activities:honour_list"),
        form=form,
        note="集体荣誉（如民族团结进步先进单位）或个人荣誉（如最美志愿者、最美网格员）。",
        submit_label="登记",
    )


@login_required
def honour_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "activities.change_honour")
    honour = get_in_scope_or_404(request.user, Honour.objects.select_related("community"), pk=pk)
    form = HonourForm(posted(request), user=request.user, instance=honour)
    if form.is_valid():
        try:
            actions.honour_update(by=request.user, honour=honour, **_fields(form, actions.HONOUR_FIELDS))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("activities:honour_detail", honour.pk)
    return form_page(
        request,
        title="修改荣誉",
        crumbs=_honour_crumbs(honour),
        cancel_url=reverse("activities:honour_detail", args=[honour.pk]),
        form=form,
    )


@login_required
def honour_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW_HONOUR)
    honour = get_in_scope_or_404(request.user, Honour.objects.select_related("community", "resident"), pk=pk)
    context = {
        "honour": honour,
        "history": history.page_history(request.user, honour, masked=True),
        "crumbs": [*_honour_crumbs(), Crumb(str(honour))],
    }
    return render(request, "activities/honour_detail.html", context)
