"""Validation of what the model passed to a tool, before anything is written."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from shared.domain.fsm import Tool
from shared.tools.schemas import TRANSFER_REASONS

# Keys a model might use to aim a tool at another trip or driver. They are never part of a
# schema; the dispatcher strips or refuses them (see `shared.tools.dispatcher`).
PINNED_KEYS = frozenset(
    {"trip_id", "viaje_id", "id_viaje", "viaje", "driver_id", "chofer_id", "id_chofer"}
)

_PLACE_CHARS = re.compile(r"^[\w .,'()/-]+$", re.UNICODE)

Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]


class InvalidArguments(ValueError):
    """The model's arguments cannot be used; the message is fed back to the model."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_place(value: str | None, field: str) -> None:
    if value is not None and (not _PLACE_CHARS.match(value) or not re.search(r"[^\W\d_]", value)):
        raise ValueError(f"{field} no parece un lugar: {value!r}")


def _check_date(value: dt.date | None, today: dt.date | None) -> None:
    if value is None or today is None:
        return
    if value > today + dt.timedelta(days=1):
        raise ValueError(f"la fecha {value.isoformat()} está en el futuro")
    if value < today - dt.timedelta(days=120):
        raise ValueError(f"la fecha {value.isoformat()} es de hace más de 120 días")


class ValidarArgs(_Args):
    pass


class ActualizarArgs(_Args):
    origen: Place | None = None
    destino: Place | None = None
    fecha: dt.date | None = None

    @model_validator(mode="after")
    def _some_change(self) -> ActualizarArgs:
        if self.origen is None and self.destino is None and self.fecha is None:
            raise ValueError("indica al menos un campo que cambia: origen, destino o fecha")
        _check_place(self.origen, "origen")
        _check_place(self.destino, "destino")
        return self


class CrearArgs(_Args):
    origen: Place
    destino: Place
    fecha: dt.date

    @model_validator(mode="after")
    def _places(self) -> CrearArgs:
        _check_place(self.origen, "origen")
        _check_place(self.destino, "destino")
        return self


class TransferirArgs(_Args):
    motivo: Literal[TRANSFER_REASONS] = "solicitud"  # type: ignore[valid-type]
    resumen: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


_MODELS: dict[Tool, type[_Args]] = {
    Tool.VALIDAR_VIAJE: ValidarArgs,
    Tool.ACTUALIZAR_VIAJE: ActualizarArgs,
    Tool.CREAR_VIAJE: CrearArgs,
    Tool.TRANSFERIR_A_HUMANO: TransferirArgs,
}


def parse_arguments(tool: Tool, raw: dict[str, Any], *, today: dt.date | None = None) -> _Args:
    """Typed arguments for `tool`, or InvalidArguments saying what to fix (in Spanish)."""
    try:
        args = _MODELS[tool].model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'argumentos'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidArguments(problems) from None
    try:
        _check_date(getattr(args, "fecha", None), today)
    except ValueError as exc:
        raise InvalidArguments(str(exc)) from None
    return args
