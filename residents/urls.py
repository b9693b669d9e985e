from django.urls import path
from django.views.generic import RedirectView

from . import duplicate_views, lists, pickers, views

app_name = "residents"


def _moved(name: str):
    """我的导出 moved to core (one page for every list's exports); old links still arrive."""
    return RedirectView.as_view(pattern_name=f"core:{name}", permanent=False, query_string=True)


urlpatterns = [
    path("", lists.household_list, name="household_list"),
    path("export/households.xlsx", lists.household_export, name="household_export"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/head/", views.household_change_head, name="household_change_head"),
    path("households/<int:pk>/members/new/", views.resident_create, name="resident_create"),
    path(
        "households/<int:pk>/floating/new/",
        views.resident_create,
        {"floating": True},
        name="floating_create",
    ),
    path("people/", lists.resident_list, name="resident_list"),
    path("export/residents.xlsx", lists.resident_export, name="resident_export"),
    path("exports/", _moved("export_list"), name="export_list"),
    path("exports/<int:pk>/", _moved("export_detail"), name="export_detail"),
    path("exports/<int:pk>/progress/", _moved("export_progress"), name="export_progress"),
    path("exports/<int:pk>/download/", _moved("export_download"), name="export_download"),
    path("people/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("people/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("people/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("people/<int:pk>/leave/", views.resident_leave, name="resident_leave"),
    path("people/<int:pk>/return/", views.resident_return, name="resident_return"),
    path("people/duplicates/", duplicate_views.duplicate_list, name="duplicate_list"),
    path(
        "people/duplicates/<int:first>-<int:second>/merge/",
        duplicate_views.duplicate_merge,
        name="duplicate_merge",
    ),
    path(
        "people/duplicates/<int:first>-<int:second>/dismiss/",
        duplicate_views.duplicate_dismiss,
        name="duplicate_dismiss",
    ),
    path("pick/", pickers.resident_picker, name="resident_picker"),
]
