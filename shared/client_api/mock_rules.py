"""What the mock client system accepts: trips, trip updates, seed files and faults.

Kept apart from the HTTP plumbing so the rules read as the contract: ISO dates, places of
1..120 characters, known statuses, and no fields the client does not know.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shared.domain.trip import TripStatus

PLACE_MAX = 120
ID_MAX = 64
UPDATABLE = ("origin", "destination", "date", "status")
CREATABLE = ("driver_id", "origin", "destination", "date", "status")
STORED = ("trip_id", *CREATABLE)
STATUSES = tuple(status.value for status in TripStatus)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FAULT_FIELDS = {"status", "delay_seconds", "count"}


class Unprocessable(ValueError):
    """A body the mock refuses with 422; `code` is the machine-readable error."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def check_changes(body: Mapping[str, object]) -> dict[str, str]:
    """A partial update: some of origin, destination, date, status."""
    _no_unknown(body, UPDATABLE)
    if not body:
        raise Unprocessable("empty_update", f"name at least one of {list(UPDATABLE)}")
    return {name: _check(name, value) for name, value in body.items()}


def check_new_trip(body: Mapping[str, object]) -> dict[str, str]:
    """A trip to create; the server assigns trip_id, status defaults to created."""
    _no_unknown(body, CREATABLE)
    _required(body, CREATABLE[:-1])
    trip = {name: _check(name, value) for name, value in body.items()}
    trip.setdefault("status", TripStatus.CREATED.value)
    return trip


def check_seed_trip(item: object) -> dict[str, str]:
    """A stored trip from a seed; YAML dates arrive as dates, status defaults to pending."""
    if not isinstance(item, Mapping):
        raise Unprocessable("invalid_trip", f"a trip must be an object, got {type(item).__name__}")
    _no_unknown(item, STORED)
    _required(item, STORED[:-1])
    trip = {
        name: _check(name, value.isoformat() if isinstance(value, dt.date) else value)
        for name, value in item.items()
    }
    trip.setdefault("status", TripStatus.PENDING.value)
    return trip


def _no_unknown(body: Mapping[str, object], known: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise Unprocessable("unknown_fields", f"unknown fields {unknown}; known: {list(known)}")


def _required(body: Mapping[str, object], required: tuple[str, ...]) -> None:
    missing = [name for name in required if name not in body]
    if missing:
        raise Unprocessable("missing_fields", f"missing fields {missing}")


def _check(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise Unprocessable("invalid_field", f"{name} must be a string")
    if name == "date":
        return _check_date(value)
    if name == "status":
        if value not in STATUSES:
            raise Unprocessable("invalid_field", f"status must be one of {list(STATUSES)}")
        return value
    limit = PLACE_MAX if name in ("origin", "destination") else ID_MAX
    text = value.strip()
    if not 1 <= len(text) <= limit:
        raise Unprocessable("invalid_field", f"{name} must have 1 to {limit} characters")
    return text


def _check_date(value: str) -> str:
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise Unprocessable(
            "invalid_field", f"date must be an ISO date YYYY-MM-DD, got {value!r}"
        ) from None


class SeedError(ValueError):
    """A seed file that cannot be read as trips; the message names the file and the entry."""


def load_seed(path: Path) -> list[dict[str, str]]:
    """Trips from a YAML or JSON file holding `{"trips": [...]}` or a bare list."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(f"cannot read seed file {path}: {exc}") from None
    try:
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SeedError(f"seed file {path} does not parse: {exc}") from None
    trips = data.get("trips") if isinstance(data, dict) else data
    if not isinstance(trips, list):
        raise SeedError(f'seed file {path} must hold a list of trips or {{"trips": [...]}}')
    checked = []
    for number, item in enumerate(trips, start=1):
        try:
            checked.append(check_seed_trip(item))
        except Unprocessable as exc:
            raise SeedError(f"seed file {path}, trip #{number}: {exc.reason}") from None
    return checked


@dataclass
class Fault:
    """The next `remaining` /trips requests stall `delay_seconds`, then fail with `status`."""

    status: int | None
    delay_seconds: float
    remaining: int


def parse_fault(body: Mapping[str, Any]) -> Fault | None:
    """`{"status": 503, "delay_seconds": 0.5, "count": 2}`, status or delay; count 0 clears."""
    status = body.get("status")
    delay = body.get("delay_seconds", 0)
    count = body.get("count", 1)
    valid = (
        not set(body) - _FAULT_FIELDS
        and (status is None or (_is_int(status) and 400 <= status <= 599))
        and (_is_int(delay) or isinstance(delay, float))
        and delay >= 0
        and _is_int(count)
        and count >= 0
        and (status is not None or delay > 0 or count == 0)
    )
    if not valid:
        raise Unprocessable(
            "invalid_fault",
            'expected {"status": 400..599 and/or "delay_seconds": >= 0, "count": n >= 0}',
        )
    return Fault(status, float(delay), count) if count else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
