"""The on-disk index: manifest, save/load symmetry, incremental rebuilds, full-rebuild reasons, atomicity."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from assistant.assistant import Assistant, index_status
from assistant.chunking import chunk_document
from assistant.config import INDEX_FORMAT_VERSION, MODEL_DIM, MODEL_NAME, ChunkSettings, Settings
from assistant.ingest import load_document
from assistant.retrieval import Retriever
from assistant.build import build_index, diff_corpus
from assistant.faiss_store import (BUILD_PREFIX, CURRENT, MANIFEST, MANIFEST_CHECKSUM, live_dir, load_store,
                                   manifest_digest, read_manifest)
from assistant.messages import in_language
from assistant.store import IndexError_, NothingToIndex, check_manifest
from assistant.text import search_tokens
from conftest import PAPER, FakeEmbedder, make_settings

NOTES = """# Field notes

## Rivers

The Usumacinta river forms part of the border with Guatemala. It carries more water than any other river in
Mexico. Boats on the river carry visitors to the ruins of Yaxchilan.

## Volcanoes

Popocatepetl is an active volcano southeast of Mexico City. Its name means smoking mountain in Nahuatl.
"""

QUERIES = ["How many Mexicans lack broadband?", "Which river forms the border with Guatemala?",
           "When was the National Space Agency established?"]


def chunks_of(path: Path, source: str, chunking: ChunkSettings = ChunkSettings()):
    return chunk_document(load_document(source, path.read_bytes()), chunking)


def search_snapshot(settings: Settings) -> list[list[tuple[str, float]]]:
    """What searching the live index returns for QUERIES: chunk ids and scores, to compare before and after."""
    store = load_store(settings)
    retriever = Retriever(store, 10)
    fake = FakeEmbedder()
    return [[(h.chunk.id, round(h.score, 6)) for h in retriever.search(fake.encode_query(q), search_tokens(q))]
            for q in QUERIES]


def build_folders(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob(f"{BUILD_PREFIX}*"))


# --- what a build writes ----------------------------------------------------------------------

def test_real_model_build_writes_a_complete_manifest(paper_assistant):
    settings = paper_assistant.settings
    manifest = read_manifest(settings.index)
    assert manifest["format_version"] == 1
    assert (manifest["model"], manifest["dimension"]) == (MODEL_NAME, MODEL_DIM)
    assert manifest["chunking"] == asdict(ChunkSettings())
    assert {"sentence-transformers", "torch", "faiss-cpu", "pypdf", "numpy"} <= set(manifest["libraries"])
    assert all(manifest["libraries"][name] for name in ("torch", "faiss-cpu", "numpy"))
    assert manifest["built_at"].endswith("+00:00")
    entry = manifest["files"][PAPER.name]
    assert entry["sha256"] == hashlib.sha256(PAPER.read_bytes()).hexdigest()
    assert entry["size"] == PAPER.stat().st_size
    store = load_store(settings)
    assert entry["chunk_ids"] == [c.id for c in store.chunks]
    assert manifest["documents"] == 1 and manifest["chunks"] == len(store.chunks)
    assert {"chunks.jsonl", "units.npy", "vectors.faiss"} <= set(manifest["checksums"])
    assert any(name.startswith("bm25/") for name in manifest["checksums"])


def test_real_model_vectors_are_normalised_and_rows_find_themselves(paper_assistant, real_embedder):
    store = load_store(paper_assistant.settings)
    norms = np.linalg.norm(store.unit_vectors.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)
    rows = [i for i, c in enumerate(store.chunks) if c.kind == "row"]
    assert len(rows) == 11
    for i in rows:
        query = real_embedder.encode_query(store.chunks[i].embedding_texts()[0])
        scores, ids = store.faiss_index.search(query.reshape(1, -1), 1)
        assert ids[0][0] == i and scores[0][0] > 0.99


def test_load_is_the_mirror_image_of_build(settings: Settings, corpus: Path):
    fake = FakeEmbedder()
    build_index(settings, fake)
    store = load_store(settings)
    expected = chunks_of(corpus / PAPER.name, PAPER.name) + chunks_of(corpus / "notes.md", "notes.md")
    assert store.chunks == expected  # every field, offsets and units included, survives the round trip
    assert store.faiss_index.ntotal == len(expected)
    for i, chunk in enumerate(store.chunks):
        vectors = np.stack([fake.encode_query(t) for t in chunk.embedding_texts()])
        assert np.allclose(store.units_of(i).astype(np.float32), vectors, atol=1e-3)


# --- incremental builds -----------------------------------------------------------------------

def test_unchanged_corpus_embeds_nothing(settings: Settings):
    first = build_index(settings, FakeEmbedder())
    assert first.full_reason == "there is no index yet"
    assert first.chunks_embedded == first.chunks_total > 0

    fake = FakeEmbedder()
    again = build_index(settings, fake)
    assert (again.chunks_embedded, fake.calls) == (0, 0)
    assert again.unchanged == [PAPER.name, "notes.md"]
    assert again.added == again.changed == again.removed == []
    assert again.chunks_total == first.chunks_total and again.full_reason == ""


def test_a_no_change_rebuild_leaves_the_live_index_in_place(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    live = live_dir(settings.index)
    build_index(settings, FakeEmbedder())
    assert live_dir(settings.index) == live and build_folders(settings.index) == [live.name]
    (corpus / "notes.txt.bak").write_text("x", encoding="utf-8")  # newly passed over: reported, so rebuilt
    report = build_index(settings, FakeEmbedder())
    assert live_dir(settings.index) != live and report.chunks_embedded == 0
    assert "notes.txt.bak" in [p.source for p in report.skipped]


def test_a_file_skipped_once_read_does_not_make_every_build_write_a_new_index(settings: Settings, corpus: Path):
    (corpus / "empty.md").write_text("", encoding="utf-8")
    (corpus / "big.md").write_text("The harbour opens at eight. " * 40_000, encoding="utf-8")
    small = replace(settings, max_file_bytes=1_000_000)  # big.md is passed over by the scan, empty.md once read
    first = build_index(small, FakeEmbedder())
    assert {p.source for p in first.skipped} == {"empty.md", "big.md"}
    live = live_dir(settings.index)
    again = build_index(small, FakeEmbedder())
    assert live_dir(settings.index) == live and build_folders(settings.index) == [live.name]
    assert {p.source for p in again.skipped} == {"empty.md", "big.md"} and again.chunks_embedded == 0
    assert again.unchanged == sorted([PAPER.name, "notes.md"])
    # A file passed over by the scan is read once the limit allows it, unchanged as it is.
    larger = build_index(replace(settings, max_file_bytes=10_000_000), FakeEmbedder())
    assert "big.md" in larger.added and live_dir(settings.index) != live
    # And the skipped file once it has text.
    (corpus / "empty.md").write_text("The quay is 80 metres long.", encoding="utf-8")
    assert "empty.md" in build_index(replace(settings, max_file_bytes=10_000_000), FakeEmbedder()).added


def test_touching_a_file_without_changing_it_embeds_nothing(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    os.utime(corpus / "notes.md", ns=(1, 1))
    report = build_index(settings, FakeEmbedder())
    assert report.chunks_embedded == 0 and "notes.md" in report.unchanged


def test_editing_one_file_embeds_only_its_chunks(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    before = load_store(settings)
    paper_rows = [i for i, c in enumerate(before.chunks) if c.source == PAPER.name]
    paper_vectors = np.concatenate([before.units_of(i) for i in paper_rows])

    (corpus / "notes.md").write_text(NOTES + "\n## Deserts\n\nThe Sonoran desert is hot and dry.\n")
    fake = FakeEmbedder()
    report = build_index(settings, fake)

    notes_chunks = chunks_of(corpus / "notes.md", "notes.md")
    assert report.changed == ["notes.md"] and report.unchanged == [PAPER.name]
    assert report.chunks_embedded == len(notes_chunks)
    assert fake.encoded == sum(len(c.units) for c in notes_chunks)
    after = load_store(settings)
    assert [c for c in after.chunks if c.source == "notes.md"] == notes_chunks
    reused = np.concatenate([after.units_of(i) for i, c in enumerate(after.chunks) if c.source == PAPER.name])
    assert np.array_equal(reused, paper_vectors)  # stored vectors reused bit for bit


def test_deleting_a_file_removes_its_chunks(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    (corpus / "notes.md").unlink()
    report = build_index(settings, FakeEmbedder())
    assert report.removed == ["notes.md"] and report.chunks_embedded == 0
    store = load_store(settings)
    assert {c.source for c in store.chunks} == {PAPER.name}
    assert "notes.md" not in store.manifest["files"]
    assert report.chunks_total == len(chunks_of(corpus / PAPER.name, PAPER.name)) == store.faiss_index.ntotal


def test_adding_a_file_embeds_only_the_new_one(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    (corpus / "sub").mkdir()
    (corpus / "sub" / "extra.txt").write_text("Tacos al pastor came from Lebanese shawarma.")
    report = build_index(settings, FakeEmbedder())
    assert report.added == ["sub/extra.txt"] and report.chunks_embedded == 1


def test_chunk_settings_change_forces_a_full_rebuild_with_a_reason(settings: Settings):
    build_index(settings, FakeEmbedder())
    smaller = replace(settings, chunking=ChunkSettings(target_words=30, max_words=60, overlap_sentences=0))
    messages: list[str] = []
    report = build_index(smaller, FakeEmbedder(), status=messages.append)
    assert report.full_reason == "the chunking settings changed since the index was built"
    assert "Full rebuild: the chunking settings changed since the index was built." in messages
    assert report.chunks_embedded == report.chunks_total
    # The files themselves did not change: the report says so, and why everything was embedded again.
    assert report.unchanged == [PAPER.name, "notes.md"] and report.added == report.changed == []
    assert read_manifest(settings.index)["chunking"] == asdict(smaller.chunking)


def test_full_flag_re_embeds_everything(settings: Settings):
    first = build_index(settings, FakeEmbedder())
    report = build_index(settings, FakeEmbedder(), full=True)
    assert report.full_reason == "a full rebuild was requested"
    assert report.chunks_embedded == first.chunks_total


def test_full_rebuild_still_reports_files_removed_since_the_last_index(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    (corpus / "notes.md").unlink()
    report = build_index(settings, FakeEmbedder(), full=True)
    assert report.removed == ["notes.md"] and report.unchanged == [PAPER.name]


def test_diff_reports_new_changed_and_removed(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    assert not diff_corpus(settings, read_manifest(settings.index)).stale
    (corpus / "notes.md").write_text(NOTES.replace("Nahuatl", "Náhuatl"))
    (corpus / "new.md").write_text("New text.")
    (corpus / PAPER.name).unlink()
    diff = diff_corpus(settings, read_manifest(settings.index))
    assert (diff.added, diff.changed, diff.removed) == (["new.md"], ["notes.md"], [PAPER.name])
    assert diff.stale


def test_a_skipped_empty_file_does_not_leave_the_index_stale(settings: Settings, corpus: Path):
    (corpus / "empty.md").write_bytes(b"")
    report = build_index(settings, FakeEmbedder())
    assert [p.source for p in report.skipped] == ["empty.md"]
    diff = diff_corpus(settings, read_manifest(settings.index))
    assert not diff.stale and "empty.md" in diff.unchanged
    (corpus / "empty.md").write_text("Now it has text.")
    assert diff_corpus(settings, read_manifest(settings.index)).changed == ["empty.md"]


def test_a_manifest_written_before_it_kept_the_reasons_messages_is_used_as_it_is(settings: Settings, corpus: Path):
    (corpus / "empty.md").write_bytes(b"")
    build_index(settings, FakeEmbedder())
    folder = live_dir(settings.index)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["skipped"][0]["said"] == {"key": "file_empty"}
    for entry in manifest["skipped"]:  # as an index built before the manifest kept them (and whether it was read)
        del entry["said"], entry["read"]
    manifest[MANIFEST_CHECKSUM] = manifest_digest(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    load_store(settings)  # not taken for damaged
    status = index_status(settings)
    assert not status.stale and not status.problem
    assert [(p.source, p.reason) for p in status.problems("skipped")] == [("empty.md", "the file is empty")]
    report = build_index(settings, FakeEmbedder())  # nothing is embedded again for it
    assert report.full_reason == "" and report.chunks_embedded == 0
    assert read_manifest(settings.index)["skipped"][0]["said"] == {"key": "file_empty"}


def test_why_an_index_cannot_be_used_reads_as_before_in_english_and_in_spanish(settings: Settings):
    fingerprint = settings.fingerprint()
    reasons = [check_manifest({**fingerprint, **change}, settings)
               for change in ({"format_version": 0}, {"model": "other/model"}, {"chunking": {}}, {"pdf_reader": 0})]
    assert reasons == [
        f"the index was written in format 0, this version reads format {INDEX_FORMAT_VERSION}",
        f"the index was built with model other/model, not {MODEL_NAME}",
        "the chunking settings changed since the index was built",
        "PDFs are read differently since the index was built (tables, sections, page numbers)"]
    assert [r.in_language("es") for r in reasons] == [
        f"el índice se escribió en el formato 0 y esta versión lee el formato {INDEX_FORMAT_VERSION}",
        f"el índice se creó con el modelo other/model, no con {MODEL_NAME}",
        "la configuración de la fragmentación cambió desde que se creó el índice",
        "los PDF se leen de otra manera desde que se creó el índice (tablas, secciones, números de página)"]
    assert check_manifest(fingerprint, settings) is None


def words(text: str) -> set[str]:
    """The words of a message, leaving out what it quotes as it is (the command, the file's name)."""
    return set(re.findall(r"\w+", re.sub(r"`[^`]*`|chunks\.jsonl", " ", text).lower()))


def test_a_damaged_index_says_so_as_before_in_english_and_wholly_in_spanish(settings: Settings):
    build_index(settings, FakeEmbedder())
    chunks = live_dir(settings.index) / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes() + b" ")  # changed after the build: its checksum no longer matches
    with pytest.raises(IndexError_) as raised:
        load_store(settings)
    english = ("The index file chunks.jsonl is damaged or was changed since it was built; rebuild with "
               "`python -m assistant build`.")
    spanish = ("El archivo del índice chunks.jsonl está dañado o se modificó después de crearse; reconstruya el "
               "índice con `python -m assistant build`.")
    error = raised.value
    assert str(error) == english and error.args == (english,)  # what the command line, reports and logs show
    assert error.in_language("en") == english and error.in_language("es") == spanish
    assert not words(spanish) & words(english)  # not one English word left in the Spanish
    copy = pickle.loads(pickle.dumps(error))  # as an error crosses processes, or a cache
    assert str(copy) == english and copy.in_language("es") == spanish
    # What the status (the chat's sidebar, `status --json`) says of it: the same English, and its Spanish.
    status = index_status(settings)
    assert status.stale and status.problem == english and status.to_dict()["problem"] == english
    assert json.loads(json.dumps(status.to_dict()))["problem"] == english
    assert in_language(status.problem, "es") == spanish


# --- files that break after they were indexed -------------------------------------------------

def test_a_file_that_breaks_keeps_its_previous_chunks(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    before = [c for c in load_store(settings).chunks if c.source == "notes.md"]
    (corpus / "notes.md").write_bytes(bytes(range(256)) * 8)  # e.g. overwritten by a broken sync
    report = build_index(settings, FakeEmbedder())
    assert [p.source for p in report.failed] == ["notes.md"]
    assert [(p.source, p.reason) for p in report.warnings] == [
        ("notes.md", "the previously indexed version is kept until the file reads again")]
    assert report.removed == []
    assert [c for c in load_store(settings).chunks if c.source == "notes.md"] == before
    assert diff_corpus(settings, read_manifest(settings.index)).changed == ["notes.md"]  # still shown as stale


def test_a_file_emptied_on_purpose_is_removed(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    (corpus / "notes.md").write_text("")
    report = build_index(settings, FakeEmbedder())
    assert report.removed == ["notes.md"]
    assert {c.source for c in load_store(settings).chunks} == {PAPER.name}


def test_nothing_to_index_raises_and_keeps_the_previous_index(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    snapshot = search_snapshot(settings)
    for path in corpus.iterdir():
        path.write_bytes(b"")
    with pytest.raises(NothingToIndex, match=r"Nothing could be indexed in .*notes\.md: the file is empty.*"
                                             r"add readable \.md, \.txt or \.pdf files and build again"):
        build_index(settings, FakeEmbedder())
    assert search_snapshot(settings) == snapshot


def test_an_empty_corpus_folder_says_what_to_add(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(NothingToIndex, match="the folder has no .md, .txt or .pdf files"):
        build_index(make_settings(tmp_path / "corpus", tmp_path / "index"), FakeEmbedder())


# --- atomicity --------------------------------------------------------------------------------

def test_failed_build_leaves_previous_index_searching_exactly_as_before(settings: Settings, corpus: Path):
    build_index(settings, FakeEmbedder())
    live = live_dir(settings.index)
    manifest = read_manifest(settings.index)
    snapshot = search_snapshot(settings)

    (corpus / "notes.md").write_text(NOTES + "\nA new paragraph that must be embedded.\n")
    (corpus / "more.md").write_text("More text to embed. And another sentence.")
    with pytest.raises(RuntimeError, match="embedder failed on purpose"):
        build_index(settings, FakeEmbedder(fail_after=1))

    assert live_dir(settings.index) == live
    assert read_manifest(settings.index) == manifest
    assert search_snapshot(settings) == snapshot
    assert build_folders(settings.index) == [live.name]  # nothing half-built left behind
    # The next build picks up both changes.
    report = build_index(settings, FakeEmbedder())
    assert report.changed == ["notes.md"] and report.added == ["more.md"]


def test_failure_while_writing_removes_the_partial_build(settings: Settings, corpus: Path, monkeypatch):
    import assistant.faiss_store as store_module

    build_index(settings, FakeEmbedder())
    snapshot = search_snapshot(settings)
    live = live_dir(settings.index)
    (corpus / "notes.md").write_text("Changed notes.")

    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "_write_json_durably", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        build_index(settings, FakeEmbedder())
    assert build_folders(settings.index) == [live.name]
    assert search_snapshot(settings) == snapshot


def test_failed_build_with_the_real_model_answers_as_before(tmp_path: Path, real_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    settings = make_settings(corpus, tmp_path / "index")
    build_index(settings, real_embedder)
    question = "How many Mexicans lack reliable broadband coverage?"
    before = Assistant(settings, real_embedder).ask(question).to_dict()
    assert not before["abstained"] and "20 million" in before["answer"]

    (corpus / PAPER.name).write_text(PAPER.read_text().replace("20 million", "21 million"))
    with pytest.raises(RuntimeError, match="embedder failed on purpose"):
        build_index(settings, FakeEmbedder(fail_after=0))

    after = Assistant(settings, real_embedder).ask(question).to_dict()
    before.pop("timings_ms"), after.pop("timings_ms")
    assert after == before


def test_the_index_folder_holds_the_live_build_and_a_link(settings: Settings):
    build_index(settings, FakeEmbedder())
    first = live_dir(settings.index)
    build_index(settings, FakeEmbedder(), full=True)
    second = live_dir(settings.index)
    assert first != second and (settings.index / CURRENT).is_symlink()
    assert (second / MANIFEST).is_file()
    # The previous build stays for readers that loaded it; the one before that is cleaned up.
    build_index(settings, FakeEmbedder(), full=True)
    assert build_folders(settings.index) == sorted([second.name, live_dir(settings.index).name])
    assert json.loads((live_dir(settings.index) / MANIFEST).read_text())["chunks"] > 0
