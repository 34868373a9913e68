from django.urls import path

from steward.vendors import views

# Under vendors/<code>/ only two-segment paths, so core's vendors/<code>/ and .../edit/ keep
# their meaning; lists live at their own top-level paths.
urlpatterns = [
    path("vendors/<str:code>/profile/edit/", views.profile_edit, name="vendor-profile-edit"),
    path("vendors/<str:code>/status/", views.vendor_status, name="vendor-status"),
    path("vendors/<str:code>/certifications/new/", views.certification_create, name="certification-create"),
    path("vendors/<str:code>/documents/upload/", views.document_upload, name="document-upload"),
    path("vendors/<str:code>/contacts/new/", views.contact_create, name="contact-create"),
    path("certifications/", views.certification_list, name="certification-list"),
    path("certifications/export.csv", views.certification_export, name="certification-export"),
    path("certifications/<int:pk>/edit/", views.certification_edit, name="certification-edit"),
    path("certifications/<int:pk>/delete/", views.certification_delete, name="certification-delete"),
    path("documents/versions/<int:pk>/download/", views.version_download, name="document-version-download"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
]
