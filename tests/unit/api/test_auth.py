"""Bearer parsing: only the exact configured token, in the exact RFC 6750 shape, gets in."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from structlog.testing import capture_logs

from functions.api.auth import (
    MAX_TOKEN_LENGTH,
    AuthError,
    authenticate,
    client_id_of,
    parse_bearer,
    unauthorized,
    warn_if_token_missing,
)
from shared.config import load_settings

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-._~+/"
tokens = st.builds(
    lambda body, pad: body + "=" * pad,
    st.text(TOKEN_ALPHABET, min_size=1, max_size=MAX_TOKEN_LENGTH - 2),
    st.integers(0, 2),
)
schemes = st.sampled_from(["Bearer", "bearer", "BEARER", "bEaReR"])


@given(token=tokens, scheme=schemes)
def test_configured_token_is_accepted_with_any_scheme_case(token: str, scheme: str) -> None:
    assert authenticate([f"{scheme} {token}"], SecretStr(token)) == client_id_of(token)


@given(token=tokens, other=tokens)
def test_any_other_token_is_refused(token: str, other: str) -> None:
    if other == token:
        return
    with pytest.raises(AuthError, match="invalid bearer token"):
        authenticate([f"Bearer {other}"], SecretStr(token))


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([], "missing Authorization header"),
        (["Bearer abc", "Bearer abc"], "more than one Authorization header"),
        (["Basic abc"], "scheme must be Bearer"),
        (["Bearerabc"], "scheme must be Bearer"),
        (["abc"], "scheme must be Bearer"),
        (["Bearer"], "missing bearer token"),
        (["Bearer "], "missing bearer token"),
        (["Bearer  abc"], "malformed bearer token"),
        (["Bearer\tabc"], "scheme must be Bearer"),
        (["Bearer abc\tdef"], "malformed bearer token"),
        (["Bearer abc def"], "malformed bearer token"),
        (["Bearer abc="], None),
        (["Bearer a=bc"], "malformed bearer token"),
        (["Bearer =abc"], "malformed bearer token"),
        (["Bearer tökén"], "malformed bearer token"),
        (["Bearer abc\n"], "malformed bearer token"),
        (["Bearer " + "a" * (MAX_TOKEN_LENGTH + 1)], "too long"),
    ],
)
def test_header_shapes(headers: list[str], reason: str | None) -> None:
    if reason is None:
        assert parse_bearer(headers) == headers[0].split(" ", 1)[1]
        return
    with pytest.raises(AuthError, match=reason):
        parse_bearer(headers)


def test_longest_allowed_token_is_accepted() -> None:
    token = "a" * MAX_TOKEN_LENGTH
    assert parse_bearer([f"Bearer {token}"]) == token


@given(extra=st.text(min_size=1).filter(lambda s: any(c not in TOKEN_ALPHABET + "=" for c in s)))
def test_characters_outside_rfc6750_are_refused(extra: str) -> None:
    with pytest.raises(AuthError):
        parse_bearer([f"Bearer abc{extra}"])


@given(header=st.text(max_size=80))
def test_empty_configured_token_refuses_everything(header: str) -> None:
    for headers in ([], [header], ["Bearer "], [header, header]):
        with pytest.raises(AuthError, match="API token not configured"):
            authenticate(headers, SecretStr(""))


def test_challenge_says_invalid_token_only_when_one_was_presented() -> None:
    missing = unauthorized(AuthError("missing Authorization header", token_presented=False))
    wrong = unauthorized(AuthError("invalid bearer token", token_presented=True))

    assert missing.status == wrong.status == 401
    assert missing.headers == {"WWW-Authenticate": 'Bearer realm="karla"'}
    assert wrong.headers == {"WWW-Authenticate": 'Bearer realm="karla", error="invalid_token"'}


@pytest.mark.parametrize(
    ("token", "usable"),
    [("", False), ("has space", False), ("x" * (MAX_TOKEN_LENGTH + 1), False), ("ok-1", True)],
)
def test_start_up_check_flags_unusable_tokens(token: str, usable: bool) -> None:
    with capture_logs() as logs:
        assert warn_if_token_missing(load_settings(api_token=token)) is usable

    warnings = [log for log in logs if log["log_level"] == "warning"]
    assert bool(warnings) is not usable
    assert all("API_TOKEN" in log["event"] for log in warnings)
