"""疑似重复登记 (``residents.duplicates``): the list of possible duplicates in a person's scope,
and the pages that merge a pair or dismiss it. A pair is named by its two residents' ids;
one outside the reader's scope answers 404, one already dealt with says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.views import Crumb, add_action_errors, form_page, posted, require
from grid.scope import get_in_scope_or_404

from . import actions
from .duplicates import PossibleDuplicate, possible_duplicates, still_a_pair
from .forms import DismissDuplicateForm, MergeForm
from .models import Resident

PERMISSION = "residents.merge_resident"


def _crumbs() -> list[Crumb]:
    return [
        Crumb("居民台账", reverse("residents:household_list")),
        Crumb("疑似重复登记", reverse("residents:duplicate_list")),
    ]


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    require(request, PERMISSION)
    pairs = possible_duplicates(request.user)
    crumbs = [_crumbs()[0], Crumb("疑似重复登记")]
    return render(request, "residents/duplicate_list.html", {"pairs": pairs, "crumbs": crumbs})


def _pair_or_404(request: HttpRequest, first: int, second: int) -> PossibleDuplicate | None:
    """The pair, if both records are in scope (else 404); None if it is no longer a possible
    duplicate (merged or one left the ledger since)."""
    records = Resident.objects.select_related("household__grid", "ethnicity")
    return still_a_pair(*(get_in_scope_or_404(request.user, records, pk=pk) for pk in (first, second)))


def _done(request: HttpRequest) -> HttpResponse:
    messages.info(request, "这组疑似重复登记已经处理（已合并或有一条不再在册）。")
    return redirect("residents:duplicate_list")


def _pair_page(
    request: HttpRequest,
    first: int,
    second: int,
    *,
    make_form: Callable[[Any, PossibleDuplicate], BaseForm],
    write: Callable[[PossibleDuplicate, dict], HttpResponse],
    title: str,
    note: str,
    submit_label: str,
) -> HttpResponse:
    """A form about one pair: ``write(pair, cleaned_data)`` does it and answers the redirect;
    its refusal is shown on the form. ``title`` names the person as ``{name}``."""
    require(request, PERMISSION)
    pair = _pair_or_404(request, first, second)
    if pair is None:
        return _done(request)
    form = make_form(posted(request), pair)
    if request.method == "POST" and form.is_valid():
        try:
            return write(pair, form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
    return form_page(
        request,
        template="residents/duplicate_form.html",
        title=title.format(name=pair.first.name),
        crumbs=_crumbs(),
        cancel_url=reverse("residents:duplicate_list"),
        form=form,
        pair=pair,
        note=note,
        submit_label=submit_label,
    )


@login_required
def duplicate_merge(request: HttpRequest, first: int, second: int) -> HttpResponse:
    def merge(pair: PossibleDuplicate, data: dict) -> HttpResponse:
        keep, duplicate = pair.records if data["keep"] == pair.first.pk else pair.records[::-1]
        actions.resident_merge(by=request.user, keep=keep, duplicate=duplicate)
        messages.success(
            request, f"已将户号 {duplicate.household.number} 的重复登记合并到“{keep.name}”的记录。"
        )
        return redirect("residents:resident_detail", pk=keep.pk)

    return _pair_page(
        request,
        first,
        second,
        make_form=lambda data, pair: MergeForm(data, first=pair.first, second=pair.second),
        write=merge,
        title="合并“{name}”的重复登记",
        note="合并后，未保留的一条不再计入在册人数，但不会删除，其变更记录保留；"
        "调解、服务、活动等记录中的该居民改为保留的一条。",
        submit_label="确认合并",
    )


@login_required
def duplicate_dismiss(request: HttpRequest, first: int, second: int) -> HttpResponse:
    def dismiss(pair: PossibleDuplicate, data: dict) -> HttpResponse:
        actions.duplicate_dismiss(
            by=request.user, first=pair.first, second=pair.second, reason=data["reason"]
        )
        messages.success(request, f"已排除：两条“{pair.first.name}”的记录为不同的人，不再列为疑似重复。")
        return redirect("residents:duplicate_list")

    return _pair_page(
        request,
        first,
        second,
        make_form=lambda data, pair: DismissDuplicateForm(data),
        write=dismiss,
        title="排除“{name}”的疑似重复",
        note="经核实两条记录是不同的两个人时排除；排除后这两条不再列为疑似重复。",
        submit_label="确认排除",
    )
