from django.urls import path

from steward.sourcing import views

app_name = "sourcing"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("new/", views.event_create, name="event-create"),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("<int:pk>/invite/", views.event_invite, name="event-invite"),
    path("<int:pk>/weights/", views.event_weights, name="event-weights"),
    path("<int:pk>/checklist/", views.event_checklist_add, name="event-checklist-add"),
    path("<int:pk>/status/", views.event_status, name="event-status"),
    path("<int:pk>/score/", views.event_score, name="event-score"),
    path("<int:pk>/ranking/", views.event_ranking, name="event-ranking"),
    path("<int:pk>/decide/", views.event_decide, name="event-decide"),
    path("site-visit/<int:pk>/", views.site_visit_record, name="site-visit-record"),
    path("portal/", views.portal, name="portal"),
    path("portal/<int:pk>/", views.portal_event, name="portal-event"),
]
