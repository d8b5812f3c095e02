from django.urls import path

from feedback.disputes import views

urlpatterns = [
    path("staff/c/<slug:slug>/disputes/", views.disputes, name="staff_disputes"),
    path("staff/c/<slug:slug>/disputes/<int:pk>/", views.dispute_detail, name="staff_dispute"),
]
