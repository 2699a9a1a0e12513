"""'What is X?' questions and the sentences that define X (assistant/definitions.py), and the reader answering
with such a sentence where the model alone declines it."""

import pytest

from assistant import messages
from assistant.definitions import acronym_asked, defined_term, defines, is_about

from conftest import ROOT, assistant_over, indexed_assistant


@pytest.mark.parametrize("question, term", [
    ("What is Tidewatch?", "Tidewatch"),
    ("What are the harbour pilots?", "harbour pilots"),
    ("what was the Berth Levy ?", "Berth Levy"),
    ("What is the budget of the port?", None),  # an attribute of something, not a definition
    ("What is the port's income?", None),
    ("What is this report about?", None),
    ("What is the name of the first harbour master of the town?", None),  # more than four words
    ("Who runs Tidewatch?", None),
    ("What is the strongest harbour crane?", None),  # a superlative asks which one, not what it is
    ("What is the first berth?", None),
    ("What are classified as heavy vessels?", None),
    ("What is a roll-on/roll-off ferry?", "roll-on/roll-off ferry"),
    ("What is a state-of-the-art crane?", "state-of-the-art crane"),  # "of" inside a word is no preposition
    # A present participle with its subject asks what something does, not what it is.
    ("What are the pilots planning?", None),
    ("What is Tidewatch developing?", None),
    ("What are the rebels building?", None),
    ("What is causing the delay?", None),
    ("What is machine learning?", "machine learning"),
    ("What is crowdfunding?", "crowdfunding"),
    ("What is e-ticketing?", "e-ticketing"),
    # A clause with its own subject picks some of the things out: which ones, not what they are.
    ("What are the main risks the port faces?", None),
    ("What is the fee Tidewatch charged?", None),
    ("What are the berths?", "berths"),
    # An adjective that picks a value asks for the value: the answer is the setting's row, not a definition.
    ("What is the default berth fee?", None),
    ("What is the total tonnage?", None),
    ("What is the current harbour master?", None),
    ("What is a net?", "net"),  # the word alone is the term
    ("What is the total?", "total"),
])
def test_a_definition_question_names_the_term_it_asks_about(question, term):
    assert defined_term(question) == term


@pytest.mark.parametrize("question, acronym", [
    ("What does HPA stand for?", "HPA"),
    ("What does the acronym HPA stand for?", "HPA"),
    ("What did HPA originally stand for?", "HPA"),
    ("What is HPA short for?", "HPA"),
    ("HPA is an abbreviation of what?", "HPA"),
    ("What is the full name of HPA?", "HPA"),
    ("What does HPA mean?", "HPA"),
    ("What means the abbreviation HPA?", "HPA"),  # Apertium's English of "¿Qué significa la abreviatura HPA?"
    ("What does R&D stand for?", "R&D"),
    ("What does B.I.C. stand for?", "B.I.C"),
    ("What does resilience mean?", None),  # a word, not an acronym: a definition question
    ("What is HPA?", None),
    ("Who runs the HPA?", None),
])
def test_a_question_for_what_an_acronym_stands_for_names_it(question, acronym):
    assert acronym_asked(question) == acronym


@pytest.mark.parametrize("term, sentence, previous, expected", [
    ("Tidewatch", "Tidewatch is the shared booking platform of the harbour.", "", True),
    ("Tidewatch", "**Tidewatch** (TW), the port's platform, was launched in 2016.", "", True),
    ("berth levy", "The main income of the port is the berth levy, which charges every vessel.", "", True),
    ("berth levies", "The berth levy is a charge on every vessel.", "", True),  # singular or plural
    ("Tidewatch", "The Tidewatch platform is maintained by the port authority.", "", True),
    ("silt", "The concept of silt refers to fine sediment.", "", True),
    ("TW", "The shared booking platform, known in the port as TW, opened in 2016.", "", True),
    ("Tidewatch", "Vessels book their berths through Tidewatch.", "", False),  # names it, says nothing of it
    ("port authority", "The port authority holds the records of every vessel.", "", False),  # "holds" is no copula
    # What a thing has or does describes it too, with the term as the subject.
    ("heavy vessels", "Heavy vessels have a draught of more than ten metres.", "", True),
    ("night pilotage", "Night pilotage involves two pilots on the bridge.", "", True),
    ("Tidewatch", "The Tidewatch platform allows agents to book a berth online.", "", True),
    ("Tidewatch", "Agents have booked their berths through Tidewatch since 2016.", "", False),
    ("Tidewatch", "It is a platform that pilots use.", "The harbour opened Tidewatch.", True),
    ("harbour", "It is a platform that pilots use.", "The harbour opened a platform for its pilots in 2016.", False),
    ("HMO", "Berths are assigned by the Harbour Master's Office (HMO) each morning.", "", True),
    ("HMO", "Berths are assigned by the harbour master, known by its acronym HMO.", "", True),
    ("berth levy", "The charge on every vessel is called the berth levy.", "", True),
    ("slipway", "Boats are hauled up a ramp, sometimes labeled as a slipway on old charts.", "", True),
    ("berth levy", "Every vessel pays the berth levy.", "", False),
    # Contracts and licences put the term in quotation marks and say "shall mean" (Apache License 2.0, MPL 2.0).
    ("Harbour User", '"Harbour User" shall mean any person who moors a vessel.', "", True),
    ("mooring form", '"Mooring" form shall have the meaning given in clause 4.', "", True),
    ("Harbour User", '1.1. \u201cHarbour User\u201d\n    means any person who moors a vessel.', "", True),
    ("Operator", 'A "Harbour User" shall mean the Operator and any person it admits.', "", False),
])
def test_a_sentence_defines_a_term_by_its_structure(term, sentence, previous, expected):
    assert defines(term, sentence, previous) is expected


@pytest.mark.parametrize("term, sentence, expected", [
    ("Tidewatch", "Tidewatch went live in 2016.", True),
    ("Tidewatch", "The new Tidewatch platform went live in 2016.", True),
    ("Tidewatch", "Vessels book their berths through Tidewatch.", False),
    ("berth levy", "In 1994 the port introduced the berth levy.", False),
])
def test_a_sentence_is_about_the_term_it_opens_with(term, sentence, expected):
    assert is_about(term, sentence) is expected


def test_a_term_a_licence_defines_in_quotation_marks_is_answered(tmp_path, real_embedder):
    # Every "What is T?" over the Apache License was declined as "not about the term", though the sentence that
    # defines it was read: the term stood in quotation marks, which the patterns did not see.
    licence = ('   1. Definitions.\n\n      "Harbour User" shall mean any person or company that moors a vessel\n'
               '      at a berth of the Port, whether for a day or for a season.\n\n'
               '      "Berth Fee" shall mean the charge per metre of vessel length that a\n'
               '      Harbour User pays for each night at a berth.\n\n'
               '   2. Fees. Each Harbour User shall pay the Berth Fee before leaving the\n'
               '      Port, and the Port may refuse a berth to a Harbour User who has not.\n')
    assistant = assistant_over(tmp_path, real_embedder, {"port-terms.txt": licence})
    for question, defined in (("What is a Harbour User?", '"Harbour User" shall mean'),
                              ("What is the Berth Fee?", '"Berth Fee" shall mean')):
        answer = assistant.ask(question)
        assert not answer.abstained and answer.answer.startswith(defined), (question, answer)
        assert licence[answer.citations[0].start:answer.citations[0].end] == answer.citations[0].quote
    assert assistant.ask("What is a Harbour Master?").abstained  # never defined: still declined


def test_a_definition_the_model_declines_is_the_answer(tmp_path, real_embedder):
    # Over the Estonia paper (a tuning document) the model alone declined "What is X-Road?" (0.15) and
    # "What is e-Residency?" (0.10) although each section opens by saying what it is.
    from assistant.evaluate import copy_corpus

    corpus = copy_corpus(["tests/gold/tuning/estonia/corpus"], ROOT, tmp_path / "corpus")
    assistant = indexed_assistant(corpus, tmp_path / "index", real_embedder)
    for question, defined in (("What is X-Road?", "X-Road is the"), ("What is e-Residency?", "e-Residency was")):
        answer = assistant.ask(question)
        assert not answer.abstained and answer.answer.startswith(defined)
    assert assistant.ask("What is the Schengen Area?").abstained  # never mentioned: still declined
    # Named but never said what it is: the sentences that mention it are not an answer (answered before).
    mentioned = assistant.ask("What is the European Union?")
    assert mentioned.abstained and mentioned.message == messages.text("not_close", "en")


def test_a_question_about_what_something_is_doing_is_not_a_definition_question(paper_assistant):
    # Before, "What is INSA developing?" was read as "What is T?" with T = "INSA developing" and declined (at an
    # answer probability of 0.71) because the sentence about INSA's programmes does not say what that T is.
    answer = paper_assistant.ask("What is INSA developing?")
    assert not answer.abstained and "nanosatellite" in answer.answer


def test_a_question_for_the_things_a_clause_picks_out_is_not_a_definition_question(paper_assistant):
    # Before, "What are the main challenges Mexico faces?" was read as "What is T?" and declined (at an answer
    # probability of 0.50) because the sentence on Mexico's challenges does not say what "main challenges ..." are.
    answer = paper_assistant.ask("What are the main challenges Mexico faces?")
    assert not answer.abstained and "digital inequality" in answer.answer


SETTINGS = """# Harbourtown berth booking: settings

| setting | meaning |
| --- | --- |
| `BERTH_WINDOW` | hours a booking holds a berth (default 6) |
| `BERTH_QUEUE` | where waiting vessels are listed: `tidewatch` (default) or `paper`, the harbour office's ledger |
| `BERTH_PREFIX` | name prefix of the booking records (default `hbt`): `<prefix>_bookings` and `<prefix>_log` |

Bookings made outside the window are refused with a message that names the next free hour.
"""


def test_a_question_for_a_default_value_is_answered_by_the_row_that_gives_it(tmp_path, real_embedder):
    """"What is the default X?" asks for a value, so it is no "What is T?" question: the row answers although it
    does not open with the term (found on a settings table, 2026-12-04 seventh session; docs/answering.md)."""
    assistant = assistant_over(tmp_path, real_embedder, {"settings.md": SETTINGS})
    answer = assistant.ask("What is the default record name prefix?")
    assert not answer.abstained, answer.message
    assert "BERTH_PREFIX" in answer.citations[0].quote
