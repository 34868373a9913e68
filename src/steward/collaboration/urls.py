from django.urls import path

from steward.collaboration import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path("meetings/<int:pk>/actions/", views.action_item_add, name="action-item-add"),
    path("actions/", views.action_item_list, name="action-item-list"),
    path("actions/export.csv", views.action_item_export, name="action-item-export"),
    path("actions/<int:pk>/status/", views.action_item_status, name="action-item-status"),
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/new/", views.announcement_create, name="announcement-create"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement-detail"),
    path("announcements/<int:pk>/receipts/", views.announcement_receipts, name="announcement-receipts"),
    path("feedback/", views.feedback_box, name="feedback-box"),
    path("feedback/<uuid:pk>/answer/", views.feedback_answer, name="feedback-answer"),
]
