from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>/s/<slug:key>/", views.section_thread, name="section"),
    path("r/", views.receipt_lookup, name="receipt_lookup"),
    path("r/<str:receipt>/", views.receipt_detail, name="receipt"),
    path("r/<str:receipt>/appeal/", views.receipt_appeal, name="receipt_appeal"),
    path("me/input/", views.my_input, name="my_input"),
]
