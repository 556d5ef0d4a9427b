"""Structured logs with call_id correlation, masked phone numbers and no secrets.

Bind `call_id` once with `bind_call(...)`; every log line of that task carries it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from shared.domain.phone import mask_phone

_SECRET_KEYS = re.compile(r"(token|secret|password|passwd|authorization|api[_-]?key|cookie)", re.I)
_PHONE = re.compile(r"\+?52\d{10}\b|\b\d{10}\b")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")


def scrub(value: Any) -> Any:
    """Mask phone numbers and URL passwords inside any logged value."""
    if isinstance(value, str):
        value = _URL_PASSWORD.sub(r"\1***@", value)
        return _PHONE.sub(
            lambda m: mask_phone(
                m.group(0) if m.group(0).startswith("+") else "+52" + m.group(0)[-10:]
            ),
            value,
        )
    if isinstance(value, Mapping):
        return {k: "***" if _SECRET_KEYS.search(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(v) for v in value)
    return value


def _scrub_event(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        event[key] = "***" if _SECRET_KEYS.search(key) else scrub(event[key])
    return event


def configure_logging(level: str = "INFO", *, json_output: bool = True) -> None:
    """Route stdlib and structlog through one scrubbing pipeline."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _scrub_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


def bind_call(call_id: str, **extra: Any) -> None:
    structlog.contextvars.bind_contextvars(call_id=call_id, **extra)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
