from django.urls import path

from . import dashboard_views, export_views, views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("generate/", views.report_generate_view, name="report_generate"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/paragraphs/", views.report_paragraphs, name="report_paragraphs"),
    path("<int:pk>/submit/", views.report_submit_view, name="report_submit"),
    path("<int:pk>/return/", views.report_return_view, name="report_return"),
    path("<int:pk>/regenerate/", views.report_regenerate, name="report_regenerate"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    # A report's exports: ?version=N for an older version than the newest.
    path("<int:pk>/export.docx", export_views.report_docx_download, name="report_docx"),
    path("<int:pk>/export.xlsx", export_views.report_xlsx_download, name="report_xlsx"),
    path("<int:pk>/print/", export_views.report_print, name="report_print"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
]
