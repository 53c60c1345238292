"""The front pages below the country's: a region, a district, a settlement, each by its KATO code."""

from django.urls import re_path

from . import views

app_name = "areas"

urlpatterns = [
    re_path(r"^regions/(?P<kato_code>\d{9})/$", views.region, name="region"),
    re_path(r"^districts/(?P<kato_code>\d{9})/$", views.district, name="district"),
    re_path(r"^settlements/(?P<kato_code>\d{9})/$", views.settlement, name="settlement"),
]
