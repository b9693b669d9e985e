from django.urls import path

from . import audit_views, export_views

app_name = "core"

urlpatterns = [
    # 我的导出: the background exports of every registered list (core.lists).
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    # 安全审计, for the 审计员 role.
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/export.xlsx", audit_views.audit_export, name="audit_export"),
]
