from django.urls import path

from . import export_views, pickers, views

app_name = "residents"

urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("export/households.xlsx", views.household_export, name="household_export"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.resident_create, name="resident_create"),
    path(
        "households/<int:pk>/floating/new/",
        views.resident_create,
        {"floating": True},
        name="floating_create",
    ),
    path("people/", views.resident_list, name="resident_list"),
    path("export/residents.xlsx", views.resident_export, name="resident_export"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("people/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("people/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("people/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("people/<int:pk>/leave/", views.resident_leave, name="resident_leave"),
    path("people/<int:pk>/return/", views.resident_return, name="resident_return"),
    # POST only: what is typed stays out of the URL.
    path("pick/", pickers.resident_picker, name="resident_picker"),
]
