from django.urls import path

from steward.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.board, name="board"),
    path("weights/", views.weights, name="weights"),
    path("<str:code>/", views.vendor, name="vendor"),
    path("<str:code>/pack.pdf", views.pack_pdf, name="pack-pdf"),
    path("<str:code>/pack.xlsx", views.pack_xlsx, name="pack-xlsx"),
]
