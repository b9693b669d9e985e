from django.urls import path

from . import import_views as views

app_name = "ledger_import"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("template/", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/commit/", views.import_commit, name="commit"),
    path("<int:pk>/retry/", views.import_retry, name="retry"),
    path("<int:pk>/errors.xlsx", views.import_error_rows, name="error_rows"),
]
