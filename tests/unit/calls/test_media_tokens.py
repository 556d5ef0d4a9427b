"""Media tokens: signed, expiring, naming their call; anything else is refused with why."""

from __future__ import annotations

import pytest

from shared.calls.media_tokens import InvalidMediaToken, issue, token_id, verify

SECRET = "a-shared-secret-for-tests"
NOW = 1_800_000_000.0


def test_a_token_names_its_call_until_it_expires():
    token = issue("call-123", SECRET, 60, NOW)
    assert verify(token, SECRET, NOW + 59) == "call-123"
    with pytest.raises(InvalidMediaToken, match="expired"):
        verify(token, SECRET, NOW + 60)


def test_another_secret_means_a_bad_signature():
    token = issue("call-123", SECRET, 60, NOW)
    with pytest.raises(InvalidMediaToken, match="signature"):
        verify(token, "someone-else", NOW)


def test_a_token_edited_to_name_another_call_is_refused():
    token = issue("call-123", SECRET, 60, NOW)
    forged = issue("call-999", "x", 60, NOW).split(".")[1]
    parts = token.split(".")
    parts[1] = forged
    with pytest.raises(InvalidMediaToken, match="signature"):
        verify(".".join(parts), SECRET, NOW)


@pytest.mark.parametrize("token", ["", "garbage", "mt1.a.b.c", "mt2.YQ.1.n.s", "mt1..1.n.s"])
def test_malformed_tokens(token):
    with pytest.raises(InvalidMediaToken, match="malformed"):
        verify(token, SECRET, NOW)


def test_every_token_is_unique_and_its_id_hides_it():
    first, second = issue("c", SECRET, 60, NOW), issue("c", SECRET, 60, NOW)
    assert first != second
    assert token_id(first) != token_id(second)
    assert first not in token_id(first)


def test_issuing_needs_a_secret_a_call_and_a_lifetime():
    with pytest.raises(ValueError, match="secret"):
        issue("c", "", 60, NOW)
    with pytest.raises(ValueError, match="call"):
        issue("", SECRET, 60, NOW)
    with pytest.raises(ValueError, match="positive"):
        issue("c", SECRET, 0, NOW)
