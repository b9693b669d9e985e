"""Mediation's pages: the case list (``mediation.lists``), registering a case, a case's page
with its timeline, and one form per step. Each view checks the role (403), fetches the
case through ``grid.scope`` (404 outside scope), then calls an action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import audit, history, transitions
from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.scope import get_in_scope_or_404, scope_queryset
from residents.models import Resident

from . import actions, panels
from .forms import DATE, AssignForm, CaseForm, NoteForm, ReasonForm, ReferForm, SessionForm
from .models import CLOSED, WORK, Case, CaseStatus, Mediator, Session

VIEW = "mediation.view_case"


def _cases():
    return Case.objects.select_related("grid", "community")


def _crumbs(case: Case | None = None) -> list[Crumb]:
    crumbs = [Crumb("矛盾调解", reverse("mediation:case_list"))]
    if case is not None:
        crumbs.append(Crumb(case.file_number, reverse("mediation:case_detail", args=[case.pk])))
    return crumbs


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    require(request, "mediation.add_case")
    form = CaseForm(posted(request), user=request.user)
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "grid"}
        try:
            case = actions.case_create(
                by=request.user, grid=form.cleaned_data["grid"], parties=form.parties(), **fields
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title="登记矛盾纠纷",
        crumbs=_crumbs(),
        cancel_url=reverse("mediation:case_list"),
        form=form,
        note="当事人可从台账中查找选择；不在台账上的，填写姓名、民族和电话。",
        submit_label="登记",
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW)
    case = get_in_scope_or_404(
        request.user,
        _cases().prefetch_related(
            "parties__ethnicity",
            "parties__resident",
            "mediators",
            Prefetch("sessions", queryset=Session.objects.prefetch_related("mediators", "parties")),
        ),
        pk=pk,
    )
    works = request.user.has_perm(WORK)
    parties = list(case.parties.all())
    if works:
        # 案件办理 call the parties: their phones are shown whole, and that is audited.
        audit.full_values_shown(request, case, *(party.phone for party in parties))
    # A party's name links to their ledger page only where the reader may open it.
    linked = set()
    if request.user.has_perm("residents.view_resident"):
        ids = [party.resident_id for party in parties if party.resident_id]
        linked = set(scope_queryset(request.user, Resident).filter(pk__in=ids).values_list("pk", flat=True))
    for party in parties:
        party.linked = party.resident_id in linked
    steps = [step for step in STEPS.values() if step.offered(request.user, case)]
    context = {
        "case": case,
        "parties": parties,
        "full": works,
        "moves": _timeline(case),
        "sessions": list(case.sessions.all()),
        "steps": steps,
        "repeats": list(scope_queryset(request.user, actions.repeats(case)).order_by("-reported_on")[:10]),
        "history": history.page_history(request.user, case, masked=True),
        "crumbs": [*_crumbs(), Crumb(case.file_number)],
    }
    return render(request, "mediation/case_detail.html", context)


def _timeline(case: Case) -> list:
    """The case's moves, each labelled; a move out of a closed status is a 重新开启."""
    moves = list(transitions.history(case))
    for move in moves:
        label = Case.transitions.label(move.to_state)
        move.label = f"重新开启（{label}）" if move.from_state in CLOSED else label
    return moves


# --- the steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One POST form on a case: its button, the statuses it is offered from, its form and action."""

    name: str
    label: str
    sources: tuple[str, ...]
    form: type[Form]
    act: Callable
    permission: str = WORK
    danger: bool = False

    def offered(self, user, case: Case) -> bool:
        return case.status in self.sources and user.has_perm(self.permission)


STEPS = {
    step.name: step
    for step in [
        Step(
            "accept",
            "受理",
            (CaseStatus.REGISTERED,),
            NoteForm,
            lambda by, case, data: actions.case_accept(by=by, case=case, note=data["note"]),
        ),
        Step(
            "reject",
            "不予受理",
            (CaseStatus.REGISTERED,),
            ReasonForm,
            lambda by, case, data: actions.case_reject(by=by, case=case, reason=data["reason"]),
            danger=True,
        ),
        Step(
            "start",
            "开始调解",
            (CaseStatus.ACCEPTED,),
            NoteForm,
            lambda by, case, data: actions.case_start(by=by, case=case, note=data["note"]),
        ),
        Step(
            "succeed",
            "调解成功",
            (CaseStatus.MEDIATING,),
            NoteForm,
            lambda by, case, data: actions.case_succeed(by=by, case=case, note=data["note"]),
        ),
        Step(
            "fail",
            "调解不成",
            (CaseStatus.MEDIATING,),
            ReasonForm,
            lambda by, case, data: actions.case_fail(by=by, case=case, reason=data["reason"]),
            danger=True,
        ),
        Step(
            "refer",
            "转办",
            (CaseStatus.FAILED,),
            ReferForm,
            lambda by, case, data: actions.case_refer(
                by=by, case=case, department=data["department"], note=data["note"]
            ),
        ),
        Step(
            "terminate",
            "终止",
            (CaseStatus.ACCEPTED, CaseStatus.MEDIATING, CaseStatus.FAILED),
            ReasonForm,
            lambda by, case, data: actions.case_terminate(by=by, case=case, reason=data["reason"]),
            danger=True,
        ),
        Step(
            "extend",
            "延长期限",
            (CaseStatus.ACCEPTED, CaseStatus.MEDIATING),
            ReasonForm,
            lambda by, case, data: actions.case_extend(by=by, case=case, reason=data["reason"]),
        ),
        Step(
            "reopen",
            "重新开启",
            CLOSED,
            ReasonForm,
            lambda by, case, data: actions.case_reopen(by=by, case=case, reason=data["reason"]),
            permission="mediation.reopen_case",
        ),
    ]
}


@login_required
def case_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    spec = STEPS[step]
    require(request, spec.permission)
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    form = spec.form(posted(request))
    blocked = (
        "" if case.status in spec.sources else f"案件当前为“{case.get_status_display()}”，不能{spec.label}。"
    )
    if not blocked and form.is_valid():
        try:
            spec.act(request.user, case, form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title=spec.label,
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        blocked=blocked,
        submit_label=spec.label,
    )


@login_required
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, WORK)
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    form = AssignForm(posted(request), case=case, initial={"mediators": list(case.mediators.all())})
    if form.is_valid():
        try:
            actions.case_assign(by=request.user, case=case, mediators=list(form.cleaned_data["mediators"]))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    none = not Mediator.objects.filter(community=case.community_id, active=True).exists()
    return form_page(
        request,
        title="指派调解员",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        blocked="本社区尚未登记调解员（由系统管理员或社区工作人员在管理后台维护）。" if none else "",
        submit_label="保存",
    )


@login_required
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "mediation.add_session")
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    form = SessionForm(posted(request), case=case)
    open_for_sessions = case.status in (CaseStatus.ACCEPTED, CaseStatus.MEDIATING)
    if open_for_sessions and form.is_valid():
        data = form.cleaned_data
        try:
            actions.session_create(
                by=request.user,
                case=case,
                held_on=data["held_on"],
                place=data["place"],
                notes=data["notes"],
                mediators=list(data["mediators"]),
                parties=list(data["parties"]),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title="记录调解",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        blocked="" if open_for_sessions else f"案件当前为“{case.get_status_display()}”，不能记录调解。",
        submit_label="保存调解记录",
    )


# --- 预警案件: the daily list ------------------------------------------------------------------

ESCALATIONS_PER_PAGE = 50


class DayForm(forms.Form):
    day = forms.DateField(label="预警日期", required=False, widget=DATE)


@login_required
def escalation_list(request: HttpRequest) -> HttpResponse:
    """The day's escalations in the reader's scope (today by default), with each case's flags."""
    require(request, panels.VIEW_ESCALATIONS)
    form = DayForm(request.GET or None)
    day = timezone.localdate()
    if form.is_valid() and form.cleaned_data["day"]:
        day = form.cleaned_data["day"]
    elif not form.is_bound:
        form = DayForm(initial={"day": day})
    page = Paginator(panels.escalations_for(request.user, day), ESCALATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = panels.with_flags(page.object_list)
    context = {
        "form": form,
        "day": day,
        "page": page,
        "query": f"day={day.isoformat()}",
        "crumbs": [*_crumbs(), Crumb("预警案件")],
    }
    return render(request, "mediation/escalation_list.html", context)
