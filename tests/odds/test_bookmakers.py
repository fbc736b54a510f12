"""Bookmaker facts: sharp-book specs, exchange commissions and the policy stored on each bookmaker row."""

import pytest

from fairedge.odds.bookmakers import (
    DEFAULT_SHARP_BOOKS,
    EXCHANGE_COMMISSION,
    BookPolicy,
    SharpBook,
    book_policy,
    book_weights,
    is_exchange,
    parse_sharp_books,
)


def test_parse_sharp_books() -> None:
    books = parse_sharp_books(["pinnacle", "betfair_ex_eu:0.8:0.04", "lowvig:0.5"])
    assert books == (SharpBook("pinnacle"), SharpBook("betfair_ex_eu", 0.8, 0.04), SharpBook("lowvig", 0.5))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "expected key"),
        ("pinnacle:x", "must be numbers"),
        ("pinnacle:-1", "weight must be ≥ 0"),
        ("betfair:1:1.5", r"commission must be in \[0, 1\)"),
        ("a:1:0:9", "expected key"),
    ],
)
def test_parse_sharp_books_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_sharp_books([spec])


def test_parse_sharp_books_refuses_a_key_twice() -> None:
    with pytest.raises(ValueError, match="given twice"):
        parse_sharp_books(["pinnacle", "pinnacle:0.5"])


def test_exchanges_are_known_by_table_or_key() -> None:
    assert is_exchange("matchbook") and is_exchange("betfair_ex_eu") and is_exchange("novig_us_ex")
    assert not is_exchange("pinnacle") and not is_exchange("draftkings")


def test_policy_of_a_sharp_exchange_takes_the_published_commission() -> None:
    sharp = {b.key: b for b in DEFAULT_SHARP_BOOKS}
    assert book_policy("betfair_ex_uk", sharp) == BookPolicy(
        True, True, EXCHANGE_COMMISSION["betfair_ex_uk"], 0.8
    )
    assert book_policy("pinnacle", sharp) == BookPolicy(True, False, 0.0, 1.0)


def test_policy_of_a_soft_exchange_still_charges_commission() -> None:
    assert book_policy("smarkets", {}) == BookPolicy(False, True, 0.02, 0.0)
    assert book_policy("draftkings", {}) == BookPolicy(False, False, 0.0, 0.0)


def test_configured_commission_wins_even_when_zero() -> None:
    sharp = {b.key: b for b in parse_sharp_books(["betfair_ex_eu:0.7:0"])}
    assert book_policy("betfair_ex_eu", sharp) == BookPolicy(True, True, 0.0, 0.7)


def test_book_weights_default_table() -> None:
    weights, commission = book_weights(["pinnacle", "draftkings", "betfair_ex_uk", "matchbook"])
    assert weights.tolist() == [1.0, 0.0, 0.8, 0.6]
    assert commission.tolist() == [0.0, 0.0, 0.05, 0.02]
    assert all(b.weight > 0 for b in DEFAULT_SHARP_BOOKS)
