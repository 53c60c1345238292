"""The parent's referral pages under /cabinet/ (signed in), and the public check of a printed referral."""

from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("cabinet/applications/<str:number>/places/", views.places, name="places"),
    path("cabinet/applications/<str:number>/get-referral/", views.confirm, name="confirm"),
    path("cabinet/referrals/", views.referrals, name="referrals"),
    path("cabinet/referrals/<str:number>/", views.referral, name="referral"),
    path("cabinet/referrals/<str:number>/pdf/", views.referral_pdf, name="referral_pdf"),
    path("cabinet/referrals/<str:number>/decline/", views.decline, name="decline"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
