from __future__ import annotations

import datetime as dt

import pytest

from shared.client_api import ClientApiPayloadError, FieldMap
from shared.config import load_settings
from shared.domain.trip import Trip, TripStatus

TRIP = Trip(
    trip_id="T-1",
    driver_id="D-1",
    origin="Monterrey",
    destination="Laredo",
    date=dt.date(2025, 3, 14),
    status=TripStatus.VALIDATED,
)
SPANISH = {
    "trip_id": "folio",
    "driver_id": "operador",
    "origin": "origen",
    "destination": "destino",
    "date": "fecha",
    "status": "estatus",
}


def test_default_map_round_trips_a_trip() -> None:
    fields = FieldMap()
    wire = fields.to_wire(TRIP.model_dump())
    assert wire == {
        "trip_id": "T-1",
        "driver_id": "D-1",
        "origin": "Monterrey",
        "destination": "Laredo",
        "date": "2025-03-14",
        "status": "validated",
    }
    assert fields.trip_from_wire(wire) == TRIP


def test_custom_names_round_trip() -> None:
    fields = FieldMap(SPANISH)
    wire = fields.to_wire(TRIP.model_dump())
    assert set(wire) == set(SPANISH.values())
    assert wire["fecha"] == "2025-03-14"
    assert fields.trip_from_wire({**wire, "extra": "ignored"}) == TRIP


def test_partial_map_keeps_default_names() -> None:
    fields = FieldMap({"origin": "origen"})
    assert fields.to_wire({"origin": "Saltillo", "date": "2025-01-02"}) == {
        "origen": "Saltillo",
        "date": "2025-01-02",
    }


def test_from_settings_uses_the_configured_map() -> None:
    settings = load_settings(client_api_field_map='{"destination": "destino"}')
    fields = FieldMap.from_settings(settings)
    assert fields.wire_name("destination") == "destino"
    assert fields.wire_name("origin") == "origin"


def test_payload_missing_mapped_fields_names_them() -> None:
    wire = FieldMap(SPANISH).to_wire(TRIP.model_dump())
    del wire["fecha"], wire["estatus"]
    with pytest.raises(ClientApiPayloadError, match=r"\['fecha', 'estatus'\]"):
        FieldMap(SPANISH).trip_from_wire(wire)


def test_payload_with_invalid_value_names_the_wire_field() -> None:
    wire = FieldMap(SPANISH).to_wire(TRIP.model_dump())
    with pytest.raises(ClientApiPayloadError, match="fecha"):
        FieldMap(SPANISH).trip_from_wire({**wire, "fecha": "next tuesday"})


def test_payload_that_is_not_an_object() -> None:
    with pytest.raises(ClientApiPayloadError, match="list"):
        FieldMap().trip_from_wire([])


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"cargo": "carga"}, "unknown trip fields"),
        ({"origin": "lugar", "destination": "lugar"}, "same wire name"),
    ],
)
def test_bad_maps_are_refused(names: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FieldMap(names)


def test_to_wire_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="cargo"):
        FieldMap().to_wire({"cargo": "acero"})
