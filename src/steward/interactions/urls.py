from django.urls import path

from steward.interactions import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("export.csv", views.interaction_export, name="export"),
    path("export.xlsx", views.interaction_export_xlsx, name="export_xlsx"),
    path("<int:pk>/", views.interaction_detail, name="detail"),
    path("imports/", views.batch_list, name="batches"),
    path("imports/new/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("imports/<int:pk>/rejects.csv", views.batch_rejects_csv, name="rejects"),
    path("imports/<int:pk>/undo/", views.batch_undo, name="undo"),
    path("profiles/", views.profile_list, name="profiles"),
    path("profiles/new/", views.profile_edit, name="profile-create"),
    path("profiles/<str:name>/edit/", views.profile_edit, name="profile-edit"),
    path("profiles/<str:name>.yaml", views.profile_yaml, name="profile-yaml"),
]
