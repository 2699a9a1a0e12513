"""Property tests: arbitrary unicode documents and questions never break chunking or answering.

Invariants: ingestion raises nothing but IngestError; every chunk is doc_text[start:end]; answering returns an
answer or an abstention (or a QuestionError for an unaskable question); every citation's quote is the exact
document text at its offsets. Example counts are moderate so the whole suite stays fast.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

from assistant.assistant import Assistant, QuestionError
from assistant.chunking import chunk_document
from assistant.config import ChunkSettings
from assistant.ingest import IngestError, load_document, parse_markdown
from assistant.reader import ReaderSettings
from assistant.schema import Answer, Document
from assistant.build import build_index
from conftest import PAPER, FakeEmbedder, check_verbatim, document_texts, make_settings
from pdf_factory import make_pdf

# Lines that exercise the Markdown parser's branches, mixed with arbitrary unicode.
_WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_LINE = st.one_of(
    _WORDS,
    st.builds(lambda n, w: "#" * n + " " + w, st.integers(1, 7), _WORDS),
    st.builds(lambda a, b, w: f"**{a}.{b} {w}**", st.integers(0, 12), st.integers(0, 12), _WORDS),
    st.builds(lambda a, b: f"{a}\t{b}", _WORDS, _WORDS),
    st.builds(lambda a, b: f"| {a} | {b} |", _WORDS, _WORDS),
    st.sampled_from(["", " ", "|---|---|", "- item", "1. First.", "U.S. e.g. Dr. Smith said so. Then?!",
                     "\t", "\r\n", "\x00", "  \u2028  ", "”’)]. Next", "...", "#", "**1.**"]),
    st.builds(lambda w: w + ". " + w.upper() + "! ", _WORDS),
)
MARKDOWN = st.lists(_LINE, max_size=40).map("\n".join)
DOCUMENTS = st.one_of(MARKDOWN, st.text(max_size=1500))
CHUNK_SETTINGS = st.builds(ChunkSettings, target_words=st.integers(1, 120), max_words=st.integers(1, 200),
                           overlap_sentences=st.integers(0, 3))
QUESTIONS = st.one_of(st.text(max_size=300), st.sampled_from(["When was the National Space Agency established?",
                                                             "broadband", "?", "It", "SATMEX-7 2019"]),
                      MARKDOWN.map(lambda t: t[:300]))
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_chunks_exact(doc: Document, chunking: ChunkSettings = ChunkSettings()) -> None:
    for chunk in chunk_document(doc, chunking):
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        for start, end in chunk.units:
            assert chunk.start <= start < end <= chunk.end


@FAST
@given(DOCUMENTS, CHUNK_SETTINGS)
def test_chunking_any_markdown_never_raises_and_offsets_are_exact(text: str, chunking: ChunkSettings):
    assert_chunks_exact(parse_markdown("any.md", text), chunking)


@FAST
@given(st.one_of(st.binary(max_size=3000), DOCUMENTS.map(lambda t: t.encode("utf-8")),
                 DOCUMENTS.map(lambda t: t.encode("utf-16"))),
       st.sampled_from(["x.md", "x.txt", "x.pdf"]))
def test_ingesting_any_bytes_raises_only_ingest_error(data: bytes, name: str):
    try:
        doc = load_document(name, data)
    except IngestError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert_chunks_exact(doc)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60),
                         max_size=4), min_size=1, max_size=4))
def test_any_generated_pdf_keeps_pages_and_offsets(pages: list[list[str]]):
    try:
        doc = load_document("gen.pdf", make_pdf(pages))
    except IngestError as exc:
        assert "no extractable text" in str(exc)
        return
    assert all(1 <= b.page <= len(pages) for b in doc.blocks)
    pages_in_order = [b.page for b in doc.blocks]
    assert pages_in_order == sorted(pages_in_order)  # several blocks (paragraphs, rows) a page, in page order
    assert_chunks_exact(doc)


# --- answering --------------------------------------------------------------------------------

def check_answer(answer: Answer, corpus: Path) -> None:
    """What holds for any answer: an abstention says why and quotes nothing as the answer; an answer is its
    first citation's quote; citations are numbered 1..n, at most max_citations, each the exact text at its
    offsets inside its passage."""
    event("abstained" if answer.abstained else "answered")  # shown by --hypothesis-show-statistics
    if answer.abstained:
        assert answer.answer is None and answer.message
    else:
        assert answer.citations and answer.answer == answer.citations[0].quote
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert len(answer.citations) <= ReaderSettings().max_citations
    assert all(c.quote.strip() and c.kind in ("text", "row") for c in answer.citations)
    check_verbatim(answer.to_dict(), document_texts(corpus))


def ask_or_refuse(assistant: Assistant, question: str) -> Answer | None:
    try:
        return assistant.ask(question)
    except QuestionError as exc:
        assert str(exc).endswith(".")
        return None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, QUESTIONS)
def test_answering_over_any_document_returns_an_answer_or_abstains(text: str, question: str):
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        shutil.copy(PAPER, corpus / PAPER.name)  # so that something is always indexable
        (corpus / "generated.md").write_text(text, encoding="utf-8")
        settings_ = make_settings(corpus, Path(tmp) / "index")
        embedder = FakeEmbedder()
        build_index(settings_, embedder)
        assistant = Assistant(settings_, embedder)
        assistant.reload()
        answer = ask_or_refuse(assistant, question)
        if answer is not None:
            check_answer(answer, corpus)


@pytest.fixture(scope="module")
def fake_assistant(tmp_path_factory) -> Assistant:
    base = tmp_path_factory.mktemp("fake")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    (corpus / "notes.md").write_text("# Notes\n\n## Rivers\n\nThe Usumacinta river forms part of the border.\n\n"
                                     "| River | Length |\n|---|---|\n| Usumacinta | 1,000 km |\n")
    settings_ = make_settings(corpus, base / "index")
    build_index(settings_, FakeEmbedder())
    assistant = Assistant(settings_, FakeEmbedder())
    assistant.reload()
    return assistant


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # each ask runs the reader model
@given(question=QUESTIONS, history=st.lists(QUESTIONS, max_size=3))
def test_any_question_and_history_get_an_answer_or_abstention(fake_assistant: Assistant, question: str,
                                                              history: list[str]):
    try:
        answer = fake_assistant.ask(question, history)
    except QuestionError as exc:
        assert str(exc).endswith(".")
        return
    check_answer(answer, fake_assistant.settings.corpus)
    again = fake_assistant.ask(question, history)  # nothing carries over from one question to the next
    assert (again.answer, again.citations) == (answer.answer, answer.citations)


def noisy(question: str, noise: list[str]) -> str:
    """The question with white space and control characters around and between its words."""
    words = question.split(" ")
    return noise[0] + "".join(w + noise[(i + 1) % len(noise)] for i, w in enumerate(words))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTIONS, noise=st.lists(st.sampled_from([" ", "  ", "\t", "\n", "\x00", "\x1b", "\u200b\x07 "]),
                                          min_size=1, max_size=4))
def test_white_space_and_control_characters_do_not_change_the_answer(fake_assistant: Assistant, question: str,
                                                                      noise: list[str]):
    clean = ask_or_refuse(fake_assistant, question)
    assume(clean is not None)
    messy = fake_assistant.ask(noisy(clean.question, noise))
    assert messy.question == clean.question
    assert (messy.answer, messy.citations) == (clean.answer, clean.citations)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTIONS)
def test_any_question_to_the_real_model(paper_assistant: Assistant, question: str):
    assume(question.strip())
    answer = ask_or_refuse(paper_assistant, question)
    if answer is not None:
        check_answer(answer, paper_assistant.settings.corpus)
