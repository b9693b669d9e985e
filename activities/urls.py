from django.urls import path

from . import lists, views

app_name = "activities"

urlpatterns = [
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
