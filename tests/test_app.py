"""The Streamlit app, driven by AppTest with the real model: answers, abstentions, rebuilds, uploads, escaping."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant import messages

from conftest import PAPER, make_settings
from assistant import build as build_module
from assistant import ui
from assistant.service import WORKER_PREFIX
from assistant.build import build_index
from pdf_factory import make_pdf

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FTI = "When was the Federal Telecommunications Institute created?"


@pytest.fixture(scope="session")
def paper_index(tmp_path_factory, real_embedder) -> tuple[Path, Path]:
    """The paper's corpus and index, built once; each test works on its own copy."""
    base = tmp_path_factory.mktemp("app-template")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy2(PAPER, corpus / PAPER.name)
    build_index(make_settings(corpus, base / "index"), real_embedder)
    return corpus, base / "index"


@pytest.fixture
def app_paths(tmp_path: Path, monkeypatch, paper_index) -> tuple[Path, Path]:
    """A private copy of the paper's corpus and built index, and the app pointed at it."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(paper_index[0], corpus)  # copy2 keeps mtimes, so the index is not stale
    shutil.copytree(paper_index[1], index, symlinks=True)
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    monkeypatch.setenv("ASSISTANT_INDEX", str(index))
    return corpus, index


@pytest.fixture
def gate(monkeypatch):
    """Index builds wait here until the test sets the event, so a test can act while one is going on."""
    opened = threading.Event()
    real = build_module._build_locked

    def gated(*args, **kwargs):
        assert opened.wait(120), "the test never let the build go on"
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "_build_locked", gated)
    yield opened
    opened.set()


def background_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX) and t.is_alive()]


def settle(at: AppTest, timeout: float = 180) -> AppTest:
    """Wait for the server's background work (model, indexing, suggestions), then draw the page again, as the
    page's own polling would in a browser."""
    deadline = time.monotonic() + timeout
    while True:
        for thread in background_threads():
            thread.join(max(0.0, deadline - time.monotonic()))
        at.run()
        assert not at.exception, at.exception
        if not background_threads() or time.monotonic() > deadline:
            return at


def start_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return settle(at)


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def html_blocks(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.proto.allow_html]


def answer_block(at: AppTest) -> str:
    """The last answer on the page."""
    return [block for block in html_blocks(at) if 'class="qa-answer"' in block][-1]


def plain(markdown: str) -> str:
    """Markdown-escaped text as the user reads it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(elements) -> str:
    return plain("\n".join(str(e.value) for e in elements))


def test_question_renders_answer_with_a_citation_card(app_paths) -> None:
    at = start_app()
    assert at.title[0].value == "Ask your documents"
    assert "1 document" in at.caption[0].value
    assert "Questions can be up to 2,000 characters." in texts(at.caption)  # said under the box
    ask(at, FTI)
    answer = answer_block(at)
    assert "2013" in answer and "[1]" in answer
    cards = [e for e in at.expander if e.label.startswith(r"\[1\]")]
    assert len(cards) == 1 and "Telecommunications Transformation" in cards[0].label
    passage = texts(cards[0].markdown)
    assert "<mark>The creation of the Federal Telecommunications Institute (IFT) in 2013" in passage
    assert "g20-mexico-dpi.md · match score" in texts(cards[0].caption)
    download = at.download_button[0]
    assert download.label == "Download transcript" and not download.proto.disabled  # it holds this answer


def test_a_tell_me_more_button_goes_on_from_the_last_answer(app_paths) -> None:
    at = start_app()
    ask(at, FTI)
    button(at, "Tell me more").click().run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 4 and "monopolies" in answer_block(at)  # the paper's next sentence
    ask(at, "Hi")  # no button after a reply that answers nothing
    assert "Tell me more" not in [b.label for b in at.button]


def test_small_talk_gets_a_reply_and_no_abstention_heading(app_paths) -> None:
    at = start_app()
    ask(at, "Hi")
    reply = texts(at.chat_message[-1].markdown)
    assert messages.text("small_talk_greeting") in reply and messages.text("abstained") not in reply


def test_a_follow_up_is_read_with_the_question_before_it(app_paths) -> None:
    at = start_app()
    ask(at, FTI)
    ask(at, "What did it break?")
    assert len(at.chat_message) == 4  # the first turn is replayed above the new one
    assert "monopolies" in answer_block(at)


def test_questions_about_the_paper_itself_are_answered_from_its_title_block_and_abstract(app_paths) -> None:
    at = start_app()
    ask(at, "What is this paper about?")
    assert "digital public infrastructure" in answer_block(at)
    ask(at, "Who wrote this paper?")
    assert "Poorak Gupta" in answer_block(at)


def test_a_table_row_is_shown_as_a_small_table(app_paths) -> None:
    at = start_app()
    ask(at, "What is the projected CAGR of the digital health market?")
    answer = answer_block(at)
    assert '<table class="qa-row">' in answer
    assert "<tr><th>Metric</th><td>Digital health market</td></tr>" in answer
    # The figure that answers is in bold inside its value.
    assert '<tr><th>Insights</th><td>Projected CAGR of <b class="qa-phrase">8.89%</b> between 2023 and 2027</td></tr>' \
        in answer
    card = next(e for e in at.expander if e.label.startswith(r"\[1\]"))
    assert '<table class="qa-row qa-marked">' in texts(card.markdown)


def test_an_over_long_question_is_refused_in_one_sentence_not_dropped(app_paths) -> None:
    at = start_app()
    assert not at.chat_input[0].proto.max_chars, "Streamlit would cut the question silently"
    question = "Why " * 750
    ask(at, question)
    user, reply = at.chat_message[0], at.chat_message[1]
    assert "(3,000 characters)" in texts(user.caption)  # the question is there, shown cut
    assert texts(reply.warning) == "The question is 3,000 characters long; keep it under 2,000."
    # The same sentence as on the command line, which takes the same limit from the same place.
    ask(at, "   ")
    assert texts(at.chat_message[3].warning) == "The question is empty; type a question about the documents."


def test_an_indexing_run_goes_on_while_questions_are_answered_and_every_tab_sees_it(app_paths, gate) -> None:
    at = start_app()
    at.file_uploader[0].set_value(("ferry.md", b"# Ferries\n\nThe ferry to Isla Mujeres first sailed in 1998.\n",
                                   "text/markdown"))
    at.run()
    button(at, "Add and index").click().run()
    assert at.status[0].label == "Indexing the new documents"  # the script run is over; the build is not
    assert not at.chat_input[0].proto.disabled
    ask(at, FTI)
    assert "2013" in answer_block(at)
    assert texts(at.chat_message[1].caption).startswith(
        "Indexing is still running (indexing the new documents), so this answer comes from the index as it was "
        "before.")
    other = AppTest.from_file(APP, default_timeout=120)  # another tab, or this one reloaded
    other.run()
    assert other.status[0].label == "Indexing the new documents"
    assert "Indexing the new documents: Waiting for any other index build to finish." in texts(other.sidebar.caption)
    # A tab in Spanish is told so in Spanish, and reads how the run ended in Spanish.
    spanish = AppTest.from_file(APP, default_timeout=120)
    spanish.session_state["language"] = "es"
    spanish.run()
    ask(spanish, "¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    assert "Indexing the new documents: Esperando a que termine otra indexación." in texts(spanish.sidebar.caption)
    note = texts(spanish.chat_message[1].caption)
    assert note.startswith("La indexación sigue en curso (indexing the new documents)")  # the title is the asker's

    gate.set()
    for page in (at, other):
        settle(page)
        assert not page.status
        assert "Saved ferry.md." in texts(page.sidebar.success) and "Added: ferry.md" in texts(page.sidebar.success)
    settle(spanish)
    done = texts(spanish.sidebar.success)
    assert "Saved ferry.md." in done and "Añadidos: ferry.md" in done
    assert "Índice actualizado en" in texts(spanish.sidebar.markdown)
    ask(other, "When did the ferry to Isla Mujeres first sail?")
    assert "1998" in answer_block(other)
    assert "Indexing is still running" not in texts(other.chat_message[1].caption)


def test_suggestion_is_answered_and_unanswerable_question_renders_the_abstention(app_paths) -> None:
    at = start_app()
    suggestions = [b for b in at.button if b.key and b.key.startswith("suggestion-")]
    assert suggestions, "the empty chat offers questions drawn from the sections"
    suggestions[0].click().run()
    assert not at.exception
    assert at.chat_message[0].markdown[0].value == ui.escape_markdown(suggestions[0].label)
    assert any('class="qa-answer"' in block for block in html_blocks(at)), "suggestions are answerable"

    # A near miss the reader declines (off-topic questions such as a recipe are a known miss: test_reader.py).
    ask(at, "How many 5G towers has Mexico installed?")
    assert "I couldn't find this in the documents." in texts(at.chat_message[3].markdown)
    assert "Closest passages" in texts(at.chat_message[3].caption)
    labels = [e.label for e in at.chat_message[3].expander]
    assert labels and all(label.startswith("Closest passage") for label in labels)
    assert not any('class="qa-answer"' in m.value for m in at.chat_message[3].markdown)
    # A question about something the documents never mention is told which word that is.
    ask(at, "What is CoDi?")
    assert "Why: the documents never mention “CoDi”; check the spelling" in texts(at.chat_message[5].caption)


def test_rebuild_reports_the_changed_file_and_answers_from_it(app_paths) -> None:
    corpus, _index = app_paths
    paper = corpus / PAPER.name
    paper.write_text(paper.read_text(encoding="utf-8") + "\n\n## 7. Lunar Research\n\nThe Mexican Space Agency "
                     "opened a lunar research office in Puebla in 2024.\n", encoding="utf-8")
    at = start_app()
    banner = texts(at.warning)
    assert "changed since the index was built (changed: g20-mexico-dpi.md)" in banner
    (corpus / "empty.md").write_bytes(b"")

    button(at, "Rebuild now").click().run()
    settle(at)
    assert "Changed: g20-mexico-dpi.md" in texts(at.sidebar.success)
    assert "changed since the index was built" not in texts(at.warning)
    assert "Not indexed: empty.md: the file is empty" in texts(at.sidebar.warning)  # under Documents
    spanish = AppTest.from_file(APP, default_timeout=120)  # why, read back from the index, in Spanish
    spanish.session_state["language"] = "es"
    spanish.run()
    assert "Sin indexar: empty.md: el archivo está vacío" in texts(spanish.sidebar.warning)
    ask(at, "Where did the Mexican Space Agency open a lunar research office?")
    assert "Puebla" in answer_block(at)


def test_upload_refuses_path_traversal_and_fake_pdf_then_indexes_a_real_pdf(app_paths, tmp_path: Path) -> None:
    corpus, _index = app_paths
    at = start_app()
    at.file_uploader[0].set_value([("../../evil.md", b"# Evil\n\nThis should never be saved.", "text/markdown"),
                                   ("report.pdf", b"<html>not a pdf</html>", "application/pdf")])
    at.run()
    button(at, "Add and index").click().run()
    assert not at.exception
    errors = texts(at.sidebar.error)
    assert "contains folder parts" in errors and "is not a PDF" in errors
    assert sorted(p.name for p in corpus.iterdir()) == [PAPER.name]
    assert not (tmp_path / "evil.md").exists() and not (tmp_path.parent / "evil.md").exists()
    # A page in Spanish is told why in Spanish.
    spanish = AppTest.from_file(APP, default_timeout=120)
    spanish.session_state["language"] = "es"
    spanish.run()
    spanish.file_uploader[0].set_value([("../../evil.md", b"# Evil\n\nThis should never be saved.", "text/markdown"),
                                        ("report.pdf", b"<html>not a pdf</html>", "application/pdf")])
    spanish.run()
    button(spanish, "Añadir e indexar").click().run()
    errors = texts(spanish.sidebar.error)
    assert "'../../evil.md' incluye carpetas; cámbielo por un nombre simple como 'evil.md'" in errors
    assert "'report.pdf' tiene extensión .pdf pero no es un PDF" in errors
    assert sorted(p.name for p in corpus.iterdir()) == [PAPER.name]

    pdf = make_pdf([["Quarterly notes."],
                    ["The observatory in Tonantzintla opened its new telescope dome in 1998."]])
    at.file_uploader[0].set_value(("observatory.pdf", pdf, "application/pdf"))
    at.run()
    button(at, "Add and index").click().run()
    settle(at)
    assert "Added: observatory.pdf" in texts(at.sidebar.success)
    assert (corpus / "observatory.pdf").read_bytes() == pdf

    ask(at, "When did the observatory in Tonantzintla open its telescope dome?")
    card = next(e for e in at.expander if e.label.startswith(r"\[1\]"))
    assert "page 2" in card.label
    toggle = card.toggle[0]
    assert toggle.label == "Show page 2 with the sentence highlighted"
    toggle.set_value(True).run()
    assert not at.exception
    assert len(at.image) == 1, "the page is shown as an image"
    assert at.image[0].captions == ["The highlighted text is the quoted sentence."]

    # The same name again is refused unless replacing is ticked.
    at.file_uploader[0].set_value(("observatory.pdf", pdf, "application/pdf"))
    at.run()
    button(at, "Add and index").click().run()
    assert "already exists" in texts(at.sidebar.error)


def test_html_in_a_document_is_shown_escaped_after_the_first_build(tmp_path: Path, monkeypatch, gate) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "vault.md").write_text(
        "# Vault <b>notes</b>\n\n## Access <script>alert('title')</script>\n\n"
        "The vault code was changed to <script>alert('owned')</script> 4471 by the <b>security</b> team "
        "in **March 2021**.\n\nVisitors sign the register at the front desk.\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # no index yet: the page starts building it in the background and shows its progress
    assert at.status and at.status[0].label == "Building the index for the first time"
    assert at.chat_input[0].proto.disabled
    gate.set()
    settle(at)
    assert "Index updated in" in texts(at.sidebar.markdown) and "Added: vault.md" in texts(at.sidebar.success)
    ask(at, "When was the vault code changed?")

    blocks = html_blocks(at)
    assert any("&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in b for b in blocks)
    assert any("&lt;b&gt;security&lt;/b&gt;" in b for b in blocks)
    for block in blocks:
        assert "<script" not in block and "<b>" not in block and "**" not in block
    assert "<strong>March 2021</strong>" in answer_block(at)  # Markdown emphasis is shown as such
    label = next(e.label for e in at.expander if e.label.startswith(r"\[1\]"))
    assert r"\<script\>" in label and r"Vault \<b\>notes\</b\>" in label
    assert r"Vault \<b\>notes\</b\>" in at.caption[0].value


def test_remove_a_document_deletes_it_and_updates_the_index(app_paths) -> None:
    corpus, _index = app_paths
    (corpus / "extra.md").write_text("# Extra\n\nThe ferry to Isla Mujeres leaves every hour.\n", encoding="utf-8")
    at = start_app()
    button(at, "Rebuild now").click().run()
    settle(at)
    assert "Added: extra.md" in texts(at.sidebar.success)

    at.selectbox[0].set_value("extra.md").run()
    remove = button(at, "Remove and update the index")
    assert remove.proto.disabled, "removal waits for the confirmation"
    at.checkbox(key=next(c.key for c in at.checkbox if c.key.startswith("remove-confirm"))).check().run()
    button(at, "Remove and update the index").click().run()
    settle(at)
    assert not (corpus / "extra.md").exists()
    assert "Removed: extra.md" in texts(at.sidebar.success)
    assert "**1** document ·" in texts(at.sidebar.markdown)


def test_a_missing_corpus_folder_is_one_clear_sentence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_CORPUS", str(tmp_path / "nowhere"))
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "index"))
    at = start_app()
    assert "does not exist; create it" in at.error[0].value


def test_an_empty_corpus_asks_for_a_document_and_an_upload_opens_the_chat(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "index"))
    at = start_app()
    assert "Add a .md, .txt or .pdf document in the sidebar to start." in texts(at.info)
    assert at.chat_input[0].proto.disabled
    assert "has no .md, .txt or .pdf files" in texts(at.sidebar.error)
    spanish = AppTest.from_file(APP, default_timeout=120)  # a page in Spanish reads why in Spanish
    spanish.session_state["language"] = "es"
    spanish.run()
    assert "No se pudo indexar nada en" in texts(spanish.sidebar.error)
    assert "la carpeta no tiene archivos .md, .txt ni .pdf" in texts(spanish.sidebar.error)

    at.file_uploader[0].set_value(("ferry.md", b"# Ferries\n\nThe ferry to Isla Mujeres first sailed in 1998.\n",
                                   "text/markdown"))
    at.run()
    button(at, "Add and index").click().run()
    settle(at)
    assert "Added: ferry.md" in texts(at.sidebar.success)
    assert "**1** document · **1** chunk" in texts(at.sidebar.markdown).splitlines()  # not "1 chunks"
    assert not at.chat_input[0].proto.disabled
    ask(at, "When did the ferry to Isla Mujeres first sail?")
    assert "1998" in answer_block(at)
