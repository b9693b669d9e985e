"""Services' pages: the clerk's desk (叫号, 取号, 登记并受理, 办结 in a few clicks), quick entry for
the other channels, a ticket's page with its timeline and one form per step, and the hall's
public display board. Each signed-in view checks the role (403), fetches its record through
``grid.scope`` (404 outside scope), then calls an action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import audit, history, transitions
from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.models import OrgLevel, OrgUnit
from grid.scope import get_in_scope_or_404, scope_queryset

from . import actions, board
from .forms import (
    AssistanceForm,
    BeneficiaryForm,
    MatterForm,
    MatterResultForm,
    NoteForm,
    PlacementForm,
    RateForm,
    ReasonForm,
    RecordForm,
    ReferForm,
    ResultForm,
    TicketForm,
)
from .models import (
    ASSISTANCE_OPEN,
    CLOSED,
    HELP,
    MATTER_OPEN,
    MATTERS,
    OPEN,
    WORK,
    Assistance,
    AssistanceStatus,
    Channel,
    MatterOrigin,
    MatterStatus,
    PracticalMatter,
    Ticket,
    TicketStatus,
    Window,
)
from .workdays import ESTIMATED_NOTE

VIEW = "services.view_ticket"


def _tickets():
    return Ticket.objects.select_related("community", "unit", "window", "item", "applicant_ethnicity")


def _crumbs(ticket: Ticket | None = None) -> list[Crumb]:
    crumbs = [Crumb("便民服务", reverse("services:ticket_list"))]
    if ticket is not None:
        crumbs.append(Crumb(_label(ticket), reverse("services:ticket_detail", args=[ticket.pk])))
    return crumbs


def _label(ticket: Ticket) -> str:
    return ticket.queue_code or f"办件{ticket.pk}"


# --- quick entry -------------------------------------------------------------------------------


@login_required
def ticket_create(request: HttpRequest) -> HttpResponse:
    require(request, "services.add_ticket")
    form = TicketForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            ticket = actions.ticket_create(
                by=request.user, unit=form.cleaned_data["unit"], **form.ticket_fields()
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("services:ticket_detail", ticket.pk)
    return form_page(
        request,
        title="登记办件",
        crumbs=_crumbs(),
        cancel_url=reverse("services:ticket_list"),
        form=form,
        note="信访、热线、网格上报、线上的咨询和诉求在此登记；窗口排队的请在窗口工作台叫号办理。"
        "申请人可从台账中选择，不在台账上的填写姓名、民族和电话。",
        submit_label="登记",
    )


# --- a ticket ------------------------------------------------------------------------------------


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, VIEW)
    ticket = get_in_scope_or_404(request.user, _tickets().select_related("resident"), pk=pk)
    works = request.user.has_perm(WORK)
    if works and ticket.applicant_phone:
        # 办件办理 call the applicant back: the phone is shown whole, and that is audited.
        audit.full_values_shown(request, ticket, ticket.applicant_phone)
    context = {
        "ticket": ticket,
        "full": works,
        "moves": _timeline(ticket),
        "steps": [step for step in STEPS.values() if step.offered(request.user, ticket)],
        "estimated_note": ESTIMATED_NOTE,
        "history": history.page_history(request.user, ticket, masked=True),
        "crumbs": [*_crumbs()[:1], Crumb(_label(ticket))],
    }
    return render(request, "services/ticket_detail.html", context)


def _timeline(record) -> list:
    """A ticket's, an assistance's or a matter's moves, each labelled with the state it reached."""
    moves = list(transitions.history(record))
    for move in moves:
        move.label = type(record).transitions.label(move.to_state)
    return moves


@dataclass(frozen=True)
class Step:
    """One POST form on a ticket: its button, the statuses it is offered from, form and action."""

    name: str
    label: str
    sources: tuple[str, ...]
    form: type[Form]
    act: Callable
    danger: bool = False
    petition_only: bool = False
    closed_only: bool = False

    def offered(self, user, ticket: Ticket) -> bool:
        if self.petition_only and (ticket.channel != Channel.PETITION or ticket.extended):
            return False
        return ticket.status in self.sources and user.has_perm(WORK)


STEPS = {
    step.name: step
    for step in [
        Step(
            "accept",
            "受理",
            (TicketStatus.WAITING,),
            NoteForm,
            lambda by, t, d: actions.ticket_accept(by=by, ticket=t, note=d["note"]),
        ),
        Step(
            "start",
            "开始办理",
            (TicketStatus.ACCEPTED,),
            NoteForm,
            lambda by, t, d: actions.ticket_start(by=by, ticket=t, note=d["note"]),
        ),
        Step(
            "complete",
            "办结",
            OPEN,
            ResultForm,
            lambda by, t, d: actions.ticket_complete(by=by, ticket=t, result=d["result"]),
        ),
        Step(
            "return",
            "退回",
            (TicketStatus.WAITING, *OPEN),
            ReasonForm,
            lambda by, t, d: actions.ticket_return(by=by, ticket=t, reason=d["reason"]),
            danger=True,
        ),
        Step(
            "refer",
            "转办",
            OPEN,
            ReferForm,
            lambda by, t, d: actions.ticket_refer(
                by=by, ticket=t, department=d["department"], note=d["note"]
            ),
        ),
        Step(
            "extend",
            "延长期限",
            OPEN,
            ReasonForm,
            lambda by, t, d: actions.ticket_extend(by=by, ticket=t, reason=d["reason"]),
            petition_only=True,
        ),
        Step(
            "rate",
            "满意度评价",
            CLOSED,
            RateForm,
            lambda by, t, d: actions.ticket_rate(
                by=by, ticket=t, satisfaction=d["satisfaction"], comment=d["comment"]
            ),
        ),
    ]
}


def _back(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Back to the desk the step was made from, else to the ticket."""
    if request.POST.get("desk") and ticket.window_id:
        return redirect("services:desk_window", ticket.window_id)
    return redirect("services:ticket_detail", ticket.pk)


@login_required
def ticket_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    spec = STEPS[step]
    require(request, WORK)
    ticket = get_in_scope_or_404(request.user, _tickets(), pk=pk)
    form = spec.form(posted(request))
    blocked = (
        ""
        if ticket.status in spec.sources
        else f"办件当前为“{ticket.get_status_display()}”，不能{spec.label}。"
    )
    if not blocked and form.is_valid():
        try:
            spec.act(request.user, ticket, form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(request, ticket)
    return form_page(
        request,
        title=spec.label,
        crumbs=_crumbs(ticket),
        cancel_url=reverse("services:ticket_detail", args=[ticket.pk]),
        form=form,
        blocked=blocked,
        submit_label=spec.label,
    )


# --- the clerk's desk ------------------------------------------------------------------------


def _windows(user):
    return scope_queryset(user, Window.objects.filter(active=True).select_related("community"))


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """The windows the clerk sits at (or, for staff, every window in scope); one opens at once."""
    require(request, WORK)
    windows = list(_windows(request.user))
    own = [w for w in windows if request.user in w.clerks.all()]
    if len(own) == 1:
        return redirect("services:desk_window", own[0].pk)
    return render(
        request,
        "services/desk_choose.html",
        {"own": own, "windows": windows, "crumbs": [Crumb("窗口工作台")]},
    )


def _current(window: Window, user) -> Ticket | None:
    """The ticket in front of the clerk: the last one called at this window today, still open."""
    return (
        Ticket.objects.filter(
            window=window,
            queue_day=timezone.localdate(),
            called_at__isnull=False,
            status__in=[TicketStatus.WAITING, *OPEN],
        )
        .select_related("item", "applicant_ethnicity")
        .order_by("-called_at")
        .first()
    )


@login_required
def desk_window(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, WORK)
    window = get_in_scope_or_404(request.user, Window.objects.select_related("community"), pk=pk)
    current = _current(window, request.user)
    today = timezone.localdate()
    waiting = Ticket.objects.filter(
        window=window, queue_day=today, status=TicketStatus.WAITING, called_at__isnull=True
    ).count()
    form = None
    if current is not None and current.status == TicketStatus.WAITING:
        form = RecordForm(
            user=request.user,
            window=window,
            initial={
                "kind": current.kind,
                "item": current.item_id,
                "subject": current.subject,
                "applicant_name": current.applicant_name,
                "applicant_ethnicity": current.applicant_ethnicity_id,
            },
        )
    done_today = Ticket.objects.filter(window=window, queue_day=today, status__in=CLOSED).count()
    context = {
        "window": window,
        "current": current,
        "waiting": waiting,
        "done_today": done_today,
        "form": form,
        "result_form": ResultForm(),
        "crumbs": [Crumb("窗口工作台", reverse("services:desk")), Crumb(str(window))],
    }
    return render(request, "services/desk.html", context)


@login_required
@require_POST
def desk_call(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, WORK)
    window = get_in_scope_or_404(request.user, Window, pk=pk)
    try:
        ticket = actions.window_call_next(by=request.user, window=window)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if ticket is None:
            messages.info(request, "当前没有等候的号码。")
        else:
            messages.success(request, f"请 {ticket.queue_code} 号到 {window.name} 办理。")
    return redirect("services:desk_window", window.pk)


@login_required
@require_POST
def desk_take(request: HttpRequest, pk: int) -> HttpResponse:
    """取号 for someone at the window (a hall without a kiosk)."""
    require(request, WORK)
    window = get_in_scope_or_404(request.user, Window, pk=pk)
    try:
        ticket = actions.ticket_take_number(by=request.user, window=window)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已取号 {ticket.queue_code}。")
    return redirect("services:desk_window", window.pk)


@login_required
def desk_serve(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk's form for the ticket called: 登记 what and who, then 受理 or 当场答复办结."""
    require(request, WORK)
    ticket = get_in_scope_or_404(request.user, _tickets(), pk=pk)
    form = RecordForm(posted(request), user=request.user, window=ticket.window)
    blocked = "" if ticket.status == TicketStatus.WAITING else f"办件当前为“{ticket.get_status_display()}”。"
    if not blocked and form.is_valid():
        data = form.cleaned_data
        try:
            actions.ticket_serve(
                by=request.user,
                ticket=ticket,
                answer=request.POST.get("do") == "answer",
                kind=data["kind"],
                item=data.get("item"),
                subject=data.get("subject", ""),
                **form.applicant(),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            if ticket.window_id:
                return redirect("services:desk_window", ticket.window_id)
            return redirect("services:ticket_detail", ticket.pk)
    return form_page(
        request,
        title=f"登记并受理 {_label(ticket)}",
        crumbs=_crumbs(ticket),
        cancel_url=reverse("services:ticket_detail", args=[ticket.pk]),
        form=form,
        blocked=blocked,
        submit_label="登记并受理",
    )


# --- the hall's display board (public) -------------------------------------------------------


def _hall(pk: int) -> OrgUnit:
    return get_object_or_404(OrgUnit, pk=pk, level=OrgLevel.COMMUNITY)


@never_cache
def board_page(request: HttpRequest, pk: int) -> HttpResponse:
    """叫号显示屏: no sign-in, no person — numbers, windows and how many wait."""
    hall = _hall(pk)
    return render(
        request,
        "services/board.html",
        {
            "hall": hall,
            "data": board.board_data(hall),
            "data_url": reverse("services:board_data", args=[hall.pk]),
        },
    )


@never_cache
def board_data(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(board.board_data(_hall(pk)))


# --- 帮扶 and 实事 / 微心愿 ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordStep:
    """One POST form on an assistance or a practical matter."""

    name: str
    label: str
    sources: tuple[str, ...]
    form: type[Form]
    act: Callable
    danger: bool = False
    when: Callable = lambda record: True

    def offered(self, user, record, permission: str) -> bool:
        return record.status in self.sources and user.has_perm(permission) and self.when(record)


ASSISTANCE_STEPS = {
    step.name: step
    for step in [
        RecordStep(
            "start",
            "开始帮扶",
            (AssistanceStatus.IDENTIFIED,),
            NoteForm,
            lambda by, a, d: actions.assistance_start(by=by, assistance=a, note=d["note"]),
        ),
        RecordStep(
            "place",
            "实现就业",
            (AssistanceStatus.HELPING,),
            PlacementForm,
            lambda by, a, d: actions.assistance_place(
                by=by, assistance=a, placement=d["placement"], on=d["on"]
            ),
            when=lambda a: a.is_employment,
        ),
        RecordStep(
            "complete",
            "帮扶完成",
            (AssistanceStatus.HELPING,),
            NoteForm,
            lambda by, a, d: actions.assistance_complete(by=by, assistance=a, note=d["note"]),
            when=lambda a: not a.is_employment,
        ),
        RecordStep(
            "end",
            "终止帮扶",
            ASSISTANCE_OPEN,
            ReasonForm,
            lambda by, a, d: actions.assistance_end(by=by, assistance=a, reason=d["reason"]),
            danger=True,
        ),
    ]
}

MATTER_STEPS = {
    step.name: step
    for step in [
        RecordStep(
            "start",
            "开始办理",
            (MatterStatus.OPEN,),
            NoteForm,
            lambda by, m, d: actions.matter_start(by=by, matter=m, note=d["note"]),
        ),
        RecordStep(
            "complete",
            "办结",
            MATTER_OPEN,
            MatterResultForm,
            lambda by, m, d: actions.matter_complete(by=by, matter=m, result=d["result"], on=d["on"]),
        ),
        RecordStep(
            "cancel",
            "撤销",
            MATTER_OPEN,
            ReasonForm,
            lambda by, m, d: actions.matter_cancel(by=by, matter=m, reason=d["reason"]),
            danger=True,
        ),
    ]
}


def _assistance_crumbs(assistance: Assistance | None = None) -> list[Crumb]:
    crumbs = [Crumb("帮扶", reverse("services:assistance_list"))]
    if assistance is not None:
        crumbs.append(Crumb(str(assistance), reverse("services:assistance_detail", args=[assistance.pk])))
    return crumbs


def _matter_crumbs(matter: PracticalMatter | None = None) -> list[Crumb]:
    crumbs = [Crumb("为民实事", reverse("services:matter_list"))]
    if matter is not None:
        crumbs.append(Crumb(matter.title, reverse("services:matter_detail", args=[matter.pk])))
    return crumbs


@login_required
def assistance_create(request: HttpRequest) -> HttpResponse:
    require(request, "services.add_assistance")
    form = AssistanceForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            assistance = actions.assistance_create(by=request.user, **form.assistance_fields())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("services:assistance_detail", assistance.pk)
    return form_page(
        request,
        title="登记帮扶",
        crumbs=_assistance_crumbs(),
        cancel_url=reverse("services:assistance_list"),
        form=form,
        note="就业援助从“就业援助对象认定”开始，跟踪到实现就业；低保、临时救助、助学、医疗等登记帮扶措施和金额，完成后办结。",
        submit_label="登记",
    )


@login_required
def assistance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "services.view_assistance")
    assistance = get_in_scope_or_404(
        request.user,
        Assistance.objects.select_related("unit", "community", "resident", "household", "created_by"),
        pk=pk,
    )
    context = {
        "assistance": assistance,
        "moves": _timeline(assistance),
        "steps": [s for s in ASSISTANCE_STEPS.values() if s.offered(request.user, assistance, HELP)],
        "history": history.page_history(request.user, assistance, masked=True),
        "crumbs": [*_assistance_crumbs()[:1], Crumb(str(assistance))],
    }
    return render(request, "services/assistance_detail.html", context)


def _record_step(request: HttpRequest, *, record, spec: RecordStep, permission: str, crumbs, detail_url: str):
    require(request, permission)
    form = spec.form(posted(request))
    blocked = (
        ""
        if spec.offered(request.user, record, permission)
        else (f"当前为“{record.get_status_display()}”，不能{spec.label}。")
    )
    if not blocked and form.is_valid():
        try:
            spec.act(request.user, record, form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect(detail_url)
    return form_page(
        request,
        title=spec.label,
        crumbs=crumbs,
        cancel_url=detail_url,
        form=form,
        blocked=blocked,
        submit_label=spec.label,
    )


@login_required
def assistance_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require(request, HELP)
    assistance = get_in_scope_or_404(request.user, Assistance.objects.all(), pk=pk)
    return _record_step(
        request,
        record=assistance,
        spec=ASSISTANCE_STEPS[step],
        permission=HELP,
        crumbs=_assistance_crumbs(assistance),
        detail_url=reverse("services:assistance_detail", args=[assistance.pk]),
    )


def _source(request: HttpRequest):
    """The record a 实事 comes from (``?source=activities.decision:12``), fetched in scope:
    only ids travel in the URL. ``None`` when none is named; 404 when it is not the person's."""
    named = request.GET.get("source", "")
    if not named:
        return None
    label, _, pk = named.partition(":")
    try:
        model = django_apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not pk.isdigit() or not hasattr(model, "scope_path"):
        raise Http404
    return get_in_scope_or_404(request.user, model._default_manager.all(), pk=int(pk))


@login_required
def matter_create(request: HttpRequest) -> HttpResponse:
    require(request, "services.add_practicalmatter")
    source = _source(request)
    initial = {}
    if source is not None:
        initial = {
            "title": str(getattr(source, "content", "") or source)[:100],
            "origin": MatterOrigin.MEETING,
            "owner": str(getattr(source, "owner_label", "") or "")[:50],
            "due_on": getattr(source, "due_on", None),
            "unit": history.unit_id_of(source),
        }
    form = MatterForm(posted(request), user=request.user, initial=initial)
    if form.is_valid():
        try:
            matter = actions.matter_create(
                by=request.user, unit=form.cleaned_data["unit"], source=source, **form.matter_fields()
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("services:matter_detail", matter.pk)
    return form_page(
        request,
        title="登记实事（微心愿）",
        crumbs=_matter_crumbs(),
        cancel_url=reverse("services:matter_list"),
        form=form,
        note="群众提出、网格员上报、居民议事或会议议定的“急难愁盼”实事和微心愿，明确责任人和完成时限，跟踪到办结。"
        + (f"来源：{source}。" if source is not None else ""),
        submit_label="登记",
    )


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "services.view_practicalmatter")
    matter = get_in_scope_or_404(
        request.user, PracticalMatter.objects.select_related("unit", "community", "created_by"), pk=pk
    )
    context = {
        "matter": matter,
        "beneficiaries": list(scope_queryset(request.user, matter.beneficiaries.all()).order_by("pk")),
        "moves": _timeline(matter),
        "steps": [s for s in MATTER_STEPS.values() if s.offered(request.user, matter, MATTERS)],
        "can_add": matter.is_open and request.user.has_perm(MATTERS),
        "history": history.page_history(request.user, matter, masked=True),
        "crumbs": [*_matter_crumbs()[:1], Crumb(matter.title)],
    }
    return render(request, "services/matter_detail.html", context)


@login_required
def matter_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require(request, MATTERS)
    matter = get_in_scope_or_404(request.user, PracticalMatter.objects.all(), pk=pk)
    return _record_step(
        request,
        record=matter,
        spec=MATTER_STEPS[step],
        permission=MATTERS,
        crumbs=_matter_crumbs(matter),
        detail_url=reverse("services:matter_detail", args=[matter.pk]),
    )


@login_required
def matter_beneficiary(request: HttpRequest, pk: int) -> HttpResponse:
    """添加受益居民, one at a time through the ledger's picker."""
    require(request, MATTERS)
    matter = get_in_scope_or_404(request.user, PracticalMatter.objects.all(), pk=pk)
    form = BeneficiaryForm(posted(request), user=request.user)
    blocked = "" if matter.is_open else f"实事已{matter.get_status_display()}，不能再添加受益居民。"
    if not blocked and form.is_valid():
        try:
            actions.matter_add_beneficiary(
                by=request.user, matter=matter, resident=form.cleaned_data["resident"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("services:matter_detail", matter.pk)
    return form_page(
        request,
        title="添加受益居民",
        crumbs=_matter_crumbs(matter),
        cancel_url=reverse("services:matter_detail", args=[matter.pk]),
        form=form,
        blocked=blocked,
        submit_label="添加",
    )
