"""Requests to go on after an answer ("Tell me more", "¿Qué más?"): what the document says next (R119)."""

from __future__ import annotations

import pytest

from assistant import messages
from assistant.going_on import earlier_question, is_request_to_go_on
from assistant.translate import SPANISH

from conftest import assistant_over

PORT = ("# Harbourtown port\n\n"
        "## History\n\n"
        "The port of Harbourtown opened in 1872. Its first pier was built of oak. "
        "A fire destroyed the pier in 1901.\n\n"
        "## Trade\n\n"
        "Today the port handles grain and timber from the valleys inland.\n\n"
        "## Timeline\n\n"
        "| Year | Event |\n| --- | --- |\n| 1872 | Port opens |\n| 1901 | Pier fire |\n| 1950 | Crane hall built |\n\n"
        "## Cranes\n\n"
        "The crane hall was built in 1950 by the engineer Ann Lee. It holds four steam cranes.\n")
OPENED = "When did the port of Harbourtown open?"


@pytest.fixture(scope="module")
def port(tmp_path_factory, real_embedder):
    return assistant_over(tmp_path_factory.mktemp("port"), real_embedder, {"port.md": PORT})


def test_requests_to_go_on_are_told_from_questions():
    for request in ("Tell me more", "Tell me more.", "Can you tell me more about that?", "What else?", "Go on",
                    "And then?", "Anything else?", "Continue, please", "Cuéntame más", "¿Qué más?", "¿Algo más?",
                    "Dime más, por favor", "¿Me puedes contar más sobre eso?", "Sigue"):
        assert is_request_to_go_on(request), request
    for question in ("Tell me more about Acme", "What else does Acme sell?", "Is there more grain?",
                     "What is more important?", "¿Qué más vende Acme?", "Then what did the fire destroy?"):
        assert not is_request_to_go_on(question), question


def test_the_conversation_goes_on_from_its_latest_question():
    assert earlier_question(["When did it open?"]) == (0, 1)
    assert earlier_question(["When did it open?", "Tell me more", "Go on"]) == (0, 3)
    assert earlier_question(["Who built it?", "When did it open?", "Go on"]) == (1, 2)
    assert earlier_question([]) is None and earlier_question(["Tell me more"]) is None


def test_a_request_to_go_on_answers_with_the_next_sentence_under_the_heading(port):
    first = port.ask(OPENED)
    assert not first.abstained and "1872" in first.answer
    more = port.ask("Tell me more", [OPENED])
    assert not more.abstained and more.answer == "Its first pier was built of oak."
    citation = more.citations[0]
    assert PORT[citation.start:citation.end] == citation.quote == more.answer  # verbatim, at its offsets
    again = port.ask("Go on", [OPENED, "Tell me more"])
    assert again.answer == "A fire destroyed the pier in 1901."
    end = port.ask("What else?", [OPENED, "Tell me more", "Go on"])  # the section ends: "Trade" is another subject
    assert end.abstained and end.message == messages.text("go_on_end_next", section="Trade")
    last = port.ask("Tell me more", ["Who built the crane hall?", "Go on"])  # the document's last section ends
    assert last.abstained and last.message == messages.text("go_on_end")


def test_a_request_to_go_on_with_nothing_to_go_on_from_is_declined_with_its_reason(port):
    alone = port.ask("Tell me more")
    assert alone.abstained and alone.message == messages.text("go_on_nothing")
    # One word alone, before any answer, is a keyword like any other ("continue" in a shell's manual).
    assert port.ask("Continue").message != messages.text("go_on_nothing")
    after_decline = port.ask("Tell me more", ["What is the population of Valmar?"])
    assert after_decline.abstained and after_decline.message == messages.text("go_on_unanswered")


def test_a_spanish_request_to_go_on_gets_the_next_sentence_and_its_translation(port):
    more = port.ask("Cuéntame más", ["¿Cuándo abrió el puerto de Harbourtown?"])
    assert not more.abstained and more.answer == "Its first pier was built of oak."
    assert more.language == SPANISH and more.translation.label == messages.text("translation", SPANISH)
    end = port.ask("¿Qué más?", ["¿Cuándo abrió el puerto de Harbourtown?", "Cuéntame más", "Sigue"])
    assert end.abstained and end.message == messages.text("go_on_end_next", SPANISH, section="Trade")


def test_after_a_table_row_a_request_to_go_on_reads_the_text_about_it(port):
    question = "In which year was the crane hall built?"
    first = port.ask(question)
    assert first.citations[0].kind == "row" and "1950" in first.answer  # the timeline's row answers first
    more = port.ask("Tell me more", [question])
    assert more.citations[0].kind == "text" and "Ann Lee" in more.answer
    assert port.ask("Go on", [question, "Tell me more"]).answer == "It holds four steam cranes."
