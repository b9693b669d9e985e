"""Pages of the ledger (台账): a household's page with its members, a resident's page, their
changes and the forms that write them. The lists and their exports are ``residents.lists``.

Every record is fetched through the scope helpers, so one outside the user's subtree answers
404; a role that may not do something gets 403 before anything is looked up. ID numbers
and phones are masked everywhere except a detail page shown to a role allowed to see them
(and the edit forms); each view of such a page is in the audit log (``core.audit.full_values_shown``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, F, IntegerField, Value, When
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core import audit, history, ratelimit, registry
from core.models import AuditKind
from core.views import Crumb, add_action_errors, form_page, require
from grid.scope import get_in_scope_or_404, scope_queryset

from . import actions
from .exports import FULL_IDENTITY
from .forms import ChangeHeadForm, FloatingForm, HouseholdForm, LeaveForm, MoveForm, ResidentForm, ReturnForm
from .models import (
    ChangeAction,
    FloatingRegistration,
    Household,
    LedgerStatus,
    Relation,
    ResidenceStatus,
    Resident,
    household_order,
)

HISTORY_LIMIT = 100


def _sees_full(request: HttpRequest) -> bool:
    return request.user.has_perm(FULL_IDENTITY)


def _household_crumbs(household: Household) -> list[Crumb]:
    return [
        Crumb("居民台账", reverse("residents:household_list")),
        Crumb(f"户号 {household.number}", reverse("residents:household_detail", args=[household.pk])),
    ]


# --- households ---------------------------------------------------------------------------


def _households():
    return Household.objects.select_related("grid", "community", "building", "unit")


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.view_household")
    household = get_in_scope_or_404(request.user, _households(), pk=pk)
    members = (
        household.residents.select_related("ethnicity", "floating_registration")
        .annotate(
            gone=Case(
                When(status=LedgerStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by(
            "gone",
            # Most recently gone first; someone back after 迁回 also has a status date, but
            # among those on the ledger the head still comes first.
            Case(
                When(status=LedgerStatus.ACTIVE, then=Value(None)),
                default=F("status_date"),
                output_field=DateField(),
            ).desc(nulls_last=True),
            *household_order(),
        )
    )
    members = list(members)
    entries = []
    if request.user.has_perm(history.VIEW):
        changes = list(history.under(household).select_related("user")[:HISTORY_LIMIT])
        # Members who have left are named too: their changes happened in this household.
        people = Resident.objects.in_bulk({c.record_id for c in changes if c.parent_id == household.pk})

        def subject(change) -> tuple[str, str | None]:
            person = people.get(change.record_id) if change.parent_id == household.pk else None
            if person is None:
                return "本户", None
            return person.name, reverse("residents:resident_detail", args=[person.pk])

        # The household page lists every member; like the member list above it, their
        # history stays masked here. A resident's own page shows full values to those allowed.
        entries = history.entries(changes, user=request.user, subject=subject, masked=True)
    full = _sees_full(request)
    if full:
        # The household's own phones whole (its members' stay masked here): audited.
        audit.full_values_shown(
            request, household, household.phone, household.landlord_phone, also=history.whole_values(entries)
        )
    context = {
        "household": household,
        "crumbs": [Crumb("居民台账", reverse("residents:household_list")), Crumb(f"户号 {household.number}")],
        "active_members": [m for m in members if m.is_active],
        "gone_members": [m for m in members if not m.is_active],
        "history": entries,
        "full": full,
        "today": timezone.localdate(),
        # Other apps' records about this household (core.registry.related_panel), as they allow.
        "panels": registry.related_panels_for("residents.Household", request.user, household),
    }
    return render(request, "residents/household_detail.html", context)


def _duplicate_number(form: BaseForm) -> None:
    form.add_error("number", f"本社区已有户号为“{form.cleaned_data['number']}”的户，户号不能重复。")


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    require(request, "residents.add_household")
    initial = {}
    if request.GET.get("grid", "").isdigit():
        initial["grid"] = int(request.GET["grid"])
    form = HouseholdForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        grid = fields.pop("grid")
        try:
            with transaction.atomic():
                household = actions.household_create(by=request.user, grid=grid, **fields)
        except ValidationError as error:
            add_action_errors(form, error)
        except IntegrityError:
            _duplicate_number(form)  # someone took the number between the check and the insert
        else:
            messages.success(request, f"已登记户号“{household.number}”。")
            return redirect("residents:household_detail", pk=household.pk)
    return form_page(
        request,
        template="residents/form.html",
        title="登记新户",
        crumbs=[Crumb("居民台账", reverse("residents:household_list"))],
        cancel_url=reverse("residents:household_list"),
        form=form,
    )


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.change_household")
    household = get_in_scope_or_404(request.user, _households(), pk=pk)
    crumbs = _household_crumbs(household)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                household = actions.household_update(
                    by=request.user, household=household, **form.cleaned_data
                )
        except ValidationError as error:
            add_action_errors(form, error)
        except IntegrityError:
            _duplicate_number(form)
        else:
            messages.success(request, f"已保存户号“{household.number}”。")
            return redirect("residents:household_detail", pk=household.pk)
    return form_page(
        request,
        template="residents/form.html",
        title="编辑户信息",
        crumbs=crumbs,
        cancel_url=reverse("residents:household_detail", args=[pk]),
        form=form,
    )


# --- residents ------------------------------------------------------------------------------


def _residents():
    return Resident.objects.select_related(
        "household__grid", "household__community", "household__building", "household__unit", "ethnicity"
    )


ID_LOOKUPS_REFUSED = "您查询身份证号的次数过多，请一小时后再试。"


def _id_lookup_allowed(request: HttpRequest) -> bool:
    """A registration or correction with an ID number asks the whole ledger whether it is
    there (an answer that protects the ledger, and so tells a little). Each is audited, and
    a person is slowed down past ``ID_LOOKUPS_PER_HOUR``."""
    if request.method != "POST" or not request.POST.get("id_number"):
        return True
    audit.record(AuditKind.ID_LOOKUP, request=request)
    key = f"id-lookups:{request.user.pk}"
    if ratelimit.allow(key, limit=settings.ID_LOOKUPS_PER_HOUR, window=3600):
        return True
    audit.record(AuditKind.ID_LOOKUP, request=request, outcome="denied", reason="rate_limited")
    return False


def _resident_form(request: HttpRequest, resident: Resident) -> ResidentForm:
    form = ResidentForm(request.POST or None, instance=resident, user=request.user)
    if resident.pk and not _sees_full(request):
        # Correcting an ID number means seeing it; a role that may not, edits the rest only.
        del form.fields["id_number"]
    if "id_number" in form.fields and not _id_lookup_allowed(request):
        form.is_valid()  # bound, so the page shows the refusal instead of saving
        form.add_error("id_number", ID_LOOKUPS_REFUSED)
    return form


@login_required
def resident_create(request: HttpRequest, pk: int, floating: bool = False) -> HttpResponse:
    """Add a member to household ``pk``; the 登记流动人口 variant adds the registration form."""
    perms = ["residents.add_resident"] + (["residents.add_floatingregistration"] if floating else [])
    require(request, *perms)
    household = get_in_scope_or_404(request.user, _households(), pk=pk)
    form = _resident_form(request, Resident(household=household))
    has_head = household.residents.active().filter(relation=Relation.HEAD).exists()
    if has_head:
        form.fields["relation"].choices = [("", "请选择"), *Relation.choices]
        form.initial["relation"] = ""
    floating_form = None
    if floating:
        form.initial["residence_status"] = ResidenceStatus.FLOATING
        form.fields["residence_status"].disabled = True
        floating_form = FloatingForm(request.POST or None, prefix="floating")
    if request.method == "POST" and form.is_valid() and (floating_form is None or floating_form.is_valid()):
        fields = dict(form.cleaned_data)
        fields.pop("transfer_in", None)
        floating_fields = floating_form.cleaned_data if floating_form else None
        try:
            with transaction.atomic():
                if form.transfer_from is not None:
                    # Moved out somewhere the user may not see: that record comes here.
                    resident = actions.resident_transfer_in(
                        by=request.user,
                        household=household,
                        id_number=fields.pop("id_number"),
                        relation=fields.pop("relation"),
                        returned_on=fields["moved_in_on"] or timezone.localdate(),
                        floating=floating_fields,
                        **fields,
                    )
                else:
                    resident = actions.resident_create(
                        by=request.user, household=household, floating=floating_fields, **fields
                    )
        except ValidationError as error:
            add_action_errors(form, error)
        except IntegrityError:
            form.add_error("id_number", "该身份证号刚刚已被登记，请刷新后核对。")
        else:
            what = "流动人口" if floating else "成员"
            done = "将原迁出台账迁入" if form.transfer_from is not None else "登记"
            messages.success(request, f"已在户号“{household.number}”{done}{what}“{resident.name}”。")
            return redirect("residents:household_detail", pk=household.pk)
    return form_page(
        request,
        template="residents/form.html",
        title="登记流动人口" if floating else "添加成员",
        crumbs=_household_crumbs(household),
        cancel_url=reverse("residents:household_detail", args=[household.pk]),
        form=form,
        floating_form=floating_form,
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.view_resident")
    resident = get_in_scope_or_404(request.user, _residents(), pk=pk)
    registration = FloatingRegistration.objects.filter(resident=resident).first()
    entries = []
    if request.user.has_perm(history.VIEW):
        # Changes filed outside the reader's scope stay there: someone who came back from
        # another community brings their record, not that community's history.
        rows = scope_queryset(request.user, history.of_record(resident).select_related("user"))
        changes = [
            change
            for change in rows[:HISTORY_LIMIT]
            # A move is filed under both households; the resident's page shows it once.
            if not (
                change.action == ChangeAction.MOVE
                and change.changes.get("household", ["", ""])[1] != str(change.parent_id)
            )
        ]
        entries = history.entries(changes, user=request.user, subject=lambda change: (resident.name, None))
    household = resident.household
    full = _sees_full(request)
    if full:
        # Whole ID numbers and phones on this page, in its history too: every view is audited.
        audit.full_values_shown(
            request,
            resident,
            resident.id_number,
            resident.phone,
            registration.landlord_phone if registration else "",
            also=history.whole_values(entries),
        )
    context = {
        "resident": resident,
        "household": household,
        "registration": registration,
        "crumbs": [*_household_crumbs(household), Crumb(resident.name)],
        "history": entries,
        "full": full,
        "age": resident.age_on(timezone.localdate()),
        # Other apps' records about this person (core.registry.related_panel), as they allow.
        "panels": registry.related_panels_for("residents.Resident", request.user, resident),
        # A duplicate merged into another record (疑似重复登记): that one, if the reader's scope holds it.
        "merged_into": scope_queryset(request.user, _residents()).filter(pk=resident.merged_into_id).first()
        if resident.merged_into_id
        else None,
    }
    return render(request, "residents/resident_detail.html", context)


@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.change_resident")
    resident = get_in_scope_or_404(request.user, _residents(), pk=pk)
    household = resident.household
    name = resident.name
    registration = FloatingRegistration.objects.filter(resident=resident).first()
    form = _resident_form(request, resident)
    floating_form = None
    if registration is not None or resident.residence_status == ResidenceStatus.FLOATING:
        floating_form = FloatingForm(request.POST or None, instance=registration, prefix="floating")
    if request.method == "POST" and form.is_valid() and (floating_form is None or floating_form.is_valid()):
        try:
            with transaction.atomic():
                actions.resident_update(
                    by=request.user,
                    resident=resident,
                    floating=floating_form.cleaned_data if floating_form else None,
                    **form.cleaned_data,
                )
        except ValidationError as error:
            add_action_errors(form, error)
        except IntegrityError:
            form.add_error("id_number", "该身份证号刚刚已被登记，请刷新后核对。")
        else:
            messages.success(request, f"已保存“{form.cleaned_data.get('name', name)}”的信息。")
            return redirect("residents:resident_detail", pk=pk)
    return form_page(
        request,
        template="residents/form.html",
        title=f"编辑“{name}”",
        crumbs=[*_household_crumbs(household), Crumb(name, reverse("residents:resident_detail", args=[pk]))],
        cancel_url=reverse("residents:resident_detail", args=[pk]),
        form=form,
        floating_form=floating_form,
    )


@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.change_resident")
    resident = get_in_scope_or_404(request.user, _residents(), pk=pk)
    household = resident.household
    form = MoveForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_move(
                by=request.user,
                resident=resident,
                to_household=form.target,
                relation=form.cleaned_data["relation"],
                new_head=form.cleaned_data.get("new_head"),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"已将“{resident.name}”迁入户号“{form.target.number}”。")
            return redirect("residents:household_detail", pk=form.target.pk)
    return form_page(
        request,
        template="residents/form.html",
        title=f"将“{resident.name}”迁到其他户",
        crumbs=[
            *_household_crumbs(household),
            Crumb(resident.name, reverse("residents:resident_detail", args=[pk])),
        ],
        cancel_url=reverse("residents:resident_detail", args=[pk]),
        form=form,
        note="迁移后，原户的变更记录和目标户的变更记录都会留下此次迁移。原户若无在册成员，将自动销户。",
        blocked=""
        if resident.is_active
        else f"该居民已于{resident.status_date:%Y-%m-%d}{resident.get_status_display()}，不能迁到其他户。",
    )


@login_required
def resident_leave(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "residents.change_resident")
    resident = get_in_scope_or_404(request.user, _residents(), pk=pk)
    household = resident.household
    form = LeaveForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.resident_leave(
                by=request.user,
                resident=resident,
                status=data["status"],
                on=data["on"],
                departure=data["departure"],
                departure_place=data["departure_place"],
                reason=data["reason"],
                new_head=data.get("new_head"),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            label = LedgerStatus(form.cleaned_data["status"]).label
            messages.success(request, f"已登记“{resident.name}”{label}。")
            return redirect("residents:household_detail", pk=household.pk)
    return form_page(
        request,
        template="residents/form.html",
        title=f"登记“{resident.name}”迁出或死亡",
        crumbs=[
            *_household_crumbs(household),
            Crumb(resident.name, reverse("residents:resident_detail", args=[pk])),
        ],
        cancel_url=reverse("residents:resident_detail", args=[pk]),
        form=form,
        note="登记后该居民不再计入在册人数，但记录会保留；本户若已无在册成员，将自动销户。",
        blocked=""
        if resident.is_active
        else f"该居民已于{resident.status_date:%Y-%m-%d}{resident.get_status_display()}。",
    )


@login_required
def household_change_head(request: HttpRequest, pk: int) -> HttpResponse:
    """更换户主 within a household: the one way to hand the role over on the ledger."""
    require(request, "residents.change_resident")
    household = get_in_scope_or_404(request.user, _households(), pk=pk)
    present = household.active_head()
    form = ChangeHeadForm(request.POST or None, household=household, present=present)
    if request.method == "POST" and form.is_valid():
        try:
            actions.household_change_head(
                by=request.user,
                household=household,
                new_head=form.cleaned_data["new_head"],
                former_head_relation=form.cleaned_data.get("former_head_relation", ""),
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"已将“{form.cleaned_data['new_head'].name}”登记为户主。")
            return redirect("residents:household_detail", pk=household.pk)
    return form_page(
        request,
        template="residents/form.html",
        title=f"户号“{household.number}”更换户主",
        crumbs=_household_crumbs(household),
        cancel_url=reverse("residents:household_detail", args=[pk]),
        form=form,
        note="更换后，其他成员与户主的关系请在各自页面核对。",
        blocked="" if form.fields["new_head"].queryset.exists() else "本户没有可以担任户主的其他在册成员。",
        submit_label="更换户主",
    )


@login_required
def resident_return(request: HttpRequest, pk: int) -> HttpResponse:
    """迁回: someone recorded as moved out comes back, to their old household or another in
    scope. A moved-out person stays attached to their old household, so scope follows it."""
    require(request, "residents.change_resident")
    resident = get_in_scope_or_404(request.user, _residents(), pk=pk)
    household = resident.household
    to = None
    if request.GET.get("to", "").isdigit():
        # Offered from the 添加成员 page of the household the person was being added to.
        to = scope_queryset(request.user, _households()).filter(pk=request.GET["to"]).first()
    form = ReturnForm(request.POST or None, user=request.user, resident=resident, to=to)
    if request.method == "POST" and form.is_valid():
        try:
            actions.resident_return(
                by=request.user,
                resident=resident,
                household=form.target,
                relation=form.cleaned_data["relation"],
                returned_on=form.cleaned_data["returned_on"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"已为“{resident.name}”办理迁回，现在户号“{form.target.number}”。")
            return redirect("residents:household_detail", pk=form.target.pk)
    if resident.status == LedgerStatus.MOVED_OUT:
        blocked = ""
    elif resident.is_active:
        blocked = "该居民目前在册，无需办理迁回。"
    else:
        blocked = f"该居民已于{resident.status_date:%Y-%m-%d}{resident.get_status_display()}，不能办理迁回。"
    return form_page(
        request,
        template="residents/form.html",
        title=f"为“{resident.name}”办理迁回",
        crumbs=[
            *_household_crumbs(household),
            Crumb(resident.name, reverse("residents:resident_detail", args=[pk])),
        ],
        cancel_url=reverse("residents:resident_detail", args=[pk]),
        form=form,
        # Where they may go is the 户号 field's help text; the note says only where they left.
        note=f"该居民于{resident.status_date:%Y-%m-%d}从户号“{household.number}”迁出，迁回后恢复在册。"
        if resident.status_date
        else "",
        blocked=blocked,
        submit_label="办理迁回",
    )
