from django.urls import path  # noqa: F401 (the sign-in pages are added here)

app_name = "accounts"

urlpatterns: list = []
