from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>/ledger/", views.ledger, name="ledger"),
    path("staff/c/<slug:slug>/triage/", views.triage, name="staff_triage"),
    path("staff/comments/<str:receipt>/decide/", views.decide, name="staff_decide"),
]
