"""The phones of the dev stack, read from a small YAML file (see dev_numbers.yaml).

Each number says what the telephony emulator does when Karla dials it, what its driver
says once the call is answered, and optionally what he says when he phones Karla himself.
The same file seeds the rest of the stack: each driver goes into Karla's directory (the
drivers table, so an inbound call from his number is recognised) and each trip into the
client-system mock, dated relative to the stack's clock so "ayer" reads naturally.
A file that does not parse, or names a phone Karla could not dial, stops the start-up
with the reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from devstack.eval.scenario import DriverLine
from devstack.telephony_emulator import Behaviour
from shared.domain.phone import InvalidPhoneNumber, normalize_mx_phone
from shared.domain.trip import Driver

DEFAULT_NUMBERS = Path(__file__).with_name("dev_numbers.yaml")


class DevNumbersError(ValueError):
    """The numbers file cannot be used; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DevDriver(_Strict):
    driver_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)


class DevTrip(_Strict):
    """A trip leg the driver drove; `missing`: the client system has no record of it (a
    call about it has Karla create it)."""

    trip_id: str = Field(min_length=1, max_length=64)
    origin: str | None = Field(default=None, min_length=1, max_length=120)
    destination: str | None = Field(default=None, min_length=1, max_length=120)
    days_ago: int | None = Field(default=None, ge=0, le=60)
    missing: bool = False

    @model_validator(mode="after")
    def _described(self) -> DevTrip:
        if not self.missing and None in (self.origin, self.destination, self.days_ago):
            raise ValueError("a trip on file needs origin, destination and days_ago")
        return self


class DevNumber(_Strict):
    phone: str
    does: str = ""
    behaviour: Behaviour = Behaviour.ANSWER
    driver: DevDriver
    trip: DevTrip | None = None
    says: list[str] = Field(default_factory=list)
    calls_karla: list[str] = Field(default_factory=list)

    @field_validator("phone")
    @classmethod
    def _dialable(cls, value: str) -> str:
        try:
            return normalize_mx_phone(value)
        except InvalidPhoneNumber as exc:
            raise ValueError(str(exc)) from None

    @field_validator("says", "calls_karla")
    @classmethod
    def _lines(cls, lines: list[str]) -> list[str]:
        for line in lines:
            DriverLine.parse(line)  # raises with the reason
        return lines

    def as_driver(self) -> Driver:
        return Driver(driver_id=self.driver.driver_id, name=self.driver.name, phone=self.phone)

    def trip_on_file(self, today: dt.date) -> dict[str, str] | None:
        """The trip as the client-system mock stores it, dated from `today`."""
        trip = self.trip
        if trip is None or trip.missing:
            return None
        assert trip.origin and trip.destination and trip.days_ago is not None
        return {
            "trip_id": trip.trip_id,
            "driver_id": self.driver.driver_id,
            "origin": trip.origin,
            "destination": trip.destination,
            "date": (today - dt.timedelta(days=trip.days_ago)).isoformat(),
            "status": "pending",
        }


class DevNumbers(_Strict):
    numbers: list[DevNumber] = Field(min_length=1)

    def trips(self, today: dt.date) -> list[dict[str, str]]:
        return [trip for n in self.numbers if (trip := n.trip_on_file(today)) is not None]

    def by_phone(self, phone: str) -> DevNumber | None:
        return next((number for number in self.numbers if number.phone == phone), None)


def load_dev_numbers(path: Path = DEFAULT_NUMBERS) -> DevNumbers:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DevNumbersError(f"{path}: {exc}") from None
    try:
        return DevNumbers.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise DevNumbersError(f"{path}: {problems}") from None
