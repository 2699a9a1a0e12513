"""Spanish: questions in Spanish over the English paper, English questions over a Spanish document, with the
real models and Debian's Apertium (installed by `make install`)."""

from __future__ import annotations

import shutil

import pytest

from assistant import glossary, messages, spanish_accents, spanish_idioms, translate
from assistant.apertium_stream import UNIT
from assistant.row_translation import translate_row
from assistant.translate import (ENGLISH, SPANISH, TranslationUnavailable, detect_language, translator,
                                 words_of)

from conftest import GOLD, PAPER, assistant_over, indexed_assistant, make_settings

SPANISH_DOC = GOLD / "es" / "corpus"
APT_MANUAL = GOLD / "tuning" / "spanish-apt" / "corpus" / "apt_preferences.es.txt"


def test_the_language_of_short_questions_is_detected():
    assert detect_language("¿Cuándo se creó el instituto?") == SPANISH
    assert detect_language("que porcentaje de estudiantes no tenia acceso") == SPANISH
    assert detect_language("When was the institute created?") == ENGLISH
    assert detect_language("GDP 2022?") == ENGLISH  # too little to tell: the index's language
    # A question that opens with "¿" is Spanish, though its words are too few and a name to tell by.
    assert detect_language("¿Qué es Harbourtown?") == SPANISH and detect_language("¿Y Tor?") == SPANISH


def test_a_question_of_a_few_words_takes_its_language_from_the_dictionaries():
    # lingua alone takes one foreign-looking name for Spanish (confidence 0.82 for "Merekilpkonn", 0.71 for the
    # English spelling "Mexico"): names neither dictionary knows are asked in the index's language.
    for name in ("Merekilpkonn", "Harbourtown Valmar", "Mexico", "Kärdla"):
        assert detect_language(name) == ENGLISH, name
    assert detect_language("Corliss engine") == ENGLISH  # "engine" is a word of the English dictionary only
    # A word only the Spanish dictionary knows makes it Spanish, one word ("salud") or one compound ("banda ancha").
    for words in ("salud", "banda ancha", "embajada de datos", "ciclo de Rankine"):
        assert detect_language(words) == SPANISH, words
    # A lower-case word neither dictionary knows may be a Spanish word Apertium lacks: lingua decides, as before.
    assert detect_language("telemedicina") == SPANISH
    # A word both dictionaries know tells nothing either ("pandemia" is in Apertium's English one too): lingua.
    assert detect_language("pandemia") == SPANISH


def test_a_one_word_name_is_answered_in_english(tmp_path, real_embedder):
    report = ("# Harbourtown port report\n\nThe breakwater, known in the local language as Merekilpkonn, was "
              "finished in 1911 and shelters the inner basin from the autumn storms.\n\nCargo volumes rose by "
              "a fifth after the new quay opened.\n")
    assistant = assistant_over(tmp_path, real_embedder, {"port.md": report})
    answer = assistant.ask("Merekilpkonn")
    assert answer.language == ENGLISH and answer.translation is None
    assert not answer.abstained and "1911" in answer.answer
    # The same word in a Spanish question is still read as Spanish.
    assert assistant.ask("¿Qué es Merekilpkonn?").language == SPANISH


def test_an_english_row_is_not_translated_as_if_it_were_spanish(tmp_path, real_embedder):
    # lingua takes the row "| Total | $4,514 |" for Spanish: the answer to an English question over an English
    # document came with a "Machine translation" of it. The quote's language is its document's.
    assert detect_language("| Total | $4,514 |") == SPANISH
    accounts = ("# Valmar harbour accounts\n\n## Fees collected in 2023\n\nThe harbour collected three kinds of fees "
                "in 2023.\n\n| Fee | Amount |\n| --- | --- |\n| Harbour dues | $1,204 |\n| Pilotage | $3,310 |\n"
                "| Total | $4,514 |\n\nThe accounts were audited by the port's own staff.\n")
    assistant = assistant_over(tmp_path, real_embedder, {"accounts.md": accounts})
    answer = assistant.ask("How much was collected in fees in total?")
    assert not answer.abstained and "$4,514" in answer.answer
    assert answer.citations[0].language == ENGLISH and answer.translation is None
    # A Spanish question still gets the English answer's translation.
    spanish = assistant.ask("¿Cuánto se recaudó en tasas en total?")
    assert spanish.citations and spanish.citations[0].language == ENGLISH
    assert spanish.abstained or spanish.translation is not None


def test_apertium_translates_both_ways_and_keeps_reserved_characters_as_text():
    assert translator().translate("¿Cuántos mexicanos carecen de cobertura?", SPANISH, ENGLISH) == \
        "How many Mexicans lack coverage?"  # the noun, not the adjective
    assert "[1]" in translator().translate("El agua hierve a 100 grados [1].", SPANISH, ENGLISH)
    assert translator().translate("The water boils.", ENGLISH, SPANISH).lower() == "el agua hierve."


def test_a_one_letter_prefix_is_kept_rather_than_translated_as_a_word():
    # Apertium alone reads the "e" of "e-residencia" as the conjunction ("and-residence"), and "y" back.
    assert translator().translate("¿Quién dirige la e-residencia?", SPANISH, ENGLISH) == "Who directs the e-residence?"
    assert "e-Residency" in translator().translate("Who runs e-Residency?", ENGLISH, SPANISH)
    # A caret at the end stalled Apertium for 10 s and then failed the question (found by test_properties).
    assert translator().translate("¿Qué^", SPANISH, ENGLISH).endswith("^")
    # A bracket in the text is still text, not Apertium's pass-through mark.
    assert translator().translate("La nota [e-] es breve.", SPANISH, ENGLISH).count("[") == 1


def test_code_file_names_paths_and_identifiers_are_copied_not_translated():
    # Apertium alone wrote "`Pruebas/test_backends.py`", "AYUDANTE puesto_MILVUS_URI", "docker-componer.yml",
    # and "data_2023.csv" for a Spanish question's "datos_2023.csv".
    english = "`tests/run_all.py` stops a build. Set BERTH_QUEUE_URI in harbour-compose.yml, see docs/setup.md."
    spanish = translator().translate(english, ENGLISH, SPANISH)
    for kept in ("`tests/run_all.py`", "BERTH_QUEUE_URI", "harbour-compose.yml", "docs/setup.md"):
        assert kept in spanish, spanish
    after = spanish.removeprefix("`tests/run_all.py` ")
    assert after != spanish and after[0].islower(), spanish  # no capital after the code that opens it
    assert "datos_2023.csv" in translator().translate("¿Qué contiene el archivo datos_2023.csv?", SPANISH, ENGLISH)
    url = "https://www.gob.mx/informes/anual_2023.pdf"
    assert translator().translate(f"Véase {url}.", SPANISH, ENGLISH) == f"See {url}."
    # A word pair with a slash is still words: "y/o" is "and/or".
    assert "and/or" in translator().translate("Puertos y/o aeropuertos.", SPANISH, ENGLISH)


def test_what_pasa_reads_what_happens():
    # Apertium wrote "What passes if ...?" and "What spent him to ...?"; pasar after the interrogative "qué" is
    # "to happen", in the tense asked, and a documents' word ("pass") does not take its place.
    assert translator().translate("¿Qué pasa si cierra el puerto?", SPANISH, ENGLISH).startswith("What happens if")
    assert translator().translate("¿Qué le pasó a Pedro Ruiz?", SPANISH, ENGLISH) == "What happened to Pedro Ruiz?"
    assert translator().translate("¿Qué le pasó?", SPANISH, ENGLISH) == "What happened to him?"
    assert "will happen" in translator().translate("¿Qué pasará con los precios?", SPANISH, ENGLISH)
    known = {"pass": True, "happen": False, "spend": False}.get
    instead = lambda lemma, pos: ["pass"] if lemma == "pasar" else []  # noqa: E731 (documents that say "pass")
    assert "passes" in translator().translate("El barco pasa el puerto.", SPANISH, ENGLISH,
                                              lambda words: known(words, None), instead)
    assert "happens" in translator().translate("¿Qué pasa con los barcos?", SPANISH, ENGLISH,
                                               lambda words: known(words, None), instead)
    assert "spent" in translator().translate("Pasó tres años en Lima.", SPANISH, ENGLISH)  # no question: as before


def test_seguir_before_a_gerund_reads_as_continuing():
    # Apertium's dictionary writes "follows directing"; only "seguir siendo" was its own entry ("keeps on being").
    assert translator().translate("¿Quién sigue dirigiendo la empresa?", SPANISH, ENGLISH) == \
        "Who continues directing the company?"
    assert "continued learning" in translator().translate("Los alumnos siguieron aprendiendo.", SPANISH, ENGLISH)
    assert translator().translate("Sigue la carretera.", SPANISH, ENGLISH) == "It follows the road."


def test_spanish_question_idioms_read_as_they_are_meant():
    # Apertium alone wrote each of these word for word: "What wants to say Acmezip?", "What does fault to ...?",
    # "Who is to charge of ...?", "For what serves ...?", "What differentiates there is among ...?", "It does how
    # many years ...?", "Each how much ...?", "Of where the name comes?".
    def english(spanish: str) -> str:
        return translator().translate(spanish, SPANISH, ENGLISH, question=True)

    assert english("¿Qué quiere decir Acmezip?") == "What does Acmezip mean?"
    assert english("¿Qué significan las siglas HPA?") == "What do the acronyms HPA mean?"
    assert english("¿Qué tanto creció el puerto?").startswith("How much")
    assert english("¿Qué hace falta para abrir una cuenta?") == "What is needed to open an account?"
    assert english("¿Quién está a cargo del puerto?") == "Who is in charge of the port?"
    assert english("¿Para qué sirve la opción -q?") == "What is the option -q for?"
    assert english("¿Qué diferencia hay entre Acme y Valmar?").startswith("Which is the difference")
    assert english("¿Hace cuántos años se fundó Acme?") == "When Acme was founded?"
    assert "frequency" in english("¿Cada cuánto sale el ferry?")
    assert english("¿De dónde viene el nombre Harbourtown?") == "Which is the origin of the name Harbourtown?"
    # "What gave place to ...?", "When it was given to know ...?", "What put of self-evident ...?" (R109)
    assert english("¿Qué dio lugar al cierre del puerto?") == "What caused the closing of the port?"
    assert english("¿Cuándo se dio a conocer el informe de Acme?") == "When the report of Acme was announced?"
    assert english("¿Qué puso de manifiesto la auditoría?").startswith("What revealed")
    # Where the one who needs is named by a clitic, "hacer falta" is left as Spanish says it ("he lacks money").
    assert spanish_idioms.in_text("Le hace falta dinero.") == "Le hace falta dinero."
    assert spanish_idioms.in_text("Hace falta dinero.") == "Se necesita dinero."
    # A document's text is translated as before, so the translations an index holds stay what they were.
    assert translator().translate("¿Qué quiere decir Acmezip?", SPANISH, ENGLISH) == "What wants to say Acmezip?"


def test_a_question_typed_without_accents_is_read_with_them():
    # Apertium alone read these word by word as typed: "When I create ...", "What explains east articulate ...",
    # "Those that paises use Acmezip?", "Where this the headquarters ...?", "What is but fast ...".
    def english(spanish: str) -> str:
        return translator().translate(spanish, SPANISH, ENGLISH, question=True)

    assert english("Cuando se fundo el puerto de Harbourtown?") == "When the port of Harbourtown was founded?"
    assert english("Cuando se fundo el puerto de Harbourtown?") == english("¿Cuándo se fundó el puerto de Harbourtown?")
    assert english("Que explica este articulo sobre Acme?") == "What explains this article on Acme?"
    assert english("Cuantos paises usan Acmezip?") == "How many countries use Acmezip?"
    assert english("Donde esta la sede de Acme?") == "Where the headquarters of Acme is?"
    assert english("Que es mas rapido, Acmezip o Valmar?") == "What is faster, Acmezip or Valmar?"
    assert english("Quien tenia la patente?") == "Who had the patent?"
    assert english("Y como se llama el director?") == "And which is the name of the director?"
    # A how-to question's verb stays in the first person: "instalo" is not read as "instaló" (it installed).
    assert english("Como instalo Acmezip?") == "How I install Acmezip?"
    # Right after "quién", its subject, the verb is the third person's past: "publico" was read "public" (the
    # adjective "público"), "fundo" "found" (I found).
    assert english("Quien publico el informe de Valmar?") == "Who published the report of Valmar?"
    assert english("Quien fundo el puerto de Harbourtown?") == "Who founded the port of Harbourtown?"
    # Each question of a text opens with its interrogative; "porque" opening one is "por qué".
    assert spanish_accents.interrogatives("Acme se fundo en 1990. cuando se vendio?") == \
        "Acme se fundo en 1990. ¿cuándo se vendio?"
    assert spanish_accents.interrogatives("Porque cerro la fabrica?") == "¿Por qué cerro la fabrica?"
    assert spanish_accents.interrogatives("En que año se creo Acmezip?") == "¿En qué año se creo Acmezip?"
    # Only a question with no accent and no "¿" at all is taken to be typed without them; a document's text is
    # translated as it is written, so the translations an index holds stay what they were.
    assert not spanish_accents.typed_without_accents("¿Que es Acme?")
    assert not spanish_accents.typed_without_accents("Qué es Acme?")
    assert spanish_accents.typed_without_accents("En que año se creo Acmezip?")
    assert translator().translate("Cuantos paises usan Acmezip?", SPANISH, ENGLISH) == \
        "Those that paises use Acmezip?"


def test_a_question_typed_without_n_tilde_is_read_with_it_where_the_documents_say_so():
    # On a keyboard without Spanish letters "año" is typed "ano" (anus to Apertium) and "niños" "ninos" (unknown).
    def english(spanish: str, documents=None) -> str:
        return translator().translate(spanish, SPANISH, ENGLISH, question=True, alternatives=documents)

    def speak_of(*pairs):  # alternatives (translate.word_choices) of documents that use these Spanish words' senses
        return lambda lemma, part: ["word"] if (lemma, part) in pairs else []

    # A word the analyser does not know gets its "ñ" form, with an accent too where it needs one.
    assert english("Cuantos ninos viven en Harbourtown?") == "How many boys live in Harbourtown?"
    assert english("Que compania fabrica Acmezip?") == "Which company manufactures Acmezip?"
    # A word it knows is read as its "ñ" form unless the documents speak of it as typed and not of the other.
    assert english("En que ano se fundo Acme?", speak_of(("año", "n"))) == "In which year was founded Acme?"
    assert english("En que ano se fundo Acme?", speak_of()) == "In which year was founded Acme?"
    assert english("En que ano se fundo Acme?", speak_of(("ano", "n"))) == "In which anus was founded Acme?"
    assert english("Que pena tiene el robo en Valmar?", speak_of(("pena", "n"))) == \
        english("Que pena tiene el robo en Valmar?") == "Which pity has the theft in Valmar?"
    # The cost: over documents that speak of neither, "pena" is read "peña" (crag); such a question asks about
    # something the documents never say.
    assert english("Que pena tiene el robo en Valmar?", speak_of()) == "Which crag has the theft in Valmar?"
    # Without the documents' words, as typed; a question with an "ñ" or an accent was typed with them.
    assert english("En que ano se fundo Acme?") == "In which anus was founded Acme?"
    one = "En que año se fundo la compania Acme?"
    assert english(one) == english(one, speak_of())
    assert "anus" in english("¿En qué ano se fundó Acme?", speak_of())


def test_se_before_a_third_person_verb_reads_as_the_passive():
    # Apertium wrote these as active verbs with a subject of its own: "How many books sold?", "It estimates...".
    assert translator().translate("¿Cuántos libros se vendieron?", SPANISH, ENGLISH) == "How many books were sold?"
    assert translator().translate("Se estima que la población crece.", SPANISH, ENGLISH) == \
        "It is estimated that the population grows."
    assert translator().translate("Juan se lo dio.", SPANISH, ENGLISH) == "Juan gave it to him."  # not a passive



def test_a_pronominal_verbs_se_is_no_passive():
    # The passive mending read every "se" before a third-person verb as a passive: "Where the refugees were
    # remained?", "Why the government was denied to sign the agreement?", and the tagger read "se fue" as "ser".
    english = lambda spanish: translator().translate(spanish, SPANISH, ENGLISH)  # noqa: E731
    assert english("¿Dónde se quedaron los refugiados?") == "Where the refugees stayed?"
    assert english("¿Por qué se negó el gobierno a firmar el acuerdo?") == \
        "Why the government refused to sign the agreement?"
    assert english("¿Cuándo se fueron los soldados?") == "When the soldiers left?"
    assert "became" in english("¿En qué se convirtió la empresa?")
    # A passive stays one: "negar" without "a" and an infinitive, and any verb not listed.
    assert english("Se negó la entrada a los periodistas.").startswith("It was denied")
    assert english("¿Cuántos libros se vendieron?") == "How many books were sold?"
    assert "became" not in english("Se volvió a casar en 1990.")  # "volver a" + infinitive: again


def test_a_separable_verb_keeps_its_particle_and_its_tense():
    # Apertium's dictionary gives "llevar a cabo" as "carry# out" (and "poner en marcha" as "set# up"): its transfer
    # wrote "The government carry the reform.", and after a passive "se" the particle stayed glued with a "#".
    english = lambda spanish: translator().translate(spanish, SPANISH, ENGLISH)  # noqa: E731
    assert english("El gobierno llevó a cabo la reforma.") == "The government carried out the reform."
    assert english("La reforma se llevó a cabo en 2010.") == "The reform was carried out in 2010."
    assert english("¿Cuándo se puso en marcha el programa?") == "When the program was set up?"
    assert english("Los precios dependen de la oferta.") == "The prices depend on the offer."
    assert english("Lo puso en marcha.") == "It set it up."  # an object pronoun goes between the two
    assert not any("#" in english(s) for s in ("El agua se convirtió en hielo.", "El origen se remonta al siglo XV.",
                                               "Se tuvo en cuenta el coste."))
    # A verb with senses of both kinds is left to Apertium's lexical selection: "dejar" reads "leave" as before.
    assert english("Dejó la casa.") == "It left the house."

def test_the_word_after_cuantos_is_read_as_its_noun():
    # Apertium's tagger read these nouns as a participle and an adjective: "How many employed has Acme?".
    assert translator().translate("¿Cuántos empleados tiene Acme?", SPANISH, ENGLISH) == "How many employees has Acme?"
    assert translator().translate("¿Cuántos médicos trabajan en Valmar?", SPANISH, ENGLISH) == \
        "How many doctors work in Valmar?"
    # Only a noun of the determiner's gender and number: after "cuánto" a verb that is also a noun stays a verb.
    stream = ("^Cuántos/Cuánto<det><itg><m><pl>/Cuánto<prn><itg><m><pl>$ "
              "^pesas/pesa<n><f><pl>/pesar<vblex><pri><p2><sg>$")
    assert translate.nouns_after_how_many(stream) == stream
    assert translator().translate("¿Cuánto vale la empresa?", SPANISH, ENGLISH) == "How much the company costs?"


def test_por_que_before_a_noun_asks_by_which_and_otherwise_why():
    # Apertium read "por qué" as "why" whatever follows: "Why half were transmitted ...?", "Why road arrive ...?".
    assert translator().translate("¿Por qué medio se publicaron los resultados de Acme?", SPANISH, ENGLISH) == \
        "By which means were published the results of Acme?"
    assert translator().translate("¿Y por qué vía llegan los datos a Valmar?", SPANISH, ENGLISH) == \
        "And by which road arrive the data to Valmar?"
    assert translator().translate("¿Por qué cerró Acme la fábrica?", SPANISH, ENGLISH).startswith("Why")
    assert translator().translate("¿Por qué los bancos cobran comisiones?", SPANISH, ENGLISH).startswith("Why")
    assert translator().translate("¿Por qué Valmar invierte en puertos?", SPANISH, ENGLISH).startswith("Why")


def test_como_se_llama_asks_for_a_name():
    # Apertium wrote "How it is called the director of Acme?" (the passive of "llamar"), a question about manner.
    assert translator().translate("¿Cómo se llama el director de Acme?", SPANISH, ENGLISH) == \
        "Which is the name of the director of Acme?"
    assert translator().translate("¿Y cómo se llamaban los puertos de Valmar?", SPANISH, ENGLISH) == \
        "And which were the names of the ports of Valmar?"
    # Only a question asking it: a statement keeps its "is called".
    assert translator().translate("El puerto se llama Tidewatch.", SPANISH, ENGLISH) == "The port is called Tidewatch."


def test_the_past_of_guarantee_is_spelled_as_english_spells_it():
    # Apertium's English generator writes "guaranteeed"; a search for "guaranteed" would not find it.
    english = translator().translate("Acme garantizó el acceso. ¿Está garantizado el servicio?", SPANISH,
                                     ENGLISH).lower()
    assert "guaranteed the access" in english and "guaranteed the service" in english and "eeed" not in english


def test_a_fields_terms_are_translated_as_the_fields_own():
    # Apertium alone: "Which was the flow of free box of Acme?", "How much invested Valmar in investigation and
    # development?", "The active totals of Acme grew", "Properties, plant and squad".
    def english(spanish: str, question: bool = True) -> str:
        return translator().translate(spanish, SPANISH, ENGLISH, question=question)

    assert "free cash flow of Acme" in english("¿Cuál fue el flujo de caja libre de Acme en 2023?")
    assert "research and development" in english("Cuanto invirtio Valmar en investigacion y desarrollo en 2023?")
    # A document's sentence too, a term opening it capitalised and the word after it not.
    assert english("Investigación y desarrollo creció un 3 %.", question=False).startswith(
        "Research and development grew")
    assert "total assets of Acme" in english("Los activos totales de Acme crecieron.", question=False)
    assert "property, plant and equipment" in english("Las propiedades, planta y equipo de Acme suman 3 millones.")
    # A word of a term, alone, keeps its everyday sense.
    assert "box" in english("La caja de Acme estaba vacía.", question=False)


def test_an_english_sentences_finance_terms_are_translated_as_the_spanish_terms_in_agreement():
    # Apertium alone: "Nuestra tasa de impuesto eficaz", "Búsqueda y gastos de desarrollo", "Operando ingresos".
    def to_spanish(text: str) -> str:
        return translator().translate(text, ENGLISH, SPANISH)

    assert to_spanish("Our effective tax rate was 18%.").startswith("Nuestra tasa impositiva efectiva")
    assert to_spanish("Research and development expenses increased $1.1 billion.").startswith(
        "Gastos de investigación y desarrollo aumentaron")
    assert to_spanish("Operating income grew.") == "La utilidad de operación creció."
    # A stand-in noun the text itself uses is passed over: the violin stays a violin.
    assert to_spanish("The violin player paid the interest expense.").startswith("El jugador de violín pagó")


def test_the_gender_and_number_of_each_terms_head_are_apertiums():
    # The stand-in noun that carries a term into Spanish takes the gender and number glossary reads off the
    # term's head; Apertium's analyser knows most heads as nouns ("activos" and "efectivo" only as adjectives).
    heads = sorted({term.split()[0].rstrip(",") for term in glossary._spanish_terms().values()})
    stream = translator()._with_pipeline("spa-eng", lambda pipe: pipe.analyse(" ".join(heads)))
    checked = 0
    for match in UNIT.finditer(stream):
        surface, *readings = match.group(1).split("/")
        nouns = [r for r in readings if "<n><m><" in r or "<n><f><" in r]
        if nouns:
            gender, number = glossary.head_gender_and_number(surface)
            assert any(f"<n><{gender}><{number}>" in r for r in nouns), (surface, nouns)
            checked += 1
    assert checked >= 25


def test_the_glossary_lists_only_terms_apertium_translates_otherwise(monkeypatch):
    terms = {}
    for path in sorted(glossary.GLOSSARIES.glob("*.tsv")):
        terms.update(glossary.read_glossary(path))
    assert len(terms) > 50
    monkeypatch.setattr(glossary, "protect", lambda text: (text, []))
    same = [spanish for spanish, english in terms.items()
            if translator().translate(spanish, SPANISH, ENGLISH).lower() == english.lower()]
    assert not same


def test_a_spanish_question_in_a_fields_terms_finds_the_sentence_that_uses_them(tmp_path, real_embedder):
    assistant = assistant_over(tmp_path, real_embedder, {"acme.md": (
        "# Acme quarterly report\n\n"
        "Acme sold 5 million gift boxes in the quarter, and its online shop opened in Valmar.\n\n"
        "Free cash flow was $12 million in the quarter, after capital expenditures of $3 million.\n\n"
        "Total assets were $410 million at the end of the quarter.\n\n"
        "The company invested in new factories and hired 200 engineers in Harbourtown.\n")})
    answer = assistant.ask("¿Cuál fue el flujo de caja libre de Acme en el trimestre?")
    assert not answer.abstained and "$12 million" in answer.answer
    assert "free cash flow" in answer.read_as.lower()
    answer = assistant.ask("¿Cuáles eran los activos totales de Acme?")
    assert not answer.abstained and "$410 million" in answer.answer


def test_an_english_question_finds_a_spanish_reports_sentence_in_its_fields_terms(tmp_path, real_embedder):
    # The Spanish sentences' English, embedded at build time, says "operating cash flow" and "total assets" where
    # Apertium alone wrote "flow of operative box" and "active totals".
    assistant = assistant_over(tmp_path, real_embedder, {"informe.md": (
        "# Informe trimestral de Acme\n\n"
        "Acme vendió cinco millones de cajas de regalo en el trimestre y abrió una tienda en Valmar.\n\n"
        "El flujo de caja operativo fue de 12 millones de pesos en el trimestre.\n\n"
        "Los activos totales sumaron 410 millones de pesos al cierre del trimestre.\n\n"
        "La empresa contrató a 200 ingenieros en Harbourtown.\n")})
    chunk = next(c for c in assistant.store.chunks if "flujo de caja" in c.text)
    assert any("operating cash flow" in t.lower() for t in chunk.translations)
    answer = assistant.ask("What was Acme's operating cash flow in the quarter?")
    assert not answer.abstained and "12 millones" in answer.answer
    answer = assistant.ask("What were Acme's total assets?")
    assert not answer.abstained and "410 millones" in answer.answer


def test_violar_reads_violate_unless_the_documents_speak_of_the_crime():
    # Apertium read "¿Cuál es la multa por violar la ley?" as "Which is the fine for raping the law?", shown to the
    # asker as how the question was read; and "violaciones a los derechos humanos" as "rapes to human rights".
    read = translator().translate("¿Cuál es la multa por violar la licencia?", "es", "en")
    assert "violat" in read and "rap" not in read
    assert "violations" in translator().translate("Las violaciones a los derechos humanos aumentaron.", "es", "en")
    crime = translator().translate("¿Quién violó la ley?", "es", "en", known=lambda words: words == "rape")
    assert "raped" in crime  # a folder that speaks of the crime and never of violating keeps the word it uses


def test_an_ambiguous_word_keeps_the_translations_the_documents_use():
    stream = "^el<det>/the<det>$ ^receta<n><f><sg>/recipe<n><sg>/prescription<n><sg>$ ^de<pr>/of<pr>/from<pr>$"
    in_use = {"prescription": True, "recipe": False}
    chosen = translate.prefer_senses(stream, lambda words: in_use.get(words))
    assert "^receta<n><f><sg>/prescription<n><sg>$" in chosen
    assert "^de<pr>/of<pr>/from<pr>$" in chosen  # words known() says nothing about are Apertium's to choose
    assert translate.prefer_senses(stream, lambda words: True) == stream  # every sense in use: nothing to tell
    assert translate.prefer_senses(stream, lambda words: False) == stream
    # Through the real Apertium: the sense picked goes on through transfer and generation.
    question = "¿Quién firma la receta?"
    assert "recipe" in translator().translate(question, SPANISH, ENGLISH)
    assert "prescription" in translator().translate(question, SPANISH, ENGLISH, lambda w: in_use.get(w))


def _readings(tmp_path, embedder, question: str, folders: dict[str, str]) -> dict[str, str]:
    """{folder: the question's English reading} over folders of one note each (folder name: the note's text)."""
    return {name: assistant_over(tmp_path / name, embedder, {"notes.md": f"# Notes\n\n{text}"})
            .in_english(question, [])[1] for name, text in folders.items()}


def test_a_spanish_question_is_read_with_the_senses_its_folder_uses(tmp_path, real_embedder):
    readings = _readings(tmp_path, real_embedder, "¿Quién firma la receta?", {
        "clinic": "Every prescription is signed by the doctor who writes it.\n",
        "kitchen": "Every recipe in this book serves four people.\n"})
    assert "prescription" in readings["clinic"] and "recipe" in readings["kitchen"]


def test_a_spanish_question_about_the_document_itself_is_not_read_with_the_folders_senses(tmp_path, real_embedder):
    # "escribir" is "write" or "type"; over a note that speaks of a type of error and never of writing, the folder's
    # sense made "¿Quién escribió esta guía?" read "Who typed this guide?", no question about the document (R93e). A
    # question about the document asks nothing of its words: Apertium's own reading is kept.
    readings = _readings(tmp_path, real_embedder, "¿Quién escribió esta guía?", {
        "errors": "A type I error rejects a true hypothesis; this type of error is what the test controls.\n"})
    assert readings["errors"] == "Who wrote this guide?"
    readings = _readings(tmp_path / "content", real_embedder, "¿Quién escribió el error?", {
        "errors": "A type I error rejects a true hypothesis; this type of error is what the test controls.\n"})
    assert "typed" in readings["errors"]  # a question about what the note says keeps the note's sense


def test_english_words_are_paired_with_the_spanish_words_they_translate_to():
    table = translate.back_translations(["leads", "managed", "run", "the", "zzqxv"])
    assert {"lead", "manage"} <= table[("dirigir", "vblex")]  # inflected forms count by their lemma
    assert "run" in table[("correr", "vblex")]
    assert not any("zzqxv" in lemmas for lemmas in table.values())  # a word the analyser does not know
    assert not any("the" in lemmas for lemmas in table.values())  # only nouns, verbs, adjectives, adverbs


def test_a_word_whose_translation_the_documents_never_use_takes_the_word_they_do_use():
    stream = "^quién<prn><itg>/who<prn><itg>$ ^dirigir<vblex><pri><p3><sg>/direct<vblex><pri><p3><sg>$"
    asked = []

    def alternatives(lemma, part):
        asked.append((lemma, part))
        return ["lead", "manage"]

    chosen = translate.prefer_senses(stream, lambda words: {"who": None}.get(words, False), alternatives)
    assert "^dirigir<vblex><pri><p3><sg>/lead<vblex><pri><p3><sg>$" in chosen  # the first, with the tags
    assert asked == [("dirigir", "vblex")]
    # A translation the documents use is kept, and without alternatives nothing changes.
    assert translate.prefer_senses(stream, lambda words: words == "direct" or None, alternatives) == stream
    assert translate.prefer_senses(stream, lambda words: False) == stream
    # Through the real Apertium: the word is inflected as the translation was.
    question = "¿Quién dirige el proyecto?"
    assert translator().translate(question, SPANISH, ENGLISH) == "Who directs the project?"
    assert translator().translate(question, SPANISH, ENGLISH, lambda w: w != "direct",
                                  lambda lemma, part: ["lead"]) == "Who leads the project?"


def test_a_word_the_documents_use_far_more_takes_the_place_of_the_dictionarys():
    stream = "^ingreso<n><m><sg>/entry<n><sg>$ ^neto<adj><m><sg>/net<adj>$"
    passages = {"entry": 3, "income": 900, "net": 800}

    def alternatives(lemma, part):
        return ["income"] if (lemma, part) == ("ingreso", "n") else []

    alternatives.used = lambda word: passages.get(word, 0)
    chosen = translate.prefer_senses(stream, lambda words: words in passages, alternatives)
    assert "^ingreso<n><m><sg>/income<n><sg>$" in chosen and "^neto<adj><m><sg>/net<adj>$" in chosen
    passages["entry"] = 100  # used in a ninth as many passages: not far enough apart to overrule the dictionary
    assert translate.prefer_senses(stream, lambda words: words in passages, alternatives) == stream
    # Through the real Apertium.
    passages["entry"] = 3
    question = "¿Cuál fue el ingreso neto?"
    assert "net entry" in translator().translate(question, SPANISH, ENGLISH)
    assert "net income" in translator().translate(question, SPANISH, ENGLISH, lambda words: words in passages or None,
                                                  alternatives)


def test_a_spanish_question_is_read_in_the_words_its_folder_uses(tmp_path, real_embedder):
    readings = _readings(tmp_path, real_embedder, "¿Quién dirige la agencia?", {
        "leads": "A council of five members leads the agency and reports to parliament.\n",
        "directs": "A council of five members directs the agency and reports to parliament.\n"})
    assert readings == {"leads": "Who leads the agency?", "directs": "Who directs the agency?"}


def test_a_spanish_questions_subject_after_its_verb_is_read_before_it():
    # Apertium kept the Spanish order and wrote a subject of its own: "When it died Pedro Ruiz?".
    def english(question):
        return translator().translate(question, SPANISH, ENGLISH)

    assert english("¿Cuándo murió Pedro Ruiz?") == "When Pedro Ruiz died?"
    assert english("¿Dónde vive el presidente de la empresa?") == "Where the president of the company lives?"
    assert english("¿Cuándo se fundó la empresa?") == "When the company was founded?"
    # A noun phrase that does not agree with the verb is not its subject, and stays where it is.
    assert english("¿Cómo vende los libros?") == "How it sells the books?"
    # Not after "quién" or "qué", which may be the subject themselves, nor inside a hyphenated name.
    assert english("¿Quién fundó la empresa?") == "Who founded the company?"
    assert english("¿Cuándo se añadió Mobile-ID?").startswith("When it was added Mobile")


def test_a_word_the_dictionary_does_not_know_takes_the_documents_word_it_is_plainly_a_form_of():
    words = ["reintroduced", "reintroduction", "confucianism", "interest", "islam"]
    known, alternatives = translate.word_choices(lambda token: 1, {}, translate.cognate_index(words))
    assert alternatives("reintrodujeron", "") == ["reintroduced"]  # "reintroduction" shares too little of itself
    assert alternatives("confucianismo", "") == ["confucianism"]
    assert alternatives("interétnico", "") == []  # "interest" shares its start but not most of the word
    assert alternatives("islam", "") == []  # the documents' own word: nothing to replace
    # In Apertium's stream a word it does not know is "*word"; a capitalised one is a name, typed as the asker
    # knows it, and stays.
    stream = "^*reintrodujeron/*reintrodujeron$ ^*Boleslaw/*Boleslaw$"
    assert translate.prefer_senses(stream, known, lambda word, part: [word[:4] + "X"]) == \
        "^*reinX/*reinX$ ^*Boleslaw/*Boleslaw$"
    # Among words that share as much, the documents' most used.
    used = lambda word: {"estonia": 5, "estonian": 2}[word.lower()]
    assert translate.cognate("estonias", [("estonian", "estonian"), ("estonia", "Estonia")], used) == \
        ["Estonia", "estonian"]


def test_a_spanish_question_with_a_word_apertium_lacks_is_read_in_the_documents_word(tmp_path, real_embedder):
    readings = _readings(tmp_path, real_embedder, "¿Qué prácticas reintrodujeron los Yuan?", {
        "yuan": "The Yuan reintroduced Confucian court practices in the capital.\n",
        "other": "The Yuan ruled China from the capital.\n"})
    assert "reintroduced" in readings["yuan"]
    assert "reintrodujeron" in readings["other"]  # no such word there: left as typed (its Spanish stem is searched)


def test_a_spanish_questions_own_words_are_searched_apart_from_its_english_reading(tmp_path, real_embedder):
    # A Spanish passage is indexed with its translation's words and its own; searched with both at once, a Spanish
    # question matched it twice where an English passage matches once, and a long Spanish manual beside the paper
    # took the first citation of paper questions. A passage now scores the better of the two searches.
    from assistant.text import search_tokens, spanish_tokens

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    shutil.copy(APT_MANUAL, corpus / APT_MANUAL.name)
    assistant = indexed_assistant(corpus, tmp_path / "index", real_embedder)
    question = "¿Qué prioridad tiene una versión de la distribución de destino?"
    english = assistant.in_english(question, [])[1]
    own = frozenset(spanish_tokens(question)) - set(search_tokens(english))
    tokens = search_tokens(english) + sorted(own)
    retriever = assistant._reader.retriever
    both = dict(retriever.sparse(tokens, 20))
    apart = (dict(retriever.sparse([t for t in tokens if t not in own], 20)), dict(retriever.sparse(sorted(own), 20)))
    hits = retriever.search(assistant.embedder.encode_query(english), tokens, apart=own)
    spanish = [h for h in hits if h.chunk.source == APT_MANUAL.name and h.sparse_score]
    assert spanish and own
    for hit in spanish:
        i = assistant.store.chunks.index(hit.chunk)
        assert hit.sparse_score == pytest.approx(max(apart[0].get(i, 0.0), apart[1].get(i, 0.0)))
    assert any(both.get(assistant.store.chunks.index(h.chunk), 0.0) > h.sparse_score + 1e-6 for h in spanish)


def test_a_spanish_question_on_the_english_paper_gets_the_english_sentence_and_a_labelled_translation(
        paper_assistant):
    answer = paper_assistant.ask("¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    assert not answer.abstained and "2013" in answer.answer
    text = PAPER.read_text(encoding="utf-8")
    first = answer.citations[0]
    assert text[first.start:first.end] == first.quote == answer.answer  # the quote is the document's own words
    assert answer.language == SPANISH and answer.read_as.startswith("When")
    assert answer.translation.label == "Traducción automática" and "2013" in answer.translation.text
    data = answer.to_dict()
    assert data["translation"]["target_language"] == SPANISH and data["answer"] == first.quote

    # retrieve() (what eval's recall measures) searches as ask() does: the passage cited is the first hit. It
    # searched the Spanish words as typed before, and an English passage shares none of them but names.
    question = "¿Qué porcentaje de estudiantes no tenía acceso suficiente a la tecnología?"
    cited = paper_assistant.ask(question).citations[0]
    best = paper_assistant.retrieve(question)[0].chunk
    assert best.start <= cited.start < best.end


def test_the_askers_words_choose_among_the_translations_of_an_answer_word():
    # Apertium's dictionary gives "quarter" as "barrio" first; a question about the "trimestre" reads it so.
    english = "Acme's sales rose 4% in the third quarter."
    assert "barrio" in translator().translate(english, ENGLISH, SPANISH)
    spanish = translator().translate(english, ENGLISH, SPANISH,
                                     known=words_of("¿Cuánto subieron las ventas en el tercer trimestre?", SPANISH))
    assert "tercer trimestre" in spanish and "barrio" not in spanish
    # A question that names none of a word's translations leaves Apertium's choice alone.
    assert translator().translate(english, ENGLISH, SPANISH, known=words_of("¿Qué vendió Acme?", SPANISH)) == \
        translator().translate(english, ENGLISH, SPANISH)


def test_an_english_past_tense_is_translated_as_one():
    # Apertium's tagger reads "marked" after a long subject as a participle ("marcado"); spaCy reads the tense.
    spanish = translator().translate("The opening of the new harbour in 2016 marked a turning point for the town.",
                                     ENGLISH, SPANISH)
    assert "marcó" in spanish and "marcado" not in spanish
    assert "creó" in translator().translate("Acme created a fund.", ENGLISH, SPANISH)
    # A participle stays one.
    assert "marcado" in translator().translate("The crate was marked fragile.", ENGLISH, SPANISH)


def test_spacys_word_classes_choose_among_apertiums_readings_of_an_english_word():
    # Apertium's tagger reads "like" as the verb ("A Ciudades les gustan ...") and "Cost" as a verb; spaCy's tagger
    # reads a preposition and a noun.
    assert translator().translate("Many others like Columbus sailed west.", ENGLISH, SPANISH).startswith(
        "Muchos otros como Colón")  # Apertium's own tagger: "Muchos a otros les gusta Colón"
    assert translator().translate("Cost of sales", ENGLISH, SPANISH) == "Coste de ventas"
    # A noun before a noun keeps its adjective reading, and an ordinal stays one.
    assert "Agencia Espacial" in translator().translate("The Space Agency was founded.", ENGLISH, SPANISH)
    assert translator().translate("The second law holds.", ENGLISH, SPANISH).startswith("La segunda ley")


def test_an_answers_translation_uses_the_words_of_the_spanish_question(tmp_path, real_embedder):
    assistant = assistant_over(tmp_path, real_embedder, {"report.md": (
        "# Quarterly report\n\nAcme's sales rose 4% in the third quarter, driven by its harbour cranes.\n\n"
        "The company opened two new depots in the north of the country.\n")})
    answer = assistant.ask("¿Cuánto subieron las ventas de Acme en el tercer trimestre?")
    assert not answer.abstained and "third quarter" in answer.answer
    assert "tercer trimestre" in answer.translation.text and "barrio" not in answer.translation.text


def test_a_table_row_is_translated_cell_by_cell_with_its_figures_as_printed():
    def to_spanish(text: str) -> str:
        return translator().translate(text, ENGLISH, SPANISH)

    row = ("Inventories | Three Months Ended March 31, 2024: $1,234 | Three Months Ended March 31, 2023: (56) | "
           "As of December 31, 2023: 7.5 %")
    # As one text, Apertium reads the cells as one sentence: words leave their cells and "March" stays English.
    assert "March" in to_spanish(row)
    cells = translate_row(row, to_spanish, SPANISH).split(" | ")
    assert cells[0] == to_spanish("Inventories") and len(cells) == 4
    assert cells[1].endswith("31 de marzo de 2024: $1,234") and "hasta el" in cells[1]
    assert cells[2].endswith("31 de marzo de 2023: (56)")
    assert cells[3] == "al 31 de diciembre de 2023: 7.5 %"
    # A Markdown table's row is held tab-separated; the other way, a Spanish row's words are translated alone too.
    assert translate_row("Ventas netas\t31 de marzo de 2024\t1.234", lambda t: translator().translate(
        t, SPANISH, ENGLISH), ENGLISH) == "Net sales | 31 March 2024 | 1.234"


def test_a_rows_label_that_is_a_finance_term_is_translated_as_the_term():
    def to_spanish(text: str) -> str:
        return translator().translate(text, ENGLISH, SPANISH)

    # Apertium alone: "Operando ingresos", "Búsqueda y desarrollo", "Ingresos netos" (net income is no revenue).
    row = "Changes: Operating income | Three Months Ended March 31, 2024: $1,234 | Research and development: 56"
    cells = translate_row(row, to_spanish, SPANISH).split(" | ")
    assert cells[0].endswith(": Utilidad de operación") and cells[2] == "Investigación y desarrollo: 56"
    assert translate_row("Net income | 2024: 7", to_spanish, SPANISH) == "Utilidad neta | 2024: 7"
    assert translate_row("net cash | 2024: 7", to_spanish, SPANISH).startswith("efectivo neto |")
    # A label that only holds a term is translated by Apertium, as before.
    assert translate_row("Research and development expenses | 2024: 7", to_spanish, SPANISH).split(" | ")[0] == \
        to_spanish("Research and development expenses")


def test_a_spanish_question_answered_by_a_table_row_gets_the_rows_cells_in_spanish(tmp_path, real_embedder):
    assistant = assistant_over(tmp_path, real_embedder, {"report.md": (
        "# Acme quarterly report\n\nAcme makes harbour cranes and sells them in four countries.\n\n"
        "| Item | Three Months Ended March 31, 2024 | Three Months Ended March 31, 2023 |\n| --- | --- | --- |\n"
        "| Net sales | $1,234 | $1,100 |\n| Operating expenses | $456 | $430 |\n")})
    answer = assistant.ask("¿Cuáles fueron las ventas netas de Acme?")
    assert not answer.abstained and answer.citations[0].kind == "row" and "$1,234" in answer.answer
    assert answer.translation.text == "Ventas netas | $1,234 | $1,100"


def test_a_spanish_question_that_names_its_subject_is_not_read_as_a_follow_up(paper_assistant):
    # Apertium writes "it" for Spanish's unstated subject; after an earlier turn that "it" was taken for a pronoun
    # and replaced: "When the Federal Institute of Telecommunications died Octavio Paz?".
    earlier = ["¿Cuándo se creó el Instituto Federal de Telecomunicaciones?"]
    named = paper_assistant.ask("¿Cuándo murió Octavio Paz?", earlier)
    assert "Telecommunications" not in named.read_as and "Octavio Paz" in named.read_as
    # A follow-up that names nothing still points at the earlier turn.
    follow_up = paper_assistant.ask("¿Y cuándo empezó a funcionar?", earlier)
    assert "Telecommunications" in follow_up.read_as


def test_a_spanish_follow_up_with_an_unstated_subject_asks_about_the_earlier_one(paper_assistant):
    # Before, "¿Con quién colabora?" read "With who collaborates?" whatever came before it, and the clitic of
    # "¿Para qué los usan?" ("For what use them?") took the earlier subject, the cities.
    partner = paper_assistant.ask("¿Con quién colabora?", ["¿Qué hace el INSA?"])
    assert "INSA" in partner.read_as
    assert not partner.abstained and "private startups" in partner.answer
    use = paper_assistant.ask("¿Para qué los usan?", ["¿Qué ciudades instalan sensores IoT?"])
    assert use.read_as == "For what use sensors?"
    assert not use.abstained and "traffic management" in use.answer


def test_a_question_typed_without_accents_is_answered_as_the_accented_one(paper_assistant):
    # Read word by word as typed, it was "When I create the Federal Institute of Telecommunications?".
    accented = paper_assistant.ask("¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    plain = paper_assistant.ask("Cuando se creo el Instituto Federal de Telecomunicaciones?")
    assert plain.read_as == accented.read_as and "created" in plain.read_as
    assert plain.answer == accented.answer and "2013" in plain.answer and plain.language == SPANISH
    # A follow-up typed so, after an earlier turn typed so, asks about what the earlier turn named.
    follow_up = paper_assistant.ask("Cuando se creo?", ["Que es el Instituto Federal de Telecomunicaciones?"])
    assert "Telecommunications" in follow_up.read_as and "2013" in follow_up.answer


def test_a_question_typed_without_n_tilde_is_answered_as_the_one_typed_with_it(paper_assistant):
    # "En que ano ..." read "In which anus ...?"; the paper never speaks of an anus, so "ano" is read as "año".
    typed = paper_assistant.ask("En que ano se creo el Instituto Federal de Telecomunicaciones?")
    assert "year" in typed.read_as and "anus" not in typed.read_as
    assert typed.answer == paper_assistant.ask("¿En qué año se creó el Instituto Federal de Telecomunicaciones?").answer
    assert "2013" in typed.answer and typed.language == SPANISH


def test_a_spanish_question_the_paper_does_not_answer_is_declined_in_spanish(paper_assistant):
    answer = paper_assistant.ask("¿Cuántas torres 5G ha instalado México?")
    assert answer.abstained and answer.answer is None and answer.translation is None
    assert answer.message in {messages.text(key, SPANISH)
                              for key in ("not_close", "unknown_term", "type_missing", "number_missing")} \
        or answer.message == messages.text("unknown_named", SPANISH, terms="«5G»")


def test_a_declined_spanish_question_is_not_told_it_names_the_translators_word(tmp_path, real_embedder):
    # Apertium writes "Secretariat" for "Secretaría" where the notes say "Ministry": no name the user typed is
    # missing, so the message must not say so; a name typed that the notes lack still is.
    assistant = assistant_over(tmp_path, real_embedder, {"notes.md": (
        "# Valmar\n\nThe Ministry of Health of Valmar opened twelve clinics in 2021. Each clinic has a pharmacy "
        "and a small laboratory.\n\nThe river port of Valmar handles grain and timber.\n")})
    budget = assistant.ask("¿Cuál es el presupuesto de la Secretaría de Salud?")
    assert "Secretariat" in budget.read_as
    assert budget.abstained and budget.message and "nunca mencionan" not in budget.message
    assert "Secretariat" not in budget.message
    assert assistant.ask("¿Quién dirige la Secretaría de Salud de Tidewatch?").message == \
        messages.text("unknown_named", SPANISH, terms="«Tidewatch»")
    assert assistant.ask("What is the budget of the Secretariat of Health?").message == \
        messages.text("unknown_named", ENGLISH, terms="“Secretariat”")  # typed in English: the user's word


def test_a_spanish_file_is_read_again_when_its_translations_would_read_differently(tmp_path, real_embedder,
                                                                                   monkeypatch):
    from assistant import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notas.md").write_text(  # (over MIN_DETECT_CHARS: enough text to tell its language)
        "# Valmar\n\nEl puerto de Valmar exporta grano y madera desde 1990. Cada barco que atraca en sus muelles "
        "paga una tasa por tonelada, y el ayuntamiento invierte lo recaudado en dragar el río y en mantener los "
        "almacenes del puerto.\n", encoding="utf-8")
    (corpus / "notes.md").write_text("# Notes\n\nThe river port of Valmar handles grain and timber.\n",
                                     encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")

    def without_apertium(chunks):
        if any(c.language != ENGLISH for c in chunks):
            raise TranslationUnavailable("Spanish needs Apertium")
        return chunks

    # Built where Apertium is missing: indexed untranslated, and not read again while it stays missing.
    with monkeypatch.context() as m:
        m.setattr(build, "translate_chunks", without_apertium)
        m.setattr(build, "apertium_available", lambda: False)
        assert build.build_index(settings, real_embedder).added == ["notas.md", "notes.md"]
        assert build.build_index(settings, real_embedder).chunks_embedded == 0
    # Apertium installed: the Spanish file is read again and translated; the English one is not touched.
    report = build.build_index(settings, real_embedder)
    assert report.changed == ["notas.md"] and report.unchanged == ["notes.md"]
    assert build.build_index(settings, real_embedder).chunks_embedded == 0
    # A translator whose rules changed since: read again once.
    monkeypatch.setattr(build, "TRANSLATION_VERSION", build.TRANSLATION_VERSION + 1)
    report = build.build_index(settings, real_embedder)
    assert report.changed == ["notas.md"] and report.unchanged == ["notes.md"] and report.chunks_embedded > 0
    assert build.build_index(settings, real_embedder).chunks_embedded == 0
    assistant = indexed_assistant(corpus, tmp_path / "index", real_embedder)
    assert all(c.translations for c in assistant.store.chunks if c.source == "notas.md")


@pytest.fixture(scope="module")
def spanish_doc_assistant(tmp_path_factory, real_embedder):
    base = tmp_path_factory.mktemp("es")
    return indexed_assistant(SPANISH_DOC, base / "index", real_embedder)


def test_a_spanish_document_is_indexed_with_english_translations_and_spanish_stems(spanish_doc_assistant):
    chunks = spanish_doc_assistant.store.chunks
    assert chunks and all(c.language == SPANISH for c in chunks)
    text_chunks = [c for c in chunks if c.kind == "text"]
    assert all(len(c.translations) == len(c.units) for c in text_chunks)
    assert any("es:" in t for t in text_chunks[0].index_tokens())


def test_an_english_question_finds_the_spanish_sentence_and_translates_it(spanish_doc_assistant):
    answer = spanish_doc_assistant.ask("Which metals were mixed to make bronze?")
    assert not answer.abstained and "cobre" in answer.answer and "estaño" in answer.answer
    first = answer.citations[0]
    text = (SPANISH_DOC / first.source).read_text(encoding="utf-8")
    assert text[first.start:first.end] == first.quote  # offsets point at the Spanish original
    assert answer.language == ENGLISH and answer.translation.label == "Machine translation"
    assert "copper" in answer.translation.text.lower()


def test_without_apertium_a_spanish_question_gets_one_sentence_and_english_keeps_working(paper_assistant,
                                                                                           monkeypatch):
    monkeypatch.setattr(translate, "apertium_available", lambda: False)
    with pytest.raises(TranslationUnavailable, match="^Spanish needs .* apertium-eng-spa"):
        paper_assistant.ask("¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    assert "2013" in paper_assistant.ask("When was the Federal Telecommunications Institute created?").answer


def test_a_pdf_with_an_english_page_and_a_spanish_page_is_read_page_by_page(tmp_path, real_embedder):
    from pdf_factory import make_pdf

    english = ["The port of Valmar handles grain and timber for the northern provinces.",
               "Its harbour master publishes the tide tables every Monday morning.",
               "Pilots guide every vessel longer than ninety metres into the inner basin.",
               "The port authority was founded in 1887 by the merchants of the town."]
    spanish = ["El puerto de Valmar abrió una nueva terminal de contenedores en 2019.",
               "La terminal tiene tres grúas y puede atender dos buques a la vez.",
               "Los camiones entran por una puerta automática que lee sus matrículas.",
               "La autoridad portuaria cobra una tasa por cada contenedor que descarga."]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "valmar.pdf").write_bytes(make_pdf([english, spanish]))
    assistant = indexed_assistant(corpus, tmp_path / "index", real_embedder)
    by_page = {c.page: c.language for c in assistant.store.chunks}
    assert by_page == {1: ENGLISH, 2: SPANISH}
    # An English question finds the Spanish page: the quote is the Spanish sentence, page 2, translation labelled.
    answer = assistant.ask("When did the port open a new container terminal?")
    assert not answer.abstained and "2019" in answer.answer and "terminal de contenedores" in answer.answer
    assert answer.citations[0].page == 2 and answer.translation.label == "Machine translation"
    # A Spanish question finds the English page, quoted in English with a Spanish translation under it.
    founded = assistant.ask("¿Cuándo se fundó la autoridad portuaria?")
    assert not founded.abstained and "1887" in founded.answer and founded.citations[0].page == 1
    assert founded.translation.label == "Traducción automática"


def test_questions_about_the_document_asked_in_spanish_are_answered_from_its_opening(tmp_path, real_embedder):
    # Apertium reads "¿De qué trata este informe?" as "Of what treats this report?" and "¿Cuándo se escribió este
    # informe?" as "When this report was written?": neither was taken for a question about the document (R87).
    from assistant.about import about_kind

    assert about_kind("Of what treats this manual?") == "subject" and about_kind("On what is this text?") == "subject"
    assert about_kind("When this manual was written?") == "date"
    assert about_kind("Of what treats the chapter on tariffs?") is None  # it names a topic of its own
    assistant = assistant_over(tmp_path, real_embedder, {"harbour.md": (
        "# Harbourtown berth report\n\nMaria Lindqvist\n\nMarch 2024\n\n## Summary\n\nThis report reviews how ships "
        "booked berths at Harbourtown in 2023 and how long they waited for one.\n\n## Waiting times\n\nShips waited "
        "four hours on average, and the longest wait was two days in November.\n")})
    subject = assistant.ask("¿De qué trata este informe?")
    assert not subject.abstained and subject.answer.startswith("This report reviews how ships booked berths")
    date = assistant.ask("¿Cuándo se escribió este informe?")
    assert not date.abstained and date.answer == "March 2024"


def test_an_answer_that_reads_the_same_in_the_askers_language_gets_no_translation_line(tmp_path, real_embedder):
    # "Traducción automática: **Ann Lee**" under the quote "**Ann Lee**" tells the reader nothing.
    assistant = assistant_over(tmp_path, real_embedder, {"cranes.md": (
        "# Harbour cranes of Valmar\n\n**Ann Lee**\n\n## Summary\n\nThe port of Valmar bought four electric cranes "
        "in 2021 to replace its diesel fleet.\n")})
    author = assistant.ask("¿Quién escribió este documento?")
    assert not author.abstained and author.answer == "**Ann Lee**" and author.translation is None
    bought = assistant.ask("¿Cuándo compró el puerto de Valmar las grúas eléctricas?")
    assert not bought.abstained and "2021" in bought.answer
    assert bought.translation.label == "Traducción automática" and bought.translation.text != bought.answer
