"""Issuing a token in the admin shows its secret once; revoking is an admin action (issue 5, item 1)."""

import datetime

from django.contrib.messages import get_messages

from core import clock
from integration import services
from integration.choices import TokenRole
from integration.models import ApiToken, hash_secret


def test_issuing_a_token_in_the_admin_shows_the_secret_once(client, superuser, call_centre):
    client.force_login(superuser)
    expires = clock.now().replace(microsecond=0) + datetime.timedelta(days=30)
    response = client.post(
        "/admin/integration/apitoken/add/",
        {
            "organisation": call_centre.pk,
            "role": TokenRole.CALL_CENTRE,
            "name": "Desk",
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content
    token = ApiToken.objects.get()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    secret = next(text.rsplit(" ", 1)[-1] for text in shown if token.prefix in text)
    assert token.key_hash == hash_secret(secret)
    change_page = f"/admin/integration/apitoken/{token.pk}/change/"
    assert secret in client.get(change_page).content.decode()  # the pending message, shown this once
    assert secret not in client.get(change_page).content.decode()


def test_revoking_in_the_admin_takes_effect_at_once(client, superuser, call_centre):
    token, _secret = services.issue_token(organisation=call_centre, role=TokenRole.CALL_CENTRE, name="D")
    client.force_login(superuser)
    client.post(
        "/admin/integration/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
