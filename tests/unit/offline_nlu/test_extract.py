"""Trip facts from driver utterances: role cues, negations, corrections, other trips."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_server.providers.llm.offline.extract import (
    TripFacts,
    confirms_on_file,
    extract_trip_facts,
)
from shared.domain.trip import Trip

NOW = dt.datetime.fromisoformat("2026-11-24T10:15:00-06:00")  # a Tuesday


def trip(origin: str, destination: str, date: str = "2026-11-23", trip_id: str = "T-5001"):
    return Trip(
        trip_id=trip_id,
        driver_id="D-1",
        origin=origin,
        destination=destination,
        date=dt.date.fromisoformat(date),
    )


def facts(text: str, on_file: Trip | None = None) -> TripFacts:
    return extract_trip_facts(text, NOW, on_file)


def summary(text: str, on_file: Trip | None = None) -> tuple:
    found = facts(text, on_file)
    return (
        found.origin.city if found.origin else None,
        found.destination.city if found.destination else None,
        found.date.isoformat() if found.date else None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("De Hermosillo.", ("Hermosillo", None, None)),
        ("A Tijuana.", (None, "Tijuana", None)),
        ("El viernes.", (None, None, "2026-11-20")),
        (
            "Salí de Saltillo a Monterrey, ayer en la tarde.",
            ("Saltillo", "Monterrey", "2026-11-23"),
        ),
        ("cargué en Manzanillo y descargué en Guadalajara", ("Manzanillo", "Guadalajara", None)),
        ("me fui de Mty a Laredo", ("Monterrey", "Laredo", None)),
        ("llegué a la CDMX el viernes", (None, "Ciudad de México", "2026-11-20")),
        ("no, salí de Silao", ("Silao", None, None)),
        ("fue el día veintidós", (None, None, "2026-11-22")),
        ("de Querétaro pa' San Luis", ("Querétaro", "San Luis Potosí", None)),
        ("Salí desde Apodaca rumbo a Nuevo Laredo", ("Apodaca", "Nuevo Laredo", None)),
        ("Saltillo a Monterrey", ("Saltillo", "Monterrey", None)),
        ("la carga fue en Lázaro y la entrega en Morelia", ("Lázaro Cárdenas", "Morelia", None)),
        ("La subí en Altamira y la bajé en Tampico", ("Altamira", "Tampico", None)),
        ("fui a cargar a Manzanillo y la llevé a Guadalajara", ("Manzanillo", "Guadalajara", None)),
        ("el origen fue Toluca y el destino es Querétaro", ("Toluca", "Querétaro", None)),
        (
            "No, fíjate que no, al final la descarga fue en Aguascalientes.",
            (None, "Aguascalientes", None),
        ),
        ("descargué en la planta de Silao", (None, "Silao", None)),
        ("entregamos en el cedis de Santa Catarina", (None, "Santa Catarina", None)),
        ("Llegué hasta Reynosa el domingo en la noche", (None, "Reynosa", "2026-11-22")),
        ("Era para Monterrey pero terminé en Saltillo", (None, "Saltillo", None)),
        ("Cambió el destino, ahora es Celaya.", (None, "Celaya", None)),
        (
            "Me vine del DF para Querétaro el 22 de noviembre",
            ("Ciudad de México", "Querétaro", "2026-11-22"),
        ),
        (
            "Salimos de Monterrey, N.L. a Guadalajara, Jal. el 22/11",
            ("Monterrey", "Guadalajara", "2026-11-22"),
        ),
        ("de Querétaro, Qro. a San Luis Potosí, S.L.P.", ("Querétaro", "San Luis Potosí", None)),
        ("Sí, soy yo, Arturo León.", (None, None, None)),
        ("¿Bueno? ¿Quién habla?", (None, None, None)),
    ],
)
def test_role_cues(text, expected):
    assert summary(text) == expected


def test_negated_place_is_not_chosen():
    found = facts(
        "No, salí de Xalapa, no de Veracruz, y fue el sábado.",
        trip("Veracruz, Ver.", "Puebla, Pue.", "2026-11-20"),
    )
    assert (found.origin.city, found.date.isoformat()) == ("Xalapa", "2026-11-21")
    assert [p.canonical for p in found.negated_places] == ["Veracruz, Ver."]
    assert found.destination is None


@pytest.mark.parametrize(
    ("text", "role", "kept", "denied"),
    [
        ("el destino fue León, no Celaya", "destination", "León", "Celaya"),
        ("No fue a Celaya sino a León", "destination", "León", "Celaya"),
        ("Al final no fui a Monterrey, fui a Saltillo.", "destination", "Saltillo", "Monterrey"),
        ("De Guadalajara no, de Zapopan.", "origin", "Zapopan", "Guadalajara"),
        ("a Celaya, no, perdón, a León", "destination", "León", "Celaya"),
        ("a Celaya, no, perdón, León", "destination", "León", "Celaya"),
        ("salí de Celaya, mejor dicho, de Salamanca", "origin", "Salamanca", "Celaya"),
        ("llegué a Tepic, digo, a Mazatlán", "destination", "Mazatlán", "Tepic"),
        ("fue a Apodaca, más bien a Escobedo", "destination", "General Escobedo", "Apodaca"),
        ("Pues el destino no fue Monterrey, fue Saltillo.", "destination", "Saltillo", "Monterrey"),
        (
            "Todo bien, pero no fue en Monterrey la descarga, fue en Apodaca.",
            "destination",
            "Apodaca",
            "Monterrey",
        ),
    ],
)
def test_negations_and_corrections(text, role, kept, denied):
    found = facts(text)
    assert getattr(found, role).city == kept
    assert [p.city for p in found.negated_places] == [denied]


def test_contrast_takes_the_role_on_file():
    on_file = trip("Veracruz, Ver.", "Puebla, Pue.")
    for text in ("fue Xalapa, no Veracruz", "Veracruz no, Xalapa", "no fue Veracruz, fue Xalapa"):
        found = facts(text, on_file)
        assert found.origin is not None and found.origin.city == "Xalapa", text
        assert [p.canonical for p in found.negated_places] == ["Veracruz, Ver."], text


def test_place_with_no_cue_is_left_to_the_caller():
    on_file = trip("Celaya, Gto.", "Guadalajara, Jal.")
    found = facts("Ah no, perdón, fue Irapuato, no León.", on_file)
    assert (found.origin, found.destination) == (None, None)
    assert [p.city for p in found.unassigned] == ["Irapuato"]
    assert [p.city for p in found.negated_places] == ["León"]
    assert [p.city for p in facts("Sí, Irapuato.", on_file).unassigned] == ["Irapuato"]


def test_place_on_file_restates_its_role():
    on_file = trip("Celaya, Gto.", "Guadalajara, Jal.")
    found = facts("Guadalajara, sí", on_file)
    assert found.destination is not None and found.destination.city == "Guadalajara"
    assert found.unassigned == []
    # a cue beats the trip on file
    found = facts("Sí, de Guadalajara a Celaya", on_file)
    assert (found.origin.city, found.destination.city) == ("Guadalajara", "Celaya")


def test_ambiguous_name_takes_the_reading_on_file():
    on_file = trip("Monterrey, N.L.", "Nuevo Laredo, Tamps.")
    assert facts("de Monterrey a Laredo", on_file).destination.canonical == "Nuevo Laredo, Tamps."
    assert facts("de Monterrey a Laredo").destination.canonical == "Laredo, Tex."


@pytest.mark.parametrize(
    ("text", "date", "denied"),
    [
        ("La ruta sí, pero no fue ayer, fue antier.", "2026-11-22", ["2026-11-23"]),
        ("Ayer no, fue antier.", "2026-11-22", ["2026-11-23"]),
        ("Nomás que fue el lunes, no el domingo.", "2026-11-23", ["2026-11-22"]),
        ("el sábado, no, perdón, el viernes", "2026-11-20", ["2026-11-21"]),
        ("No, la fecha está mal, fue el jueves.", "2026-11-19", []),
        ("Sí, pero la fecha no, fue el sábado.", "2026-11-21", []),
        ("No salí ayer, salí el domingo", "2026-11-22", ["2026-11-23"]),
    ],
)
def test_date_negations_and_corrections(text, date, denied):
    found = facts(text)
    assert found.date is not None and found.date.isoformat() == date
    assert [d.isoformat() for d in found.negated_dates] == denied


def test_tag_question_is_not_a_denial():
    found = facts("Sí, de Toluca a Querétaro, ¿no?")
    assert (found.origin.city, found.destination.city) == ("Toluca", "Querétaro")
    assert found.negated_places == []


def test_other_trip_is_reported_and_its_facts_set_aside():
    on_file = trip("Monterrey, N.L.", "Saltillo, Coah.", trip_id="T-6001")
    text = "Sí, ese está bien. Y de paso cambia el viaje T-6002 para que diga destino Cancún."
    found = facts(text, on_file)
    assert found.mentions_other_trip_id == "T-6002"
    assert found.destination is None
    assert [p.city for p in found.other_trip_places] == ["Cancún"]
    assert facts("viaje 999", on_file).mentions_other_trip_id == "999"
    assert facts("el folio número seis mil dos", on_file).mentions_other_trip_id == "6002"
    assert facts("el viaje T-6001 está bien", on_file).mentions_other_trip_id is None
    assert facts("el viaje 6001 está bien", on_file).mentions_other_trip_id is None
    assert facts("mi viaje de ayer a Saltillo", on_file).mentions_other_trip_id is None
    assert facts("el viaje 22 de noviembre", on_file).mentions_other_trip_id is None


def test_another_trip_without_its_number():
    found = facts("Sí, este está bien, y el otro viaje fue de Saltillo a Torreón")
    assert found.mentions_other_trip_id == "el otro viaje"
    assert (found.origin, found.destination) == (None, None)
    assert [p.city for p in found.other_trip_places] == ["Saltillo", "Torreón"]
    found = facts("No, ese fue otro viaje, pero este fue a León.")
    assert found.destination is not None and found.destination.city == "León"


def test_streets_and_slang():
    assert summary("descargué en la avenida Juárez en Monterrey") == (None, "Monterrey", None)
    assert summary("Me voy pal DF") == (None, "Ciudad de México", None)
    assert summary("Del puerto de Manzanillo a Guadalajara") == ("Manzanillo", "Guadalajara", None)


@pytest.mark.parametrize(
    ("text", "confirms"),
    [
        ("Sí, de Toluca a Querétaro, todo bien.", True),
        ("Sí, a Querétaro.", True),
        ("Sí, de Toluca, Edo. Méx. a Querétaro, Qro.", True),
        ("Todo bien, el viaje T-5701 de Toluca a Querétaro.", True),
        ("Todo bien, el viaje T-5701.", False),  # naming the trip restates nothing
        ("Sí, todo bien.", False),  # nothing restated
        ("Sí, de Toluca a Celaya.", False),
        ("Sí, a Querétaro, pero no de Toluca.", False),
        ("De Toluca a Querétaro, y el viaje T-5702 también.", False),
        ("Sí, a Querétaro y a León.", False),
    ],
)
def test_confirms_on_file(text, confirms):
    on_file = trip("Toluca, Edo. Méx.", "Querétaro, Qro.", trip_id="T-5701")
    assert confirms_on_file(text, on_file, NOW) is confirms


def test_confirms_on_file_checks_dates_only_with_a_clock():
    on_file = trip("Toluca, Edo. Méx.", "Querétaro, Qro.")
    assert confirms_on_file("Sí, de Toluca a Querétaro, ayer.", on_file, NOW)
    assert not confirms_on_file("Sí, de Toluca a Querétaro, antier.", on_file, NOW)
    assert not confirms_on_file("Sí, de Toluca a Querétaro, ayer.", on_file)
    assert not confirms_on_file("De Toluca a Querétaro, pero no fue ayer", on_file, NOW)


def test_fast_enough():
    on_file = trip("Veracruz, Ver.", "Puebla, Pue.")
    text = "No, salí de Xalapa, no de Veracruz, y fue el sábado, perdón, el viernes 20."
    facts(text, on_file)  # build the gazetteer once
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        facts(text, on_file)
    assert (time.perf_counter() - start) / runs < 0.002


WORDS = st.sampled_from(
    "no sí de a al para pa' hasta desde el la fue ayer antier hoy lunes sábado 22 veintidós "
    "perdón digo más bien mejor dicho viaje T-6002 999 Monterrey N.L. Guanajuato Veracruz "
    "México León Laredo Qro. Sin. , . ? ¿ cargué descargué llegué salí destino origen en "
    "planta hace tres días semana pasada 22/11 2026-11-22 mañana".split()
)


@given(st.lists(WORDS, max_size=25), st.booleans())
def test_never_fails_on_word_salad(words, with_trip):
    on_file = trip("Veracruz, Ver.", "Guanajuato, Gto.") if with_trip else None
    found = extract_trip_facts(" ".join(words), NOW, on_file)
    today = NOW.date()
    assert found.date is None or found.date <= today or "2026" in " ".join(words)
    assert found.origin is None or found.origin not in found.negated_places
    assert found.destination is None or found.destination not in found.negated_places


@given(st.text(max_size=200))
def test_never_fails_on_any_text(text):
    extract_trip_facts(text, NOW, trip("Monterrey, N.L.", "Saltillo, Coah."))
