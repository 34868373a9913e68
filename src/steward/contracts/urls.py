from django.urls import path

from steward.contracts import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/export.csv", views.contract_export, name="contract-export"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<str:code>/", views.contract_detail, name="contract-detail"),
    path("contracts/<str:code>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<str:code>/rates/new/", views.rate_create, name="contract-rate-create"),
    path("contracts/<str:code>/responsibilities/new/", views.responsibility_create,
         name="contract-responsibility-create"),
    path("contract-rates/<int:pk>/delete/", views.rate_delete, name="contract-rate-delete"),
    path("responsibilities/<int:pk>/toggle/", views.responsibility_toggle, name="contract-responsibility-toggle"),
    path("responsibilities/<int:pk>/delete/", views.responsibility_delete, name="contract-responsibility-delete"),
]
