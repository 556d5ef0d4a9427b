"""Trips and drivers as Karla sees them, independent of the client's field names."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TripStatus(StrEnum):
    PENDING = "pending"
    VALIDATED = "validated"
    UPDATED = "updated"
    CREATED = "created"


class Trip(BaseModel):
    """One cargo trip leg in the client's operations system."""

    model_config = ConfigDict(frozen=True)

    trip_id: str = Field(min_length=1, max_length=64)
    driver_id: str = Field(min_length=1, max_length=64)
    origin: str = Field(min_length=1, max_length=120)
    destination: str = Field(min_length=1, max_length=120)
    date: dt.date
    status: TripStatus = TripStatus.PENDING


class Driver(BaseModel):
    """A driver: who Karla talks to, reached at an E.164 Mexican number."""

    model_config = ConfigDict(frozen=True)

    driver_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=120)
    phone: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0]
