"""AWS through moto's in-process mock, with credentials that can reach nothing real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.conftest import use_fake_aws_credentials


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_aws_credentials(monkeypatch)
    with mock_aws():
        yield
