"""The reason a client reads when Karla gives up on a driver."""

from __future__ import annotations

from shared.calls.redial import unreachable_reason
from shared.domain.call import AttemptResult as R


def test_three_times_the_same() -> None:
    assert unreachable_reason([R.NO_ANSWER] * 3) == "no contestó 3 veces"
    assert unreachable_reason([R.BUSY] * 3) == "estaba ocupado 3 veces"


def test_each_try_in_order_when_they_differ() -> None:
    assert unreachable_reason([R.NO_ANSWER, R.BUSY, R.VOICEMAIL]) == (
        "sin respuesta en 3 intentos: no contestó, estaba ocupado, entró el buzón de voz"
    )


def test_an_answer_without_media_reads_as_such() -> None:
    assert unreachable_reason([R.NO_ANSWER, R.ANSWERED, R.REJECTED]).endswith(
        "no contestó, contestó pero no se conectó el audio, rechazó la llamada"
    )


def test_one_try_or_none() -> None:
    assert unreachable_reason([R.REJECTED]) == "rechazó la llamada"
    assert unreachable_reason([]) == "no se pudo contactar"
