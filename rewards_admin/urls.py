from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Log-in, log-out and changing one's own password. Not password reset: staff passwords are
    # set by an Admin in the user admin, there is no email backend, and the reset form would
    # be an unthrottled way to probe usernames and send mail.
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("finance/", include("finance.urls")),
    path("approvals/", include("approvals.urls")),
    path("health/", include("health.urls")),
    path("recon/", include("recon.urls")),
    path("orders/", include("entry.urls")),
    path("uploads/", include("uploads.urls")),
    path("", include("audit.urls")),
    path("", include("orders.urls")),
]
