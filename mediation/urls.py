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
    path("cases/<int:pk>/joint/", views.case_joint, name="case_joint"),
    path("clinic/", lists.clinic_list, name="clinic_list"),
    path("clinic/new/", views.clinic_create, name="clinic_create"),
    path("clinic/<int:pk>/", views.clinic_detail, name="clinic_detail"),
    path("clinic/<int:pk>/edit/", views.clinic_update, name="clinic_update"),
    path("cases/<int:pk>/agreement/", views.agreement_edit, name="agreement_edit"),
    path("cases/<int:pk>/agreement/docx/", views.agreement_docx, name="agreement_docx"),
    path("cases/<int:pk>/agreement/scan/", views.agreement_scan, name="agreement_scan"),
    path("cases/<int:pk>/agreement/scan/file/", views.agreement_scan_file, name="agreement_scan_file"),
    path("followups/", views.followups_due, name="followups_due"),
    path("followups/<int:pk>/", views.followup_record, name="followup_record"),
    *(
        path(f"cases/<int:pk>/{step}/", views.case_step, {"step": step}, name=f"case_{step}")
        for step in views.STEPS
    ),
]
