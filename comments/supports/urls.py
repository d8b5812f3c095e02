from django.urls import path

from comments.supports import views

urlpatterns = [
    path("r/<str:receipt>/support/", views.support, name="receipt_support"),
]
