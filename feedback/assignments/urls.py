from django.urls import path

from feedback.assignments import views

urlpatterns = [
    path("staff/c/<slug:slug>/queue/", views.my_queue, name="staff_my_queue"),
    path("staff/c/<slug:slug>/workload/", views.workload, name="staff_workload"),
]
