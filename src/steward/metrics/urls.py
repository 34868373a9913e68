from django.urls import path

from steward.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/sla/", views.sla_list, name="sla"),
    path("<str:code>/sla/new/", views.sla_new, name="sla-new"),
    path("<str:code>/sla/backtest/", views.sla_backtest, name="sla-backtest"),
    path("<str:code>/sla/<int:pk>/", views.sla_detail, name="sla-detail"),
    path("<str:code>/sla/<int:pk>/edit/", views.sla_edit, name="sla-edit"),
    path("<str:code>/sla/<int:pk>/diff/", views.sla_diff, name="sla-diff"),
]
