from django.urls import path

from steward.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.index, name="index"),
    # Before <code>/: a project coded "alerts" or "holidays" would be shadowed (the codes should be reserved).
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/rules/new/", views.alert_rule_new, name="alert-rule-new"),
    path("alerts/channels/", views.alert_channels, name="alert-channels"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/transition/", views.alert_transition, name="alert-transition"),
    path("holidays/", views.holiday_years, name="holidays"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/sla/", views.sla_list, name="sla"),
    path("<str:code>/sla/new/", views.sla_new, name="sla-new"),
    path("<str:code>/sla/backtest/", views.sla_backtest, name="sla-backtest"),
    path("<str:code>/sla/<int:pk>/", views.sla_detail, name="sla-detail"),
    path("<str:code>/sla/<int:pk>/edit/", views.sla_edit, name="sla-edit"),
    path("<str:code>/sla/<int:pk>/diff/", views.sla_diff, name="sla-diff"),
]
