"""The parent's sign-in pages (RULES.md section 7). No IIN ever appears in these URLs: every form posts."""

from django.urls import path

from . import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/register/", views.register, name="register"),
    path("sign-out/", views.sign_out, name="sign_out"),
    # The staff's second step after the admin's password form (accounts/staff_views.py).
    path("admin/second-factor/", staff_views.second_factor, name="second_factor"),
]
