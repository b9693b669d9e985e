"""The case list (矛盾纠纷案件), registered with ``core.lists``: in scope, filtered, keyset-paged,
newest report first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from core import lists

from .forms import CaseFilterForm, cases_for

CASES = lists.register(
    lists.ScopedList(
        key="mediation.cases",
        title="矛盾纠纷案件",
        noun="件",
        permission="mediation.view_case",
        form_class=CaseFilterForm,
        rows=cases_for,
        order=("-reported_on", "-pk"),
        template="mediation/case_list.html",
        url_name="mediation:case_list",
    )
)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    return lists.list_page(request, CASES)
