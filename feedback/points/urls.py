from django.urls import path

from feedback.points import views

urlpatterns = [
    path("staff/comments/<str:receipt>/points/", views.points, name="staff_points"),
    path(
        "staff/comments/<str:receipt>/points/decide/",
        views.point_decide,
        name="staff_point_decide",
    ),
    path(
        "staff/comments/<str:receipt>/points/publish/",
        views.points_publish,
        name="staff_points_publish",
    ),
    path(
        "staff/comments/<str:receipt>/points/remove/",
        views.point_remove,
        name="staff_point_remove",
    ),
]
