from django.urls import path

from steward.improvement import views

urlpatterns = [
    path("capa/", views.capa_board, name="capa-board"),
    path("capa/list/", views.capa_list, name="capa-list"),
    path("capa/export.csv", views.capa_export, name="capa-export"),
    path("capa/library/", views.case_library, name="capa-library"),
    path("capa/new/", views.capa_create, name="capa-create"),
    path("capa/<int:pk>/", views.capa_detail, name="capa-detail"),
    path("capa/<int:pk>/respond/", views.capa_respond, name="capa-respond"),
    path("capa/<int:pk>/actions/", views.capa_action_add, name="capa-action-add"),
    path("capa/<int:pk>/step/", views.capa_step, name="capa-step"),
    path("capa/steps/<int:pk>/status/", views.capa_action_status, name="capa-action-status"),
    path("risks/", views.risk_list, name="risk-list"),
    path("risks/heatmap/", views.risk_heatmap, name="risk-heatmap"),
    path("risks/new/", views.risk_create, name="risk-create"),
    path("risks/<int:pk>/", views.risk_detail, name="risk-detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk-edit"),
]
