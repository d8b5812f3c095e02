from django.urls import path

from comments.signatures import views

urlpatterns = [
    path("r/<str:receipt>/sign/", views.sign, name="receipt_sign"),
    path("r/<str:receipt>/signature-links/", views.links, name="signature_links"),
    path("sign/<str:token>/", views.signatory, name="signature_form"),
    path("sign/confirm/<str:token>/", views.confirm, name="signature_confirm"),
    path(
        "staff/comments/<str:receipt>/signatures/",
        views.staff_list,
        name="staff_signatures",
    ),
]
