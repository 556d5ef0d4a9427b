"""Mexican phone numbers: validation to E.164 and masking for logs."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

_ACCEPTED_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class InvalidPhoneNumber(ValueError):
    """The number cannot be dialled as a Mexican phone."""


def normalize_mx_phone(raw: str) -> str:
    """Return the E.164 form of a Mexican number written any common way.

    Accepts national forms ("81 1234 5678"), the old mobile prefix ("+52 1 81 ..."), and
    E.164; refuses other countries, short codes and numbers that cannot exist.
    """
    text = raw.strip()
    if not text or len(text) > 32:
        raise InvalidPhoneNumber("phone must be 1 to 32 characters")
    try:
        number = phonenumbers.parse(_drop_legacy_prefixes(text), "MX")
    except NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {exc._msg}") from None
    if number.country_code != 52:
        raise InvalidPhoneNumber("only Mexican numbers (+52) can be called")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid Mexican phone number")
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        raise InvalidPhoneNumber("number is not a mobile or landline")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _drop_legacy_prefixes(text: str) -> str:
    """Mexico retired the mobile "1" after +52 and the 044/045/01 dialling prefixes in 2019;
    operations data still carries them, and they name the same ten-digit number."""
    digits = re.sub(r"[^\d+]", "", text)
    if re.fullmatch(r"\+?521\d{10}", digits):
        return "+52" + digits[-10:]
    if re.fullmatch(r"(044|045|01)\d{10}", digits):
        return digits[-10:]
    return text


def mask_phone(e164: str) -> str:
    """Keep the country code and last four digits: enough to correlate, not to dial."""
    digits = e164.lstrip("+")
    if len(digits) <= 6:
        return "***"
    return f"+{digits[:2]}{'*' * (len(digits) - 6)}{digits[-4:]}"
