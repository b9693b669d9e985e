"""The ticket list (办件), registered with ``core.lists``: in scope, filtered, keyset-paged,
newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import lists

from .forms import TicketFilterForm, tickets_for

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
