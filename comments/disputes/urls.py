from django.urls import path

from comments.disputes import views

urlpatterns = [
    path("r/<str:receipt>/dispute/", views.dispute, name="receipt_dispute"),
    path("disputes/<str:token>/", views.dispute_answer, name="dispute_answer"),
]
