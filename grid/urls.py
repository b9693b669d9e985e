from django.urls import path

from . import views

app_name = "grid"

urlpatterns = [
    path("", views.tree, name="tree"),
]
