from django.urls import path  # noqa: F401 (the portal pages are added here)

app_name = "applications"

urlpatterns: list = []
