"""The kindergarten staff's desk under /kindergarten/ (``placements.desk``)."""

from django.urls import path

from . import desk

app_name = "kindergarten_desk"

urlpatterns = [
    path("", desk.referrals, name="referrals"),
    path("referrals/<str:number>/enrol/", desk.enrol, name="enrol"),
    path("referrals/<str:number>/no-show/", desk.no_show, name="no_show"),
    path("free-places/", desk.free_places, name="free_places"),
]
