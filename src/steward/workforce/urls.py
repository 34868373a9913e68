from django.urls import path

from steward.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.plan, name="plan"),
    path("<str:code>/events/new/", views.event_create, name="event-create"),
    path("<str:code>/commitments/new/", views.commitment_create, name="commitment-create"),
    path("<str:code>/profile/", views.profile_edit, name="profile-edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
]
