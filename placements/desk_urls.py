from django.urls import path  # noqa: F401 (the kindergarten staff desk)

app_name = "kindergarten_desk"

urlpatterns: list = []
