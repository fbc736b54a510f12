"""The client IP behind proxies: X-Forwarded-For believed only from trusted peers, walked from the right."""

from __future__ import annotations

import pytest

from fairedge.kit.clientip import TrustedProxies, client_ip

NGINX = TrustedProxies.parse(["10.0.0.0/8", "::1", "127.0.0.1"])


def test_untrusted_peer_header_is_ignored() -> None:
    assert client_ip("203.0.113.7", "198.51.100.1", NGINX) == "203.0.113.7"


def test_trusted_peer_gives_the_address_it_saw() -> None:
    assert client_ip("10.0.0.5", "198.51.100.1", NGINX) == "198.51.100.1"


def test_no_header_from_a_trusted_peer_is_the_peer() -> None:
    assert client_ip("10.0.0.5", None, NGINX) == "10.0.0.5"
    assert client_ip("10.0.0.5", "", NGINX) == "10.0.0.5"


def test_prepended_addresses_do_not_spoof() -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1"; nginx appended the address it really saw.
    assert client_ip("10.0.0.5", "1.1.1.1, 198.51.100.1", NGINX) == "198.51.100.1"


def test_spoofing_a_trusted_address_does_not_skip_the_real_client() -> None:
    # Claiming to be an internal proxy only works left of the real client, which stops the walk first.
    assert client_ip("10.0.0.5", "10.9.9.9, 198.51.100.1", NGINX) == "198.51.100.1"


def test_chain_of_trusted_proxies_is_skipped() -> None:
    header = "1.1.1.1, 198.51.100.1, 10.1.2.3, 10.0.0.9"
    assert client_ip("10.0.0.5", header, NGINX) == "198.51.100.1"


def test_header_of_only_trusted_proxies_gives_the_leftmost() -> None:
    assert client_ip("10.0.0.5", "10.0.0.7, 10.0.0.8", NGINX) == "10.0.0.7"


def test_untrusted_peer_cannot_inject_through_the_header() -> None:
    # A client reaching the app directly and pretending to be behind our proxy.
    assert client_ip("198.51.100.1", "10.0.0.5, 1.1.1.1", NGINX) == "198.51.100.1"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("garbage", "10.0.0.5"),  # nothing valid: the peer
        ("198.51.100.1, unknown", "10.0.0.5"),  # the rightmost is invalid: stop at once
        ("1.1.1.1, <script>, 10.0.0.9", "10.0.0.9"),  # stop at garbage: the last valid hop
        ("198.51.100.1,", "10.0.0.5"),  # an empty entry is not an address
        ("1.2.3.4:", "10.0.0.5"),
        ("1.2.3.4:http", "10.0.0.5"),
        ("[2001:db8::1", "10.0.0.5"),
        ("[2001:db8::1]x", "10.0.0.5"),
    ],
)
def test_invalid_entries_stop_the_walk(header: str, expected: str) -> None:
    assert client_ip("10.0.0.5", header, NGINX) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("198.51.100.1:5678", "198.51.100.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("  198.51.100.1  ", "198.51.100.1"),
    ],
)
def test_address_spellings_are_canonical(header: str, expected: str) -> None:
    assert client_ip("10.0.0.5", header, NGINX) == expected


def test_ipv4_mapped_peer_is_matched_as_ipv4() -> None:
    assert client_ip("::ffff:10.0.0.5", "198.51.100.1", NGINX) == "198.51.100.1"
    assert client_ip("::ffff:203.0.113.7", None, NGINX) == "203.0.113.7"


def test_ipv6_proxy() -> None:
    assert client_ip("::1", "2001:db8::7", NGINX) == "2001:db8::7"


def test_star_trusts_any_peer_and_takes_the_last_hop() -> None:
    anyone = TrustedProxies.parse(["*"])
    assert client_ip("172.18.0.3", "198.51.100.1", anyone) == "198.51.100.1"
    # The client's own prefix is never believed, unlike uvicorn's leftmost pick under "*".
    assert client_ip("172.18.0.3", "1.1.1.1, 198.51.100.1", anyone) == "198.51.100.1"


def test_star_with_listed_proxies_skips_them() -> None:
    trusted = TrustedProxies.parse(["*", "172.16.0.0/12"])
    assert client_ip("192.0.2.1", "198.51.100.1, 172.18.0.2", trusted) == "198.51.100.1"


def test_peer_that_is_not_an_ip() -> None:
    assert client_ip("testclient", "198.51.100.1", NGINX) == "testclient"
    assert client_ip(None, "198.51.100.1", NGINX) == ""
    # "*" trusts even a unix-socket peer (no address): the proxy on the socket names the client.
    assert client_ip(None, "198.51.100.1", TrustedProxies.parse(["*"])) == "198.51.100.1"


def test_nobody_trusted_by_default() -> None:
    assert client_ip("127.0.0.1", "198.51.100.1", TrustedProxies()) == "127.0.0.1"


def test_parse_accepts_addresses_networks_and_star() -> None:
    trusted = TrustedProxies.parse([" 127.0.0.1 ", "10.0.0.0/8", "fd00::/8", "*"])
    assert trusted.any_peer
    assert [str(n) for n in trusted.networks] == ["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"]


@pytest.mark.parametrize("entry", ["nginx", "10.0.0.0/33", "10.0.0.1/8", "", "unix:/run/nginx.sock"])
def test_parse_rejects_what_is_not_an_address(entry: str) -> None:
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        TrustedProxies.parse([entry])
