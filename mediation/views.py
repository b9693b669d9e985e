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
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from core import audit, history, transitions
from core.models import AuditKind
from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.scope import get_in_scope_or_404, scope_queryset
from residents.models import Resident

from . import (
    actions,
    panels,
)
from .agreement_docx import agreement_docx as build_agreement_docx
from .agreement_docx import filename as agreement_filename
from .forms import (
    DATE,
    AgreementForm,
    AssignForm,
    CaseForm,
    ClinicForm,
    FollowUpForm,
    JointForm,
    NoteForm,
    ReasonForm,
    ReferForm,
    ScanForm,
    SessionForm,
)
from .models import (
    CLOSED,
    WORK,
    Agreement,
    Case,
    CaseStatus,
    ClinicSession,
    FollowUp,
    FollowUpStatus,
    Mediator,
    Session,
    Source,
)

VIEW = "mediation.view_case"
# 联调 is organised while a case is not yet closed.
JOINT_OPEN = (CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.MEDIATING)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
    form = CaseForm(posted(request), user=request.user, initial=_from_clinic(request))
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


def _from_clinic(request: HttpRequest) -> dict:
    """登记纠纷 from a legal-clinic sitting's page (``?clinic=``): the sitting, its grid and the
    source 法律诊所 filled in. A sitting out of scope is 404, as its page is."""
    pk = request.GET.get("clinic")
    if request.method != "GET" or not pk or not request.user.has_perm("mediation.view_clinicsession"):
        return {}
    clinic = get_in_scope_or_404(request.user, ClinicSession, pk=pk)
    initial = {"clinic_session": clinic.pk, "source": Source.CLINIC, "reported_on": clinic.held_on}
    if clinic.grid_id:
        initial["grid"] = clinic.grid_id
    return initial


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW)
    case = get_in_scope_or_404(
        request.user,
        _cases().prefetch_related(
            "parties__ethnicity",
            "parties__resident",
            "mediators",
            "clinic_session",
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
        "joint_open": JOINT_OPEN,
        "repeats": list(scope_queryset(request.user, actions.repeats(case)).order_by("-reported_on")[:10]),
        "agreement": Agreement.objects.filter(case=case).first(),
        "followups": list(
            case.followups.select_related("visited_by", "mediator").order_by("round", "due_on")
        ),
        "agreement_statuses": actions.AGREEMENT_STATUSES,
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


@login_required
def case_joint(request: HttpRequest, pk: int) -> HttpResponse:
    """联调: which departments take part in mediating the case."""
    require(request, WORK)
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    form = JointForm(posted(request), initial={"departments": list(case.joint_departments)})
    blocked = (
        ""
        if case.status in JOINT_OPEN
        else f"案件当前为“{case.get_status_display()}”，已结案，不能组织联调。"
    )
    if not blocked and form.is_valid():
        try:
            actions.case_mark_joint(by=request.user, case=case, departments=form.cleaned_data["departments"])
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title="联调",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        blocked=blocked,
        note="疑难复杂纠纷由派出所、司法所、律师、心理咨询师、物业公司等联合调解（大调解）。",
        submit_label="保存",
    )


# --- 法律诊所 -------------------------------------------------------------------------------

CLINIC_VIEW = "mediation.view_clinicsession"


def _clinic_crumbs(clinic: ClinicSession | None = None) -> list[Crumb]:
    crumbs = [Crumb("法律诊所", reverse("mediation:clinic_list"))]
    if clinic is not None:
        crumbs.append(Crumb(str(clinic), reverse("mediation:clinic_detail", args=[clinic.pk])))
    return crumbs


def _clinic_fields(form: ClinicForm) -> dict:
    return {name: form.cleaned_data[name] for name in actions.CLINIC_FIELDS if name in form.cleaned_data}


@login_required
def clinic_create(request: HttpRequest) -> HttpResponse:
    require(request, "mediation.add_clinicsession")
    form = ClinicForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            clinic = actions.clinic_session_create(
                by=request.user, community=form.cleaned_data["community"], **_clinic_fields(form)
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:clinic_detail", clinic.pk)
    return form_page(
        request,
        title="登记法律诊所服务",
        crumbs=_clinic_crumbs(),
        cancel_url=reverse("mediation:clinic_list"),
        form=form,
        note="日常坐诊、预约问诊、专家会诊、定期巡诊、集中义诊，记录服务人数和咨询事项。",
        submit_label="登记",
    )


@login_required
def clinic_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "mediation.change_clinicsession")
    clinic = get_in_scope_or_404(request.user, ClinicSession.objects.select_related("community"), pk=pk)
    form = ClinicForm(posted(request), user=request.user, instance=clinic)
    if form.is_valid():
        try:
            actions.clinic_session_update(by=request.user, clinic=clinic, **_clinic_fields(form))
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:clinic_detail", clinic.pk)
    return form_page(
        request,
        title="修改法律诊所服务",
        crumbs=_clinic_crumbs(clinic),
        cancel_url=reverse("mediation:clinic_detail", args=[clinic.pk]),
        form=form,
    )


@login_required
def clinic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, CLINIC_VIEW)
    clinic = get_in_scope_or_404(
        request.user, ClinicSession.objects.select_related("community", "grid", "counsel"), pk=pk
    )
    cases = scope_queryset(request.user, clinic.cases.select_related("grid")).order_by("-reported_on", "-pk")
    context = {
        "clinic": clinic,
        "cases": list(cases) if request.user.has_perm(VIEW) else [],
        "history": history.page_history(request.user, clinic, masked=True),
        "crumbs": [*_clinic_crumbs(), Crumb(str(clinic))],
    }
    return render(request, "mediation/clinic_detail.html", context)


# --- 调解协议书 and 回访 ------------------------------------------------------------------------


def _agreement_or_404(request: HttpRequest, pk: int) -> tuple[Case, Agreement]:
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise Http404("本案尚无调解协议书。")
    agreement.case = case
    return case, agreement


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """制作 or 修改 the case's agreement: the one form for both."""
    require(request, "mediation.add_agreement")
    require(request, "mediation.change_agreement")
    case = get_in_scope_or_404(request.user, _cases(), pk=pk)
    agreement = Agreement.objects.filter(case=case).first()
    initial = {} if agreement else {"facts": case.facts, "made_on": timezone.localdate()}
    form = AgreementForm(posted(request), instance=agreement, initial=initial)
    blocked = ""
    if case.status not in actions.AGREEMENT_STATUSES:
        blocked = f"案件当前为“{case.get_status_display()}”，调解中或调解成功的案件才能制作调解协议书。"
    elif agreement and agreement.signed_on and case.status != CaseStatus.MEDIATING:
        blocked = "调解协议书已签署，不能修改；协议未履行需重新调解的，请先重新开启案件。"
    if not blocked and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if agreement is None:
                actions.agreement_create(by=request.user, case=case, **fields)
            else:
                actions.agreement_update(by=request.user, agreement=agreement, **fields)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    note = "当事人的基本情况（姓名、性别、年龄、民族、职业、住址）取自本案当事人和居民台账，打印时自动填入。"
    if agreement and agreement.signed_on:
        note = "本协议已签署。修改后原签署扫描件作废，须重新打印签署并上传。"
    return form_page(
        request,
        title="修改调解协议书" if agreement else "制作调解协议书",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        note=note,
        blocked=blocked,
        submit_label="保存协议书",
    )


@login_required
def agreement_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement to print and sign, with the parties' particulars whole: only for the
    roles that see cases' full values, and audited as an export of full values."""
    require(request, WORK)
    case, agreement = _agreement_or_404(request, pk)
    content = build_agreement_docx(agreement)
    audit.record(AuditKind.EXPORT, request=request, obj=agreement, format="docx", full=True)
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, agreement_filename(agreement))
    return response


@login_required
def agreement_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the signed agreement's scan, and the day it was signed."""
    require(request, "mediation.change_agreement")
    case, agreement = _agreement_or_404(request, pk)
    form = ScanForm(posted(request), request.FILES or None)
    blocked = ""
    if case.status not in actions.AGREEMENT_STATUSES:
        blocked = f"案件当前为“{case.get_status_display()}”，不能上传签署的协议书。"
    if not blocked and form.is_valid():
        try:
            actions.agreement_sign(
                by=request.user,
                agreement=agreement,
                scan=form.cleaned_data["scan"],
                signed_on=form.cleaned_data["signed_on"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title="上传签署的调解协议书",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        note="各方签名、调解员签名并加盖人民调解委员会印章后，扫描或拍照上传。"
        + ("重新上传将替换原扫描件。" if agreement.scan else ""),
        blocked=blocked,
        submit_label="上传",
    )


@login_required
def agreement_scan_file(request: HttpRequest, pk: int) -> FileResponse:
    require(request, WORK)
    case, agreement = _agreement_or_404(request, pk)
    if not agreement.scan:
        raise Http404("尚未上传签署的协议书。")
    try:
        handle = agreement.scan.open("rb")
    except FileNotFoundError:
        raise Http404("扫描件文件已不存在，请重新上传。") from None
    audit.record(AuditKind.EXPORT, request=request, obj=agreement, format="scan", full=True)
    kind = agreement.scan_type or "pdf"
    response = FileResponse(handle, as_attachment=True, filename=f"调解协议书{case.file_number}.{kind}")
    response["Content-Type"] = actions.SCAN_CONTENT_TYPES.get(kind, "application/octet-stream")
    return response


@login_required
def followup_record(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "mediation.change_followup")
    followup = get_in_scope_or_404(
        request.user, FollowUp.objects.select_related("case__grid", "case__community"), pk=pk
    )
    case = followup.case
    form = FollowUpForm(posted(request), case=case)
    blocked = ""
    if followup.status != FollowUpStatus.DUE:
        blocked = f"这次回访已是“{followup.get_status_display()}”。"
    elif case.status != CaseStatus.SUCCEEDED:
        blocked = f"案件当前为“{case.get_status_display()}”，不能记录回访。"
    if not blocked and form.is_valid():
        data = form.cleaned_data
        try:
            actions.followup_record(
                by=request.user,
                followup=followup,
                visited_on=data["visited_on"],
                performance=data["performance"],
                note=data["note"],
                mediator=data["mediator"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("mediation:case_detail", case.pk)
    return form_page(
        request,
        title=f"记录回访（应回访日期 {followup.due_on:%Y-%m-%d}）",
        crumbs=_crumbs(case),
        cancel_url=reverse("mediation:case_detail", args=[case.pk]),
        form=form,
        blocked=blocked,
        submit_label="保存回访",
    )


@login_required
def followups_due(request: HttpRequest) -> HttpResponse:
    """The visits still to make in the person's scope, the longest overdue first."""
    require(request, "mediation.view_followup")
    rows = (
        scope_queryset(request.user, FollowUp.objects.due())
        .select_related("case__grid")
        .order_by("due_on", "pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": "",
        "overdue": scope_queryset(request.user, FollowUp.objects.overdue()).count(),
        "crumbs": [*_crumbs(), Crumb("待回访")],
    }
    return render(request, "mediation/followups_due.html", context)


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
