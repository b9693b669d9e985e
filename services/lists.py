"""The ticket list (办件), registered with ``core.lists``: in scope, filtered, keyset-paged,
newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import lists

from .forms import (
    AssistanceFilterForm,
    MatterFilterForm,
    TicketFilterForm,
    assistance_for,
    matters_for,
    tickets_for,
)

TICKETS = lists.register(
    lists.ScopedList(
        key="services.tickets",
        title="办件",
        noun="件",
        permission="services.view_ticket",
        form_class=TicketFilterForm,
        rows=tickets_for,
        order=("-received_on", "-pk"),
        template="services/ticket_list.html",
        url_name="services:ticket_list",
    )
)


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, TICKETS)


ASSISTANCE = lists.register(
    lists.ScopedList(
        key="services.assistance",
        title="帮扶",
        noun="条",
        permission="services.view_assistance",
        form_class=AssistanceFilterForm,
        rows=assistance_for,
        order=("-started_on", "-pk"),
        template="services/assistance_list.html",
        url_name="services:assistance_list",
    )
)

MATTERS = lists.register(
    lists.ScopedList(
        key="services.matters",
        title="为民实事",
        noun="件",
        permission="services.view_practicalmatter",
        form_class=MatterFilterForm,
        rows=matters_for,
        order=("-raised_on", "-pk"),
        template="services/matter_list.html",
        url_name="services:matter_list",
    )
)


@login_required
def assistance_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, ASSISTANCE)


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, MATTERS)
