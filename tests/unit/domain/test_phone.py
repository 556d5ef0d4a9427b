"""Mexican phone numbers: what the trigger API accepts, and how logs show them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.phone import InvalidPhoneNumber, mask_phone, normalize_mx_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+528112345678", "+528112345678"),
        ("81 1234 5678", "+528112345678"),
        ("(55) 1234-5678", "+525512345678"),
        ("+52 1 81 1234 5678", "+528112345678"),  # retired mobile "1"
        ("044 81 1234 5678", "+528112345678"),  # retired national mobile prefix
        ("5215512345678", "+525512345678"),
    ],
)
def test_common_ways_of_writing_a_number_normalise_to_e164(raw, e164):
    assert normalize_mx_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("+14155550100", "Mexican"),
        ("12345", "valid"),
        ("", "1 to 32"),
        ("llámame", "not a phone"),
        ("+52" + "9" * 40, "1 to 32"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw, reason):
    with pytest.raises(InvalidPhoneNumber, match=reason):
        normalize_mx_phone(raw)


@given(st.text(max_size=40))
def test_normalise_never_crashes_and_returns_e164_or_refuses(raw):
    try:
        result = normalize_mx_phone(raw)
    except InvalidPhoneNumber:
        return
    assert result.startswith("+52") and result[1:].isdigit() and len(result) == 13


@given(st.from_regex(r"\+52[1-9]\d{9}", fullmatch=True))
def test_mask_keeps_only_country_code_and_last_four(e164):
    masked = mask_phone(e164)
    assert masked.startswith("+52") and masked.endswith(e164[-4:])
    assert e164[3:-4] not in masked
