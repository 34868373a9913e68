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
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/export.csv", views.invoice_export, name="invoice-export"),
    path("invoices/new/", views.invoice_generate, name="invoice-generate"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/invoice.xlsx", views.invoice_xlsx, name="invoice-xlsx"),
    path("invoices/<int:pk>/invoice.pdf", views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/adjust/", views.invoice_adjust, name="invoice-adjust"),
    path("invoices/<int:pk>/recompute/", views.invoice_recompute, name="invoice-recompute"),
    path("invoices/<int:pk>/delete/", views.invoice_delete, name="invoice-delete"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice-send"),
    path("invoices/<int:pk>/confirm/", views.invoice_confirm, name="invoice-confirm"),
    path("invoices/<int:pk>/dispute/", views.invoice_dispute, name="invoice-dispute"),
    path("invoices/<int:pk>/approve/", views.invoice_approve, name="invoice-approve"),
    path("invoices/<int:pk>/paid/", views.invoice_paid, name="invoice-paid"),
    path("invoices/<int:pk>/credit-note/", views.invoice_credit_note, name="invoice-credit-note"),
    path("invoice-lines/<int:pk>/remove/", views.invoice_line_remove, name="invoice-line-remove"),
    path("costs/", views.cost_analytics, name="cost-analytics"),
]
