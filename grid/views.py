"""Pages of the org tree: home, browsing 区 → 街道 → 社区 → 网格 → 楼栋/场所, and their upkeep;
and 账号解锁, where the 系统管理员 ends the sign-in lockout of accounts in their scope.

Every record is fetched through the scope helpers, so a record outside the user's subtree
answers 404; a role that may not do something gets 403 before anything is looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit, history, lockout, registry
from core.views import Crumb, add_action_errors, form_page, posted, require

from . import actions
from .forms import (
    BuildingForm,
    HeadChoices,
    OrgUnitForm,
    PlaceForm,
    UnitForm,
)
from .models import HEAD_PHONES, UNLOCK_ACCOUNT, Building, OrgLevel, OrgUnit, Place, Profile, Role, Unit
from .queries import subtree_counts
from .scope import get_in_scope_or_404, scope_queryset, unit_in_scope, user_org_unit


def _unit_crumbs(request: HttpRequest, unit: OrgUnit, *, link_last: bool) -> list[Crumb]:
    """网格与楼栋 › ancestors › unit. Ancestors above the user's own unit are named, not linked."""
    crumbs = [Crumb("网格与楼栋", reverse("grid:tree"))]
    for ancestor in OrgUnit.objects.get_ancestors(unit):
        url = (
            reverse("grid:unit_detail", args=[ancestor.pk]) if unit_in_scope(request.user, ancestor) else None
        )
        crumbs.append(Crumb(ancestor.name, url))
    crumbs.append(Crumb(unit.name, reverse("grid:unit_detail", args=[unit.pk]) if link_last else None))
    return crumbs


def _children(request: HttpRequest, parent: OrgUnit | None) -> list[OrgUnit]:
    """The in-scope units one level below ``parent`` (the roots for ``None``), with their counts."""
    units = scope_queryset(request.user, OrgUnit)
    if parent is None:
        units = units.filter(depth=1)
    else:
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    children = list(units)
    counts = subtree_counts(request.user, children)
    for child in children:
        child.counts = counts[child.pk]
    return children


def _head_choices(
    request: HttpRequest,
    current_head_id: int | None,
    *,
    building: Building | None = None,
    grid: OrgUnit | None = None,
) -> HeadChoices:
    """Residents a head can be picked from: those on the ledger of ``building`` (or ``grid``),
    plus the present head (who may have moved out since) — all through the user's scope."""
    # The head is a residents.Resident; reached through the field so grid imports no app above it.
    residents = scope_queryset(request.user, Building.head.field.related_model)
    if building is not None:
        where, near = {"household__building": building}, {"building": building.pk}
    else:
        where, near = {"household__grid": grid}, {"grid": grid.pk}
    choices = residents.active().filter(**where)
    if current_head_id:
        choices = choices | residents.filter(pk=current_head_id)
    return HeadChoices(choices.select_related("household"), near)


# --- reading -------------------------------------------------------------------------


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    require(request, "grid.view_orgunit")
    # A superuser's scope is every tree, so their page starts from the districts (root None).
    everything = request.user.is_superuser
    root = None if everything else user_org_unit(request.user)
    context = {
        "root": root,
        "children": _children(request, root) if root is not None or everything else [],
        "unassigned": root is None and not everything,
    }
    if root is not None and root.is_grid:
        context["grid_counts"] = subtree_counts(request.user, [root])[root.pk]
    return render(request, "grid/tree.html", context)


def _head_phones(request: HttpRequest, obj, heads) -> bool:
    """Whether the page shows the heads' phones whole (as tel: links); if so, audited."""
    full = request.user.has_perm(HEAD_PHONES)
    if full:
        audit.full_values_shown(request, obj, *(head.head_display_phone for head in heads))
    return full


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.view_orgunit")
    unit = get_in_scope_or_404(request.user, OrgUnit, pk=pk)
    context = {
        "unit": unit,
        "crumbs": _unit_crumbs(request, unit, link_last=False),
        "children": _children(request, unit) if not unit.is_grid else [],
        "child_level": OrgLevel(unit.child_level()).label if unit.child_level() else "",
    }
    if unit.is_grid:
        context["buildings"] = buildings = list(
            scope_queryset(request.user, Building)
            .filter(grid=unit)
            .select_related("head")
            .annotate(unit_count=Count("units"))
            # Django drops Meta.ordering from a query that groups, as this count does.
            .order_by("position", "number")
        )
        context["places"] = places = list(
            scope_queryset(request.user, Place).filter(grid=unit).select_related("head")
        )
        context["heads_full"] = _head_phones(request, unit, [*buildings, *places])
        # Who works this grid: the first thing a resident or a new colleague asks.
        context["grid_workers"] = (
            scope_queryset(request.user, Profile)
            .filter(org_unit=unit, role=Role.GRID_WORKER, user__is_active=True)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__username")
        )
    context["history"] = history.page_history(request.user, unit)
    return render(request, "grid/unit_detail.html", context)


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.view_building")
    building = get_in_scope_or_404(request.user, Building.objects.select_related("grid", "head"), pk=pk)
    units = list(
        scope_queryset(request.user, Unit)
        .filter(building=building)
        .select_related("head")
        .order_by("position", "number")
    )
    context = {
        "building": building,
        "crumbs": [*_unit_crumbs(request, building.grid, link_last=True), Crumb(building.number)],
        "units": units,
        "heads_full": _head_phones(request, building, [building, *units]),
        # Who lives here, per unit: the ledger's (residents.panels), as the reader may see it.
        "panels": registry.related_panels_for("grid.Building", request.user, building),
        "history": history.page_history(request.user, building, subject=_building_subject(building)),
    }
    return render(request, "grid/building_detail.html", context)


@login_required
def building_unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A 单元: its 单元长 and, from the apps above the tree, who lives there."""
    require(request, "grid.view_unit")
    unit = get_in_scope_or_404(request.user, Unit.objects.select_related("building__grid", "head"), pk=pk)
    building = unit.building
    context = {
        "unit": unit,
        "building": building,
        "crumbs": [
            *_unit_crumbs(request, building.grid, link_last=True),
            Crumb(building.number, reverse("grid:building_detail", args=[building.pk])),
            Crumb(unit.number),
        ],
        "heads_full": _head_phones(request, unit, [unit]),
        "panels": registry.related_panels_for("grid.Unit", request.user, unit),
    }
    return render(request, "grid/building_unit_detail.html", context)


def _building_subject(building: Building):
    """On a building's page, a change is the building's or one of its 单元's."""
    units = dict(Unit.objects.filter(building=building).values_list("pk", "number"))

    def subject(change) -> tuple[str, str | None]:
        if change.parent_id == building.pk:
            return units.get(change.record_id, "单元"), None
        return "本楼栋", None

    return subject


@login_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.view_place")
    place = get_in_scope_or_404(request.user, Place.objects.select_related("grid", "head"), pk=pk)
    context = {
        "place": place,
        "crumbs": [*_unit_crumbs(request, place.grid, link_last=True), Crumb(place.name)],
        "heads_full": _head_phones(request, place, [place]),
        "history": history.page_history(request.user, place),
    }
    return render(request, "grid/place_detail.html", context)


# --- upkeep (staff and admins) -------------------------------------------------------


@login_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A child under unit ``pk``; its level is the one below the parent's."""
    require(request, "grid.add_orgunit")
    parent = get_in_scope_or_404(request.user, OrgUnit, pk=pk)
    child_level = parent.level + 1
    form = OrgUnitForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.org_unit_create(
                by=request.user, parent=parent, level=child_level, **form.cleaned_data
            )
        except ValidationError as error:
            add_action_errors(form, error)
        except IntegrityError:
            # Someone took the code between the form's check and the insert.
            form.add_error("code", f"编码“{form.cleaned_data['code']}”已被占用，请换一个。")
        else:
            messages.success(request, f"已添加{unit.get_level_display()}“{unit.name}”。")
            return redirect("grid:unit_detail", pk=unit.pk)
    level_label = OrgLevel(child_level).label if child_level <= OrgLevel.GRID else "下级单元"
    return form_page(
        request,
        form=form,
        title=f"在“{parent.name}”下添加{level_label}",
        crumbs=_unit_crumbs(request, parent, link_last=True),
        cancel_url=reverse("grid:unit_detail", args=[parent.pk]),
        note=f"新单元的层级为“{level_label}”，由上级“{parent.name}”（{parent.get_level_display()}）决定。"
        if not parent.is_grid
        else "",
        blocked="网格是最末一级，不能再添加下级单元。" if parent.is_grid else "",
    )


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.change_orgunit")
    unit = get_in_scope_or_404(request.user, OrgUnit, pk=pk)
    # Named before validation: a failed POST leaves the typed values on ``unit``.
    title = f"编辑{unit.get_level_display()}“{unit.name}”"
    crumbs = _unit_crumbs(request, unit, link_last=True)
    form = OrgUnitForm(posted(request), instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.org_unit_update(by=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, f"已保存“{unit.name}”。")
            return redirect("grid:unit_detail", pk=unit.pk)
    return form_page(
        request, form=form, title=title, crumbs=crumbs, cancel_url=reverse("grid:unit_detail", args=[unit.pk])
    )


def _saved(form: BaseForm, write: Callable[..., Any], **target: Any) -> Any | None:
    """Run the action ``write`` with the form's data; its refusal lands on the form (None)."""
    try:
        return write(**target, **form.cleaned_data)
    except ValidationError as error:
        add_action_errors(form, error)
        return None


@login_required
def building_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.add_building")
    grid = get_in_scope_or_404(request.user, OrgUnit.objects.grids(), pk=pk)
    form = BuildingForm(posted(request), instance=Building(grid=grid))
    if request.method == "POST" and form.is_valid():
        building = _saved(form, actions.building_create, by=request.user, grid=grid)
        if building is not None:
            messages.success(request, f"已添加楼栋“{building.number}”。")
            return redirect("grid:building_detail", pk=building.pk)
    return form_page(
        request,
        form=form,
        title=f"在“{grid.name}”添加楼栋",
        crumbs=_unit_crumbs(request, grid, link_last=True),
        cancel_url=reverse("grid:unit_detail", args=[grid.pk]),
    )


@login_required
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.change_building")
    building = get_in_scope_or_404(request.user, Building.objects.select_related("grid"), pk=pk)
    stored_number = building.number
    form = BuildingForm(
        posted(request),
        instance=building,
        head_choices=_head_choices(request, building.head_id, building=building),
    )
    saved = request.method == "POST" and form.is_valid()
    if saved and _saved(form, actions.building_update, by=request.user, building=building) is not None:
        messages.success(request, f"已保存楼栋“{building.number}”。")
        return redirect("grid:building_detail", pk=building.pk)
    return form_page(
        request,
        form=form,
        title=f"编辑楼栋“{stored_number}”",
        crumbs=[
            *_unit_crumbs(request, building.grid, link_last=True),
            Crumb(stored_number, reverse("grid:building_detail", args=[building.pk])),
        ],
        cancel_url=reverse("grid:building_detail", args=[building.pk]),
    )


@login_required
def building_unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.add_unit")
    building = get_in_scope_or_404(request.user, Building.objects.select_related("grid"), pk=pk)
    form = UnitForm(
        posted(request),
        instance=Unit(building=building),
        head_choices=_head_choices(request, None, building=building),
    )
    if request.method == "POST" and form.is_valid():
        unit = _saved(form, actions.unit_create, by=request.user, building=building)
        if unit is not None:
            messages.success(request, f"已在“{building.number}”添加“{unit.number}”。")
            return redirect("grid:building_detail", pk=building.pk)
    return form_page(
        request,
        form=form,
        title=f"在“{building.number}”添加单元",
        crumbs=[
            *_unit_crumbs(request, building.grid, link_last=True),
            Crumb(building.number, reverse("grid:building_detail", args=[building.pk])),
        ],
        cancel_url=reverse("grid:building_detail", args=[building.pk]),
    )


@login_required
def building_unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.change_unit")
    unit = get_in_scope_or_404(request.user, Unit.objects.select_related("building__grid"), pk=pk)
    building = unit.building
    stored_number = unit.number
    form = UnitForm(
        posted(request),
        instance=unit,
        head_choices=_head_choices(request, unit.head_id, building=building),
    )
    saved = request.method == "POST" and form.is_valid()
    if saved and _saved(form, actions.unit_update, by=request.user, unit=unit) is not None:
        messages.success(request, f"已保存“{building.number}{unit.number}”。")
        return redirect("grid:building_detail", pk=building.pk)
    return form_page(
        request,
        form=form,
        title=f"编辑“{building.number}{stored_number}”",
        crumbs=[
            *_unit_crumbs(request, building.grid, link_last=True),
            Crumb(building.number, reverse("grid:building_detail", args=[building.pk])),
        ],
        cancel_url=reverse("grid:building_detail", args=[building.pk]),
    )


@login_required
def place_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.add_place")
    grid = get_in_scope_or_404(request.user, OrgUnit.objects.grids(), pk=pk)
    form = PlaceForm(
        posted(request),
        instance=Place(grid=grid),
        head_choices=_head_choices(request, None, grid=grid),
    )
    if request.method == "POST" and form.is_valid():
        place = _saved(form, actions.place_create, by=request.user, grid=grid)
        if place is not None:
            messages.success(request, f"已添加场所“{place.name}”。")
            return redirect("grid:place_detail", pk=place.pk)
    return form_page(
        request,
        form=form,
        title=f"在“{grid.name}”添加场所",
        crumbs=_unit_crumbs(request, grid, link_last=True),
        cancel_url=reverse("grid:unit_detail", args=[grid.pk]),
    )


@login_required
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "grid.change_place")
    place = get_in_scope_or_404(request.user, Place.objects.select_related("grid"), pk=pk)
    stored_name = place.name
    form = PlaceForm(
        posted(request),
        instance=place,
        head_choices=_head_choices(request, place.head_id, grid=place.grid),
    )
    if request.method == "POST" and form.is_valid():
        place = _saved(form, actions.place_update, by=request.user, place=place)
        if place is not None:
            messages.success(request, f"已保存场所“{place.name}”。")
            return redirect("grid:place_detail", pk=place.pk)
    return form_page(
        request,
        form=form,
        title=f"编辑场所“{stored_name}”",
        crumbs=[
            *_unit_crumbs(request, place.grid, link_last=True),
            Crumb(stored_name, reverse("grid:place_detail", args=[place.pk])),
        ],
        cancel_url=reverse("grid:place_detail", args=[place.pk]),
    )


# --- 账号解锁 (the 系统管理员) ----------------------------------------------------------


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    """The accounts in the reader's scope locked out of signing in now, each with 解锁. An
    attempt naming an account outside the scope, or no account at all, is never shown; nor
    are the addresses, only how many."""
    require(request, UNLOCK_ACCOUNT)
    accounts = scope_queryset(request.user, get_user_model())
    locks = lockout.locked_accounts(accounts.values("username"))
    users = accounts.filter(username__in=[lock.username for lock in locks])
    by_name = {user.get_username(): user for user in users.select_related("profile__org_unit")}
    context = {
        "locked": [(lock, by_name[lock.username]) for lock in locks if lock.username in by_name],
        "limit": settings.AXES_FAILURE_LIMIT,
        "cool_off": lockout.cool_off(),
    }
    return render(request, "grid/lockout_list.html", context)


@login_required
@require_POST
def lockout_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, UNLOCK_ACCOUNT)
    account = get_in_scope_or_404(request.user, get_user_model(), pk=pk)
    name = account.get_username()
    if lockout.locked_accounts([name]):
        actions.account_unlock(by=request.user, user=account, request=request)
        messages.success(request, f"已解锁账号“{name}”，该账号现在可以重新登录。")
    else:
        messages.info(request, f"账号“{name}”目前没有被锁定，无需解锁。")
    return redirect("grid:lockout_list")
