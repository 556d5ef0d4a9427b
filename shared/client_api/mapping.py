"""Karla's trip field names <-> the client's wire names.

The client's schema is not final, so the names live in settings (`CLIENT_API_FIELD_MAP`)
and only this module knows them: the rest of Karla speaks `Trip`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

from pydantic import ValidationError

from shared.client_api.errors import ClientApiPayloadError
from shared.config import DEFAULT_FIELD_MAP, Settings
from shared.domain.trip import Trip


class FieldMap:
    """Which wire name the client uses for each of Karla's trip fields."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        names = dict(names or {})
        unknown = set(names) - set(DEFAULT_FIELD_MAP)
        if unknown:
            raise ValueError(f"field map names unknown trip fields: {sorted(unknown)}")
        merged = {**DEFAULT_FIELD_MAP, **names}
        if len(set(merged.values())) != len(merged):
            raise ValueError(f"field map gives two fields the same wire name: {merged}")
        self._to_wire = MappingProxyType(merged)

    @classmethod
    def from_settings(cls, settings: Settings) -> FieldMap:
        return cls(settings.client_api_field_map)

    @property
    def names(self) -> Mapping[str, str]:
        """Karla name -> wire name, for every trip field."""
        return self._to_wire

    def wire_name(self, field: str) -> str:
        try:
            return self._to_wire[field]
        except KeyError:
            raise ValueError(f"{field!r} is not a trip field") from None

    def to_wire(self, fields: Mapping[str, object]) -> dict[str, object]:
        """Rename Karla's fields for the client; dates go out as ISO strings."""
        return {
            self.wire_name(name): value.isoformat() if isinstance(value, dt.date) else value
            for name, value in fields.items()
        }

    def trip_from_wire(self, payload: object) -> Trip:
        """Read one trip from the client, naming the wire fields it lacks if any."""
        if not isinstance(payload, Mapping):
            raise ClientApiPayloadError(
                f"expected a trip object from the client, got {type(payload).__name__}"
            )
        missing = [wire for wire in self._to_wire.values() if wire not in payload]
        if missing:
            raise ClientApiPayloadError(f"trip from the client lacks fields {missing}")
        try:
            return Trip.model_validate(
                {name: payload[wire] for name, wire in self._to_wire.items()}
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{self._wire_loc(err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ClientApiPayloadError(f"trip from the client is invalid: {problems}") from None

    def _wire_loc(self, loc: tuple[int | str, ...]) -> str:
        return self._to_wire.get(str(loc[0]), str(loc[0])) if loc else "trip"

    def __repr__(self) -> str:
        return f"FieldMap({dict(self._to_wire)!r})"
