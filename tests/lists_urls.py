"""The project's URLs plus a list that a test registers (tests/test_core_lists.py): what a
future app's urls.py adds for a list of its own."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from core import export_views, lists

KEY = "tests.households"


@login_required
def page(request):
    return lists.list_page(request, KEY)


@login_required
def export(request):
    return export_views.list_export(request, KEY)


urlpatterns = [
    *project_urlpatterns,
    path("test-list/", page, name="test_list"),
    path("test-list/export.xlsx", export, name="test_list_export"),
]
