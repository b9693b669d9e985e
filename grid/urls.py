from django.urls import path

from . import views

app_name = "grid"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/children/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/buildings/new/", views.building_create, name="building_create"),
    path("units/<int:pk>/places/new/", views.place_create, name="place_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("buildings/<int:pk>/units/new/", views.building_unit_create, name="building_unit_create"),
    # 单元 of a building; "units/" above are org units (组织单元).
    path("building-units/<int:pk>/", views.building_unit_detail, name="building_unit_detail"),
    path("building-units/<int:pk>/edit/", views.building_unit_edit, name="building_unit_edit"),
    path("places/<int:pk>/", views.place_detail, name="place_detail"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
    # 账号解锁: the accounts in scope locked out of signing in; <pk> is the account's (a user's).
    path("lockouts/", views.lockout_list, name="lockout_list"),
    path("lockouts/<int:pk>/unlock/", views.lockout_unlock, name="lockout_unlock"),
]
