from django.contrib.auth import views as auth_views
from django.urls import include, path

from steward.api.api import api
from steward.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("vendors/", views.vendor_list, name="vendor-list"),
    path("vendors/export.csv", views.vendor_export, name="vendor-export"),
    path("vendors/new/", views.vendor_create, name="vendor-create"),
    path("vendors/<str:code>/", views.vendor_detail, name="vendor-detail"),
    path("vendors/<str:code>/edit/", views.vendor_edit, name="vendor-edit"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/export.csv", views.project_export, name="project-export"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<str:code>/", views.project_detail, name="project-detail"),
    path("projects/<str:code>/edit/", views.project_edit, name="project-edit"),
    path("people/", views.user_list, name="user-list"),
    path("people/new/", views.user_create, name="user-create"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:notification_pk>/open/", views.notification_open, name="notification-open"),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("interactions/", include("steward.interactions.urls")),
    path("metrics/", include("steward.metrics.urls")),
    path("", include("steward.vendors.urls")),
    path("", include("steward.contracts.urls")),
    path("collaboration/", include("steward.collaboration.urls")),
    path("improvement/", include("steward.improvement.urls")),
    path("quality/", include("steward.quality.urls")),
    path("sourcing/", include("steward.sourcing.urls")),
    path("planning/", include("steward.planning.urls")),
    path("training/", include("steward.training.urls")),
    path("integrations/", include("steward.integrations.urls")),
    path("reviews/", include("steward.reviews.urls")),
    path("workforce/", include("steward.workforce.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
]

handler403 = "steward.core.views.error_403"
handler404 = "steward.core.views.error_404"
# 500 keeps Django's handler: it renders the self-contained 500.html without touching the DB.
