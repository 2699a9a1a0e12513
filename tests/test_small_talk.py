"""Small talk in the chat ("Hi", "Thanks", "What can you do?"): a reply of the assistant's own, never a quote (R120)."""

from __future__ import annotations

from assistant import messages
from assistant.cli import format_answer
from assistant.small_talk import small_talk
from assistant.translate import ENGLISH, SPANISH
from assistant.ui import Turn, transcript_markdown

from conftest import assistant_over


def test_small_talk_is_told_from_questions():
    kinds = {"Hi": "greeting", "Hello!": "greeting", "Good morning": "greeting", "Hola": "greeting",
             "Buenos días": "greeting", "Thanks!": "thanks", "Thank you very much.": "thanks", "Gracias": "thanks",
             "Muchas gracias": "thanks", "OK": "ack", "Vale": "ack", "What can you do?": "about",
             "¿Qué puedes hacer?": "about", "Who are you?": "about"}
    for text, kind in kinds.items():
        assert small_talk(text) == kind, text
    for question in ("Hello World", "Thanks to whom did Acme grow?", "What can Acme do?", "OK Google",
                     "Who are the founders?", "¿Quién eres tú en esta historia, Ann Lee?"):
        assert small_talk(question) is None, question


def test_small_talk_gets_a_reply_of_our_own_in_its_language(tmp_path, real_embedder):
    assistant = assistant_over(tmp_path, real_embedder, {"port.md": (
        "# Harbourtown port\n\nThe port of Harbourtown opened in 1872. It handles grain and timber.\n")})
    hello = assistant.ask("Hi")
    assert hello.conversational and hello.abstained and not hello.citations and hello.answer is None
    assert hello.message == messages.text("small_talk_greeting", ENGLISH) and hello.language == ENGLISH
    thanks = assistant.ask("Gracias", ["¿Cuándo abrió el puerto?"])
    assert thanks.conversational and thanks.message == messages.text("small_talk_thanks", SPANISH)
    assert format_answer(thanks) == thanks.message  # the command line prints the reply alone
    markdown = transcript_markdown([Turn("Gracias", thanks)])
    assert thanks.message in markdown and messages.text("abstained", SPANISH) not in markdown
    # A question is still a question.
    answer = assistant.ask("When did the port of Harbourtown open?")
    assert not answer.conversational and "1872" in answer.answer
