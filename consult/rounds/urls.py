from django.urls import path

from consult.rounds import views as round_views

urlpatterns = [
    path("c/<slug:slug>/charter/", round_views.consultation_charter, name="consultation_charter"),
    path(
        "staff/c/<slug:slug>/rounds/<int:number>/edit/",
        round_views.staff_round_edit,
        name="staff_round_edit",
    ),
    path(
        "staff/c/<slug:slug>/rounds/<int:number>/extend/",
        round_views.staff_round_extend,
        name="staff_round_extend",
    ),
]
