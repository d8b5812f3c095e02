from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>/ledger/", views.ledger, name="ledger"),
    path("staff/c/<slug:slug>/triage/", views.triage, name="staff_triage"),
    path("staff/comments/<str:receipt>/decide/", views.decide, name="staff_decide"),
    path("staff/c/<slug:slug>/snippets/", views.snippets, name="staff_snippets"),
    path("staff/c/<slug:slug>/snippets/<int:pk>/", views.snippet_edit, name="staff_snippet_edit"),
    path(
        "staff/c/<slug:slug>/snippets/<int:pk>/delete/",
        views.snippet_delete,
        name="staff_snippet_delete",
    ),
    path("staff/c/<slug:slug>/coverage/", views.coverage, name="staff_coverage"),
    path("staff/c/<slug:slug>/appeals/", views.appeals, name="staff_appeals"),
]
