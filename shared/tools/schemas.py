"""Tool definitions shown to the model.

They name only what the model may decide: which fields changed and to what, or why to
transfer. The trip and the driver are never arguments: the server pins them per call.
"""

from __future__ import annotations

from typing import Any

from shared.domain.fsm import Tool

_DATE = {
    "type": "string",
    "format": "date",
    "description": "Fecha ISO AAAA-MM-DD del viaje, ya resuelta (no 'ayer').",
}
_PLACE = {
    "type": "string",
    "minLength": 2,
    "maxLength": 120,
    "description": "Ciudad y estado, p. ej. 'Aguascalientes, Ags.'.",
}

TRANSFER_REASONS = ("solicitud", "enojo", "incidente", "confusion", "fuera_de_guion", "sistema")

TOOL_SCHEMAS: dict[Tool, dict[str, Any]] = {
    Tool.VALIDAR_VIAJE: {
        "name": Tool.VALIDAR_VIAJE.value,
        "description": (
            "Marca como validado el viaje de esta llamada, cuando el chofer confirma que "
            "origen, destino y fecha son correctos."
        ),
        "input_schema": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    Tool.ACTUALIZAR_VIAJE: {
        "name": Tool.ACTUALIZAR_VIAJE.value,
        "description": (
            "Corrige el viaje de esta llamada con los datos que dio el chofer, solo después "
            "de leerle el viaje corregido y que diga que sí. Manda solo los campos que cambian."
        ),
        "input_schema": {
            "type": "object",
            "properties": {"origen": _PLACE, "destino": _PLACE, "fecha": _DATE},
            "minProperties": 1,
            "additionalProperties": False,
        },
    },
    Tool.CREAR_VIAJE: {
        "name": Tool.CREAR_VIAJE.value,
        "description": (
            "Registra un viaje que no está en el sistema, después de leerle al chofer origen, "
            "destino y fecha y que diga que sí."
        ),
        "input_schema": {
            "type": "object",
            "properties": {"origen": _PLACE, "destino": _PLACE, "fecha": _DATE},
            "required": ["origen", "destino", "fecha"],
            "additionalProperties": False,
        },
    },
    Tool.TRANSFERIR_A_HUMANO: {
        "name": Tool.TRANSFERIR_A_HUMANO.value,
        "description": (
            "Pasa la llamada en vivo a una persona del equipo de operaciones: si el chofer lo "
            "pide, está molesto, reporta un incidente (accidente, asalto, falla, emergencia "
            "médica), no se entiende después de dos intentos o la plática se sale del guion."
        ),
        "input_schema": {
            "type": "object",
            "properties": {
                "motivo": {"type": "string", "enum": list(TRANSFER_REASONS)},
                "resumen": {
                    "type": "string",
                    "maxLength": 300,
                    "description": "Una o dos frases para el agente humano.",
                },
            },
            "required": ["motivo"],
            "additionalProperties": False,
        },
    },
}


def tool_definitions() -> list[dict[str, Any]]:
    """The four definitions in a stable order (stable bytes keep prompt caching effective)."""
    return [TOOL_SCHEMAS[tool] for tool in Tool]
