from django.urls import path

from . import lists, views

app_name = "mediation"

urlpatterns = [
    path("", lists.case_list, name="case_list"),
    path("export/cases.xlsx", lists.case_export, name="case_export"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/mediators/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/sessions/new/", views.session_create, name="session_create"),
    *(
        path(f"cases/<int:pk>/{step}/", views.case_step, {"step": step}, name=f"case_{step}")
        for step in views.STEPS
    ),
]
