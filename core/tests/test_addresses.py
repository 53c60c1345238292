"""The client's address: X-Forwarded-For only from a trusted proxy, read from the right (issue 15, item 1)."""

import pytest
from django.test import RequestFactory

from core.addresses import client_address
from core.tests.production import run

PROXY = "10.0.0.5"


def address_of(peer, forwarded=None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


@pytest.fixture(autouse=True)
def behind_one_proxy_network(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:1::/64"]


def test_a_forged_header_from_an_untrusted_peer_is_ignored():
    assert address_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_a_peer_without_a_header_is_the_client():
    assert address_of("203.0.113.7") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended():
    assert address_of(PROXY, "203.0.113.7") == "203.0.113.7"


def test_what_the_client_wrote_left_of_the_proxys_entry_is_ignored():
    # nginx's $proxy_add_x_forwarded_for keeps the client's header and appends the peer it saw.
    assert address_of(PROXY, "198.51.100.1, 203.0.113.7") == "203.0.113.7"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address():
    assert address_of(PROXY, "198.51.100.1, 203.0.113.7, 10.0.0.9, 10.0.0.8") == "203.0.113.7"


def test_a_chain_of_only_trusted_proxies_gives_the_farthest_of_them():
    assert address_of(PROXY, "10.0.0.9, 10.0.0.8") == "10.0.0.9"


@pytest.mark.parametrize(
    "forwarded", ["", "garbage", "203.0.113.7, not-an-address", "999.1.1.1", "203.0.113.7,,", ";;;"]
)
def test_a_garbage_header_gives_the_nearest_address_that_is_known(forwarded):
    assert address_of(PROXY, forwarded) == PROXY


def test_garbage_left_of_the_client_does_not_matter():
    assert address_of(PROXY, "garbage, 203.0.113.7") == "203.0.113.7"


def test_ipv6_peers_and_clients():
    assert address_of("2001:db8:1::5", "2001:db8:2::7") == "2001:db8:2::7"
    assert address_of("2001:db8:2::5", "203.0.113.7") == "2001:db8:2::5"
    assert address_of("2001:db8:1::5", "[2001:db8:2::7]:443") == "2001:db8:2::7"


def test_an_ipv4_peer_mapped_into_ipv6_is_the_ipv4_address():
    assert address_of("::ffff:10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert address_of("::ffff:203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_an_address_with_a_port_is_the_address():
    assert address_of(PROXY, "203.0.113.7:51234") == "203.0.113.7"


def test_nobody_is_trusted_when_the_setting_is_empty(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of(PROXY, "203.0.113.7") == PROXY


def test_no_peer_is_no_address():
    assert address_of("", "203.0.113.7") is None


def test_production_trusts_no_proxy_unless_told(production_settings):
    """The production default is empty: behind no proxy, a forged header must never count."""
    assert production_settings["TRUSTED_PROXIES"] == []


def test_a_malformed_trusted_proxy_refuses_to_start():
    result = run(["manage.py", "check"], TRUSTED_PROXIES="10.0.0.0/8,nonsense")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nonsense'" in result.stderr
