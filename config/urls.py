from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reports import views as reports_views

urlpatterns = [
    path("", reports_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("grid/", include("grid.urls")),
    path("residents/imports/", include("residents.import_urls")),
    path("residents/", include("residents.urls")),
    path("mediation/", include("mediation.urls")),
    path("services/", include("services.urls")),
    path("activities/", include("activities.urls")),
    path("reports/", include("reports.urls")),
    # 我的导出 (exports/) and 安全审计 (audit/): core's pages for every app.
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
]
