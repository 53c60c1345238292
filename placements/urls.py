from django.urls import path  # noqa: F401 (the parent's referral pages and the public verification page)

app_name = "placements"

urlpatterns: list = []
