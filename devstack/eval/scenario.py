"""The conversation-scenario file (version 1): scripted driver lines and expected results.

Loading fails early with messages that name the file, the scenario and the field, so a
scenario author fixes the YAML instead of reading a pydantic traceback mid-run.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from shared.domain.call import Direction, Outcome
from shared.domain.fsm import Tool
from shared.domain.trip import Driver, Trip

BARGE_IN_TAG = "[interrumpe]"
SILENCE_TAG = "[silencio]"


class ScenarioFileError(ValueError):
    """The scenario file cannot be read, or does not follow the format."""


class LineKind(StrEnum):
    SPEECH = "speech"
    BARGE_IN = "barge_in"  # said while Karla is still speaking
    SILENCE = "silence"


class DriverLine(BaseModel):
    """One scripted driver line: what is said, and how."""

    model_config = ConfigDict(frozen=True)

    kind: LineKind
    text: str = ""

    @classmethod
    def parse(cls, raw: str) -> DriverLine:
        line = raw.strip()
        if line.casefold() == SILENCE_TAG:
            return cls(kind=LineKind.SILENCE)
        if line.casefold().startswith(BARGE_IN_TAG):
            text = line[len(BARGE_IN_TAG) :].strip()
            if not text:
                raise ValueError(f"{BARGE_IN_TAG} is not followed by what the driver says")
            return cls(kind=LineKind.BARGE_IN, text=text)
        if not line:
            raise ValueError(f"empty line; write {SILENCE_TAG} for a silent turn")
        return cls(kind=LineKind.SPEECH, text=line)


class Expectation(BaseModel):
    """What must come of the call. Unknown keys are refused: a misspelt one would drop a
    check silently and let a scenario pass."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    tools: list[Tool] | None = None  # None: not checked; []: none may be called
    trip_after: dict[str, str] | None = None
    untouched: list[str] = Field(default_factory=list)

    @field_validator("trip_after", mode="before")
    @classmethod
    def _dates_as_iso(cls, value: object) -> object:
        """An unquoted YAML date arrives as a date; the check compares ISO text."""
        if isinstance(value, dict):
            return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}
        return value

    @field_validator("trip_after")
    @classmethod
    def _known_trip_fields(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        unknown = sorted(set(value or {}) - set(Trip.model_fields))
        if unknown:
            raise ValueError(f"unknown trip fields {unknown}; known: {sorted(Trip.model_fields)}")
        date = (value or {}).get("date")
        if date is not None and not _is_iso_date(date):
            raise ValueError(f"date {date!r} is not an ISO date (YYYY-MM-DD)")
        return value


class Scenario(BaseModel):
    """One scripted call. Trips without a driver_id belong to the scenario's driver.

    Unknown keys are ignored here (a note or tag an author adds does not stop a run); the
    ones that would weaken scoring are refused in `Expectation`.
    """

    id: str = Field(min_length=1)
    now: dt.datetime
    direction: Direction
    driver: Driver
    trip: Trip | None = None  # None: the client system has no trip for this call
    other_trips: list[Trip] = Field(default_factory=list)
    driver_turns: list[DriverLine]
    expect: Expectation

    @model_validator(mode="before")
    @classmethod
    def _trips_default_to_the_driver(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("driver"), dict):
            return data
        driver_id = data["driver"].get("driver_id")
        data = {**data, "trip": _with_driver(data.get("trip"), driver_id)}
        if data.get("other_trips") is None:
            data["other_trips"] = []
        elif isinstance(data["other_trips"], list):
            data["other_trips"] = [_with_driver(t, driver_id) for t in data["other_trips"]]
        return data

    @field_validator("now")
    @classmethod
    def _has_offset(cls, value: dt.datetime) -> dt.datetime:
        if value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-24T10:15:00-06:00")
        return value

    @field_validator("driver_turns", mode="before")
    @classmethod
    def _parse_lines(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        lines = []
        for number, raw in enumerate(value, start=1):
            if not isinstance(raw, str):
                raise ValueError(f"line {number} is not a string ({raw!r}); quote it")
            try:
                lines.append(DriverLine.parse(raw))
            except ValueError as exc:
                raise ValueError(f"line {number}: {exc}") from None
        return lines

    @model_validator(mode="after")
    def _trip_ids_are_unique(self) -> Scenario:
        ids = [trip.trip_id for trip in self.trips_on_file]
        repeated = sorted({trip_id for trip_id in ids if ids.count(trip_id) > 1})
        if repeated:
            raise ValueError(f"trip ids {repeated} appear more than once")
        return self

    @property
    def trips_on_file(self) -> list[Trip]:
        """Every trip the client system holds before the call."""
        return [self.trip, *self.other_trips] if self.trip else list(self.other_trips)


class ScenarioFile(BaseModel):
    version: Literal[1]
    scenarios: list[Scenario]

    @model_validator(mode="after")
    def _ids_are_unique(self) -> ScenarioFile:
        ids = [scenario.id for scenario in self.scenarios]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"duplicate scenario ids {repeated}")
        return self


def load_scenarios(path: Path) -> ScenarioFile:
    """Read and check a scenario file; every problem found is in the ScenarioFileError."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or "scenarios" not in data:
        raise ScenarioFileError(f"{path}: expected a mapping with 'version' and 'scenarios'")
    if data.get("version") != 1:
        raise ScenarioFileError(
            f"{path}: version {data.get('version')!r} is not supported (this runner reads 1)"
        )
    raw_scenarios = data["scenarios"]
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        raise ScenarioFileError(f"{path}: 'scenarios' must be a non-empty list")
    scenarios: list[Scenario] = []
    problems: list[str] = []
    for index, raw in enumerate(raw_scenarios):
        try:
            scenarios.append(Scenario.model_validate(raw))
        except ValidationError as exc:
            problems += [f"{path}: {_label(raw, index)}: {_describe(e)}" for e in exc.errors()]
    if problems:
        raise ScenarioFileError("\n".join(problems))
    try:
        return ScenarioFile(version=1, scenarios=scenarios)
    except ValidationError as exc:
        raise ScenarioFileError(f"{path}: {_describe(exc.errors()[0])}") from None


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioFileError(
            f"{path}: YAML syntax error{where}: {exc.problem or exc.context}"
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioFileError(f"{path}: YAML syntax error: {exc}") from None


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _with_driver(trip: object, driver_id: object) -> object:
    if isinstance(trip, dict) and "driver_id" not in trip:
        return {**trip, "driver_id": driver_id}
    return trip


def _label(raw: object, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"scenario {raw['id']!r}"
    return f"scenario #{index + 1}"


def _describe(error: ErrorDetails) -> str:
    """'trip.date: Input should be a valid date', without pydantic's 'Value error, '."""
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    if error["type"] == "string_type":
        message += " (quote it in the YAML)"
    return f"{where.lstrip('.')}: {message}" if where else message
