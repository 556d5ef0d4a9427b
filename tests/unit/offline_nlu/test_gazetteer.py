"""The gazetteer: abbreviations, nicknames, accents, longest match, shared names, same_place."""

from __future__ import annotations

import re

import pytest

from media_server.providers.llm.offline.gazetteer import (
    Gazetteer,
    PlaceMention,
    find_places,
    same_place,
)


def canonicals(text: str) -> list[str]:
    return [mention.canonical for mention in find_places(text)]


def only(text: str) -> PlaceMention:
    mentions = find_places(text)
    assert len(mentions) == 1, mentions
    return mentions[0]


def test_data_covers_all_states_and_enough_cities():
    gazetteer = Gazetteer.load()
    mexican_states = [state for state in gazetteer.states if state.country == "MX"]
    assert len(mexican_states) == 32
    assert len({state.code for state in gazetteer.states}) == len(gazetteer.states)
    assert len(gazetteer.cities) >= 150
    codes = {state.code for state in gazetteer.states}
    for city in gazetteer.cities:
        name, code = city.canonical.rsplit(", ", maxsplit=1)
        assert name == city.name
        assert code in codes


def test_every_state_capital_is_there():
    capitals = """Aguascalientes Mexicali La\\ Paz Campeche Tuxtla\\ Gutiérrez Chihuahua
    Ciudad\\ de\\ México Saltillo Colima Durango Guanajuato Chilpancingo Pachuca Guadalajara
    Toluca Morelia Cuernavaca Tepic Monterrey Oaxaca Puebla Querétaro Chetumal
    San\\ Luis\\ Potosí Culiacán Hermosillo Villahermosa Ciudad\\ Victoria Tlaxcala Xalapa
    Mérida Zacatecas"""
    names = [name.replace("\\ ", " ") for name in re.split(r"(?<!\\)\s+", capitals.strip())]
    known = {city.name for city in Gazetteer.load().cities}
    assert len(names) == 32
    assert not [name for name in names if name not in known]


def test_every_city_is_found_by_its_display_form():
    gazetteer = Gazetteer.load()
    assert len({city.canonical for city in gazetteer.cities}) == len(gazetteer.cities)
    for city in gazetteer.cities:
        assert canonicals(f"salí de {city.canonical} ayer") == [city.canonical]
        assert same_place(city.canonical, city.name) or city.name == "Guadalupe"


def test_load_is_cached():
    assert Gazetteer.load() is Gazetteer.load()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monterrey", "Monterrey, N.L."),
        ("Mty", "Monterrey, N.L."),
        ("GDL", "Guadalajara, Jal."),
        ("Guanatos", "Guadalajara, Jal."),
        ("el DF", "Ciudad de México, CDMX"),
        ("la CDMX", "Ciudad de México, CDMX"),
        ("la capital", "Ciudad de México, CDMX"),
        ("Ciudad de México", "Ciudad de México, CDMX"),
        ("Juárez", "Ciudad Juárez, Chih."),
        ("Cd. Juárez", "Ciudad Juárez, Chih."),
        ("SLP", "San Luis Potosí, S.L.P."),
        ("San Luis", "San Luis Potosí, S.L.P."),
        ("Lázaro", "Lázaro Cárdenas, Mich."),
        ("Coatza", "Coatzacoalcos, Ver."),
        ("Jalapa", "Xalapa, Ver."),
        ("TJ", "Tijuana, B.C."),
        ("Cd. Obregón", "Ciudad Obregón, Son."),
        ("Izcalli", "Cuautitlán Izcalli, Edo. Méx."),
        ("Gral. Escobedo", "General Escobedo, N.L."),
    ],
)
def test_nicknames_and_aliases(text, expected):
    assert only(text).canonical == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Queretaro", "Querétaro, Qro."),
        ("QUERÉTARO", "Querétaro, Qro."),
        ("Leon", "León, Gto."),
        ("mazatlan", "Mazatlán, Sin."),
        ("Culiacan", "Culiacán, Sin."),
        ("Torreon", "Torreón, Coah."),
        ("San Luis Potosi", "San Luis Potosí, S.L.P."),
    ],
)
def test_accents_and_case_do_not_matter(text, expected):
    assert only(text).canonical == expected


def test_longest_match_wins():
    assert canonicals("de Nuevo Laredo") == ["Nuevo Laredo, Tamps."]
    assert canonicals("a San Luis Potosí") == ["San Luis Potosí, S.L.P."]
    assert canonicals("San Luis Río Colorado") == ["San Luis Río Colorado, Son."]
    assert canonicals("Cuautitlán Izcalli") == ["Cuautitlán Izcalli, Edo. Méx."]
    assert canonicals("San Juan de los Lagos") == ["San Juan de los Lagos, Jal."]
    # bare "Laredo" is the Texas side; the Tamaulipas qualifier makes it Nuevo Laredo
    assert canonicals("Laredo") == ["Laredo, Tex."]
    assert canonicals("Laredo, Tamps.") == ["Nuevo Laredo, Tamps."]


def test_state_after_a_city_is_part_of_the_mention():
    mention = only("Monterrey, N.L.")
    assert (mention.canonical, mention.surface) == ("Monterrey, N.L.", "Monterrey, N.L.")
    assert (mention.city, mention.state, mention.state_code) == ("Monterrey", "Nuevo León", "N.L.")
    assert not mention.is_state_only
    assert canonicals("de Monterrey, N.L. a Guadalajara, Jal.") == [
        "Monterrey, N.L.",
        "Guadalajara, Jal.",
    ]
    assert canonicals("Toluca, Edo. Méx.") == ["Toluca, Edo. Méx."]
    assert canonicals("Toluca, Estado de México") == ["Toluca, Edo. Méx."]
    assert canonicals("Culiacán, Sin.") == ["Culiacán, Sin."]
    assert canonicals("Nuevo Laredo Tamaulipas") == ["Nuevo Laredo, Tamps."]
    assert canonicals("San Luis Potosí, S.L.P.") == ["San Luis Potosí, S.L.P."]
    assert canonicals("Ciudad de México, CDMX") == ["Ciudad de México, CDMX"]


def test_qualifier_picks_among_namesakes():
    assert canonicals("Guadalupe") == ["Guadalupe, N.L."]
    assert canonicals("Guadalupe, Zac.") == ["Guadalupe, Zac."]


def test_codes_that_are_words_only_count_after_a_city():
    assert canonicals("sin problema, son las diez, a ver") == []
    assert canonicals("pue sí, con la col") == []


def test_state_abbreviations_and_names_alone():
    for text, name in [
        ("N.L.", "Nuevo León"),
        ("NL", "Nuevo León"),
        ("Jal.", "Jalisco"),
        ("Edo. Méx.", "Estado de México"),
        ("Edomex", "Estado de México"),
        ("Coah.", "Coahuila"),
        ("Tamps.", "Tamaulipas"),
        ("Gto.", "Guanajuato"),
        ("B.C.", "Baja California"),
        ("BCS", "Baja California Sur"),
        ("Sonora", "Sonora"),
        ("el estado de Jalisco", "Jalisco"),
    ]:
        mention = only(text)
        assert mention.is_state_only, text
        assert (mention.canonical, mention.state, mention.city) == (name, name, ""), text
        assert mention.surface == text.removeprefix("el estado de "), text


def test_abbreviation_of_a_shared_name_follows_the_shared_name_rule():
    assert canonicals("de Qro a SLP") == ["Querétaro, Qro.", "San Luis Potosí, S.L.P."]
    assert only("Ags.").canonical == "Aguascalientes, Ags."  # bare, alone: the city
    assert only("Gto.").is_state_only  # Guanajuato's bare default is the state


def test_guanajuato_rule():
    # a place word before it: the city
    assert only("salí de Guanajuato").canonical == "Guanajuato, Gto."
    assert only("llegué a Guanajuato").canonical == "Guanajuato, Gto."
    assert canonicals("de Silao a Guanajuato") == ["Silao, Gto.", "Guanajuato, Gto."]
    # followed by its state: the city
    assert only("Guanajuato, Gto.").canonical == "Guanajuato, Gto."
    # after another city: that city's state
    assert canonicals("León, Guanajuato") == ["León, Gto."]
    # after "estado de", or bare: the state
    assert only("el estado de Guanajuato").is_state_only
    assert only("Guanajuato").is_state_only
    bare = find_places("Celaya y Guanajuato")
    assert bare[1].is_state_only
    assert bare[1].alternatives == ("Guanajuato, Gto.",)


def test_other_shared_names():
    assert only("de Veracruz").canonical == "Veracruz, Ver."
    assert only("Veracruz").canonical == "Veracruz, Ver."  # bare, alone: the port city
    assert only("el estado de Veracruz").is_state_only
    assert canonicals("Xalapa, Veracruz") == ["Xalapa, Ver."]
    assert only("a México").canonical == "Ciudad de México, CDMX"
    assert only("en el Estado de México").is_state_only
    assert only("la descarga fue en Aguascalientes").canonical == "Aguascalientes, Ags."
    assert only("Querétaro").canonical == "Querétaro, Qro."
    city = only("de Chihuahua")
    assert city.alternatives == ("Chihuahua",)


def test_spans_and_order():
    text = "Salí de Mty. a Cd. Juárez y luego a Querétaro"
    mentions = find_places(text)
    assert [m.surface for m in mentions] == ["Mty", "Cd. Juárez", "Querétaro"]
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.surface
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_surnames_are_not_places():
    assert canonicals("Sí, soy Arturo León") == []
    assert canonicals("en la calle Benito Juárez") == []
    assert canonicals("Arturo, salí de León") == ["León, Gto."]


def test_everyday_words_are_not_places():
    assert canonicals("Sí, soy yo, todo bien, ya llegué, gracias") == []
    assert canonicals("¿Bueno? ¿Quién habla?") == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Monterrey, N.L.", "Monterrey"),
        ("Monterrey", "Mty"),
        ("Ciudad de México", "CDMX"),
        ("CDMX", "el DF"),
        ("Ciudad de México, CDMX", "México"),
        ("Toluca, Edo. Méx.", "Toluca"),
        ("León, Gto.", "Leon"),
        ("Guanajuato", "Guanajuato, Gto."),
        ("Rancho El Sauz, Gto.", "rancho el sauz"),
    ],
)
def test_same_place(a, b):
    assert same_place(a, b)
    assert same_place(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nuevo Laredo, Tamps.", "Laredo"),
        ("Monterrey, N.L.", "Guadalajara"),
        ("León, Gto.", "Celaya, Gto."),
        ("Rancho El Sauz, Gto.", "Guanajuato"),
        ("", ""),
    ],
)
def test_not_same_place(a, b):
    assert not same_place(a, b)


def test_same_place_takes_mentions_as_read():
    state = only("el estado de Veracruz")
    city = only("de Veracruz")
    assert not same_place(state, "Veracruz, Ver.")
    assert same_place(city, "Veracruz, Ver.")


def test_reading_switches_to_an_alternative():
    gazetteer = Gazetteer.load()
    laredo = only("a Laredo")
    nuevo = gazetteer.reading(laredo, "Nuevo Laredo, Tamps.")
    assert (nuevo.canonical, nuevo.surface, nuevo.alternatives) == (
        "Nuevo Laredo, Tamps.",
        "Laredo",
        ("Laredo, Tex.",),
    )
    with pytest.raises(ValueError, match="not a reading"):
        gazetteer.reading(laredo, "Monterrey, N.L.")
