"""The project's URLs plus the baseline the list benchmark measures against: the same
list, selector, filters, order and template, paged by Django's Paginator (OFFSET, and an
exact COUNT(*) over the whole filtered scope) as the pages were before core.lists."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from core import lists
from core.views import require


def _baseline(request, key: str):
    spec = lists.get(key)
    require(request, spec.permission)
    form = spec.form_class(lists.filter_data(request, spec), user=request.user)
    filters = form.values()
    # The per-row subqueries on the whole queryset, as before: the database decides when to run them.
    paged = Paginator(spec.export_rows(request.user, filters), spec.page_size).get_page(
        request.GET.get("page")
    )
    page = lists.SeekPage(
        list(paged.object_list),
        paged.number,
        paged.has_next(),
        paged.has_previous(),
        count=paged.paginator.count,
        noun=spec.noun,
    )
    context = {
        "list": spec,
        "form": form,
        "page": page,
        "query": lists.query_without_cursor(request),
        "searching": bool(filters),
        "can_unmask": lists.may_see_full(request.user, spec),
        **(spec.context(filters) if spec.context else {}),
    }
    return render(request, spec.template, context)


@login_required
def households(request):
    return _baseline(request, "residents.households")


@login_required
def residents(request):
    return _baseline(request, "residents.residents")


urlpatterns = [
    *project_urlpatterns,
    path("bench-baseline/households/", households),
    path("bench-baseline/people/", residents),
]
