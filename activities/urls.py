from django.urls import path

from . import lists, views

app_name = "activities"

urlpatterns = [
    path("", lists.activity_list, name="activity_list"),
    path("calendar/", views.calendar, name="calendar"),
    path("new/", views.activity_create, name="activity_create"),
    path("<int:pk>/", views.activity_detail, name="activity_detail"),
    path("<int:pk>/edit/", views.activity_update, name="activity_update"),
    path("<int:pk>/attend/", views.attend, name="attend"),
    path("<int:pk>/attend/building/", views.attend_building, name="attend_building"),
    path("attendance/<int:pk>/remove/", views.unattend, name="unattend"),
    path("<int:pk>/others/", views.others, name="others"),
    path("<int:pk>/photos/new/", views.photo_upload, name="photo_upload"),
    path("photos/<int:pk>/", views.photo_image, name="photo_image"),
    path("photos/<int:pk>/thumbnail/", views.photo_thumbnail, name="photo_thumbnail"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/edit/", views.team_update, name="team_update"),
    path("teams/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("teams/<int:pk>/hours/new/", views.service_enter, name="service_enter"),
    path("hours/<int:pk>/confirm/", views.service_confirm, name="service_confirm"),
    path("hours/<int:pk>/return/", views.service_return, name="service_return"),
    # 走访慰问, 会议与决定, 荣誉
    path("visits/", lists.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/unvisited/", views.unvisited, name="unvisited"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_update, name="visit_update"),
    path("households/<int:pk>/visits/new/", views.household_visit_create, name="household_visit_create"),
    path("meetings/", lists.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_update, name="meeting_update"),
    path("meetings/<int:pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/", lists.decision_list, name="decision_list"),
    path("decisions/<int:pk>/edit/", views.decision_update, name="decision_update"),
    *(
        path(f"decisions/<int:pk>/{step}/", views.decision_step, {"step": step}, name=f"decision_{step}")
        for step in views.STEPS
    ),
    path("honours/", lists.honour_list, name="honour_list"),
    path("honours/new/", views.honour_create, name="honour_create"),
    path("honours/<int:pk>/", views.honour_detail, name="honour_detail"),
    path("honours/<int:pk>/edit/", views.honour_update, name="honour_update"),
]
