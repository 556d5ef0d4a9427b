"""Fingerprints identify a request by its content, not its spelling."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.state.idempotency import fingerprint_of

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_key_order_does_not_change_the_fingerprint(payload):
    reordered = dict(reversed(list(payload.items())))
    assert fingerprint_of(payload) == fingerprint_of(reordered)


def test_different_content_gives_different_fingerprints():
    assert fingerprint_of({"trip": "T-1"}) != fingerprint_of({"trip": "T-2"})
