from django.urls import path

from . import export_views

app_name = "core"

urlpatterns = [
    path("", export_views.export_list, name="export_list"),
    path("<int:pk>/", export_views.export_detail, name="export_detail"),
    path("<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("<int:pk>/download/", export_views.export_download, name="export_download"),
]
