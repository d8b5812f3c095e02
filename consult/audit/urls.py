from django.urls import path

from consult.audit import views

urlpatterns = [
    path("staff/audit/", views.audit_site, name="staff_audit"),
    path("staff/c/<slug:slug>/audit/", views.audit_consultation, name="staff_audit_consultation"),
]
