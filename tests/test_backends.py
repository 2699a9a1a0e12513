"""The Store contract on both backends (FAISS files and Milvus Lite), and what Milvus adds: one live
generation at a time, a SIGKILL in the middle of a build, a Lite database shared between processes, and the same
answers as FAISS with the real model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant import cli, ui
from assistant.assistant import Assistant, index_status
from assistant.build import build_index
from assistant.config import ChunkSettings, Settings
from assistant.milvus_store import MilvusBackend, redacted
from assistant.store import IndexError_, Store, backend_for
from assistant.text import search_tokens
from conftest import PAPER, ROOT, FakeEmbedder, make_settings

HELPER = Path(__file__).resolve().parent / "build_helper.py"
NOTES = """# Field notes

## Rivers

The Usumacinta river forms part of the border with Guatemala. It carries more water than any other river in
Mexico. Boats on the river carry visitors to the ruins of Yaxchilan.

## Markets

The market in Oaxaca sells mole, chocolate and cheese. It opens at dawn every day of the week.
"""
BACKENDS = ["faiss", "milvus"]


def on(backend: str, settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, milvus_uri=str(tmp_path / "lite.db")) if backend == "milvus" else settings


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(PAPER, folder / PAPER.name)
    (folder / "notes.md").write_text(NOTES, encoding="utf-8")
    return folder


@pytest.fixture(params=BACKENDS)
def built(request, corpus: Path, tmp_path: Path) -> tuple[Settings, Store]:
    settings = on(request.param, make_settings(corpus, tmp_path / "index"), tmp_path)
    build_index(settings, FakeEmbedder())
    return settings, backend_for(settings).open()


def positions_of(store: Store, source: str) -> np.ndarray:
    return np.array([i for i, c in enumerate(store.chunks) if c.source == source], dtype=np.int64)


def untied(hits: list[tuple[int, float]]) -> list[int]:
    """Positions in rank order, chunks with equal scores in position order, leaving out those tied with the last
    (engines break ties differently, so which of them made the cut may differ)."""
    clear = [h for h in hits if h[1] > hits[-1][1] + 1e-5]
    return [i for i, _ in sorted(clear, key=lambda h: (-round(h[1], 5), h[0]))]


def mean_vector(store: Store, i: int) -> np.ndarray:
    units = store.units_of(i).astype(np.float32)
    mean = units.mean(axis=0)
    return mean / np.linalg.norm(mean)


# --- the contract -----------------------------------------------------------------------------------------

def test_an_opened_store_holds_every_chunk_in_document_order(built) -> None:
    settings, store = built
    assert store.backend == backend_for(settings).name
    assert store.sources == sorted([PAPER.name, "notes.md"])
    assert len(store.chunks) == store.manifest["chunks"] > 5
    order = [(c.source, c.start) for c in store.chunks]
    assert order == sorted(order)
    for i, chunk in enumerate(store.chunks):
        units = store.units_of(i)
        assert units.shape == (len(chunk.units), 384) and units.dtype == np.float16
    some = [store.chunks[3].id, "no-such-id", store.chunks[0].id]
    assert store.fetch(some) == [store.chunks[3], store.chunks[0]]


def test_dense_search_finds_a_chunk_by_its_own_vector_and_keeps_within_documents(built) -> None:
    _, store = built
    target = positions_of(store, "notes.md")[0]
    other = positions_of(store, PAPER.name)[4]
    found = store.dense_search(np.stack([mean_vector(store, target), mean_vector(store, other)]), 3)
    assert [hits[0][0] for hits in found] == [target, other]
    assert found[0][0][1] == pytest.approx(1.0, abs=1e-3)
    assert len(found[0]) == 3 and found[0][0][1] >= found[0][1][1] >= found[0][2][1]
    # The same search, one vector at a time, gives the same hits.
    alone = store.dense_search(mean_vector(store, other)[None, :], 3)[0]
    assert [i for i, _ in alone] == [i for i, _ in found[1]]
    assert [s for _, s in alone] == pytest.approx([s for _, s in found[1]], abs=1e-5)
    inside = store.dense_search(mean_vector(store, other)[None, :], 5, within=positions_of(store, "notes.md"))[0]
    assert inside and {store.chunks[i].source for i, _ in inside} == {"notes.md"}


def test_lexical_search_ranks_by_bm25_and_counts_documents(built) -> None:
    _, store = built
    tokens = search_tokens("Usumacinta river")
    hits = store.lexical_search(tokens, 5)
    assert "Usumacinta" in store.chunks[hits[0][0]].text
    assert all(score > 0 for _, score in hits) and hits == sorted(hits, key=lambda h: -h[1])
    assert store.document_frequency(search_tokens("Usumacinta")[0]) == \
        sum("Usumacinta" in c.search_text() for c in store.chunks)
    assert store.document_frequency("zzzunknown") == 0 and store.lexical_search(["zzzunknown"], 5) == []
    within = positions_of(store, PAPER.name)
    assert all(store.chunks[i].source == PAPER.name for i, _ in store.lexical_search(tokens, 5, within=within))


def test_both_backends_find_the_same_chunks_with_the_same_scores(corpus: Path, tmp_path: Path) -> None:
    stores = []
    for backend in BACKENDS:
        settings = on(backend, make_settings(corpus, tmp_path / f"index-{backend}"), tmp_path)
        build_index(settings, FakeEmbedder())
        stores.append(backend_for(settings).open())
    faiss, milvus = stores
    assert [c.id for c in faiss.chunks] == [c.id for c in milvus.chunks]
    embedder = FakeEmbedder()
    for question in ("Which river forms the border with Guatemala?", "What does the market sell?",
                     "digital public infrastructure in Mexico"):
        vector = embedder.encode_query(question)[None, :]
        a, b = faiss.dense_search(vector, 10)[0], milvus.dense_search(vector, 10)[0]
        assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-5)
        assert untied(a) == untied(b)
        tokens = search_tokens(question)
        a, b = faiss.lexical_search(tokens, 10), milvus.lexical_search(tokens, 10)
        assert [i for i, _ in a] == [i for i, _ in b] and [s for _, s in a] == pytest.approx([s for _, s in b])


@pytest.mark.parametrize("backend", BACKENDS)
def test_incremental_builds_rewrite_only_changed_documents(backend: str, corpus: Path, tmp_path: Path) -> None:
    settings = on(backend, make_settings(corpus, tmp_path / "index"), tmp_path)
    build_index(settings, FakeEmbedder())
    before = backend_for(settings).open()
    paper_ids = [c.id for c in before.chunks if c.source == PAPER.name]
    (corpus / "notes.md").write_text(NOTES.replace("dawn", "noon"), encoding="utf-8")
    report = build_index(settings, FakeEmbedder())
    after = backend_for(settings).open()
    notes = [c for c in after.chunks if c.source == "notes.md"]
    assert report.changed == ["notes.md"] and report.chunks_embedded == len(notes)
    assert [c.id for c in after.chunks if c.source == PAPER.name] == paper_ids
    assert any("noon" in c.text for c in notes) and not any("dawn" in c.text for c in notes)
    assert after.version != before.version
    (corpus / "notes.md").unlink()
    report = build_index(settings, FakeEmbedder())
    assert report.removed == ["notes.md"] and report.chunks_embedded == 0
    assert {c.source for c in backend_for(settings).open().chunks} == {PAPER.name}
    if backend == "milvus":  # the replaced rows are gone, not only hidden
        assert milvus_rows(settings) == len(paper_ids)


def milvus_rows(settings: Settings) -> int:
    backend = MilvusBackend(settings)
    return len(backend._generations(backend.chunks_name, "generation >= 0", ["pk"]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_index_built_with_other_settings_is_refused_and_rebuilt(backend: str, corpus: Path, tmp_path: Path) -> None:
    settings = on(backend, make_settings(corpus, tmp_path / "index"), tmp_path)
    build_index(settings, FakeEmbedder())
    smaller = replace(settings, chunking=ChunkSettings(target_words=40, max_words=80))
    with pytest.raises(IndexError_, match="chunking settings changed.*rebuild with `python -m assistant build`"):
        backend_for(smaller).open()
    assert index_status(smaller).stale
    report = build_index(smaller, FakeEmbedder())
    assert "chunking" in report.full_reason and backend_for(smaller).open().manifest["chunking"]["max_words"] == 80


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_manifest_keeps_why_a_file_was_left_out_for_a_page_in_its_language(backend: str, corpus: Path,
                                                                               tmp_path: Path) -> None:
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    settings = on(backend, make_settings(corpus, tmp_path / "index"), tmp_path)
    build_index(settings, FakeEmbedder())
    manifest = backend_for(settings).read_manifest()
    assert [(e["path"], e["error"], e["said"]) for e in manifest["failed"]] == [
        ("fake.pdf", "the file is named .pdf but is not a PDF; check what it is and rename it", {"key": "not_pdf"})]
    assert [(e["path"], e["reason"], e["said"]) for e in manifest["skipped"]] == [
        ("empty.md", "the file is empty", {"key": "file_empty"})]
    status = index_status(settings)
    assert not status.stale
    assert ui.not_indexed_lines(status.problems("failed"), status.problems("skipped"), "es") == [
        ("error", "Sin indexar: fake.pdf: el archivo tiene extensión .pdf pero no es un PDF; compruebe qué es y "
                  "cámbiele el nombre"),
        ("warning", "Sin indexar: empty.md: el archivo está vacío")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_status_json_names_the_backend(backend: str, corpus: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    settings = on(backend, make_settings(corpus, tmp_path / "index"), tmp_path)
    build_index(settings, FakeEmbedder())
    monkeypatch.delenv("ASSISTANT_MILVUS_URI", raising=False)
    args = ["status", "--json", "--corpus", str(corpus), "--index", str(settings.index)]
    if backend == "milvus":
        args += ["--milvus-uri", settings.milvus_uri]
    assert cli.main(args) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["backend"] == backend and not status["stale"] and status["chunks"] > 5
    assert status["uri"] == (str(settings.index) if backend == "faiss" else str(tmp_path / "lite.db"))


def test_credentials_are_never_printed(tmp_path: Path, capsys, monkeypatch) -> None:
    uri = "https://alice:s3cret@milvus.example.org:19530"
    assert redacted(uri) == "https://milvus.example.org:19530"
    settings = replace(Settings(), milvus_uri=uri, milvus_token="tok-123")
    assert "tok-123" not in repr(settings) and "s3cret" not in json.dumps(MilvusBackend(settings).describe())
    # A server that is not there: one sentence, no credential, no traceback.
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("ASSISTANT_MILVUS_URI", f"http://alice:s3cret@127.0.0.1:{free_port()}")
    monkeypatch.setenv("ASSISTANT_MILVUS_TOKEN", "tok-123")
    assert cli.main(["status", "--json", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "i")]) == 1
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and "could not be reached" in out.err
    assert "s3cret" not in out.err and "tok-123" not in out.err


# --- Milvus: processes, kills ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_lite_database_open_in_another_process_gets_one_sentence(corpus: Path, tmp_path: Path) -> None:
    database = tmp_path / "lite.db"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom pymilvus import MilvusClient\n"
                               f"MilvusClient({str(database)!r})\nprint('open', flush=True)\ntime.sleep(120)"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        env = {**os.environ, "ASSISTANT_MILVUS_URI": str(database), "HF_HUB_OFFLINE": "1"}
        result = subprocess.run([sys.executable, "-m", "assistant", "ask", "What river forms the border?",
                                 "--corpus", str(corpus), "--index", str(tmp_path / "index")],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert f"The Milvus Lite database {database} is open in another process" in result.stderr
    assert "milvus-lite server --data-dir" in result.stderr


@pytest.fixture
def lite_server(tmp_path: Path):
    """Milvus Lite served on a free local port, so that a build and the questions can run in two processes."""
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "milvus-lite"), "server", "--data-dir",
                               str(tmp_path / "served.db"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert server.poll() is None and time.monotonic() < deadline, "the Milvus Lite server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=30)


def answers(settings: Settings, questions: list[str]) -> list[str]:
    """What each question finds (the passages it is answered from: the fake embedder's answers abstain)."""
    assistant = Assistant(settings, FakeEmbedder())
    assistant.reload()
    return [" / ".join(h.chunk.text for h in assistant.retrieve(q)[:3]) for q in questions]


@pytest.mark.parametrize("pause_at", ["milvus-rows", "milvus-live"])
def test_sigkill_during_a_milvus_build_keeps_the_old_answers(pause_at: str, corpus: Path, tmp_path: Path,
                                                            lite_server: str) -> None:
    settings = replace(make_settings(corpus, tmp_path / "index"), milvus_uri=lite_server)
    build_index(settings, FakeEmbedder())
    questions = ["Which river forms part of the border with Guatemala?", "When does the market open?"]
    before = answers(settings, questions)
    assert "dawn" in before[1].split(" / ")[0]
    (corpus / "notes.md").write_text(NOTES.replace("dawn", "noon"), encoding="utf-8")
    marker = tmp_path / "marker"
    helper = subprocess.Popen([sys.executable, str(HELPER), str(corpus), str(settings.index), "--pause-at", pause_at,
                               "--marker", str(marker), "--milvus-uri", lite_server], cwd=ROOT,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert helper.poll() is None, f"helper exited early: {helper.stderr.read().decode()}"
        assert time.monotonic() < deadline, "the helper never reached its pause point"
        time.sleep(0.05)
    helper.send_signal(signal.SIGKILL)
    helper.wait(timeout=30)
    helper.stdout.close()
    helper.stderr.close()
    if pause_at == "milvus-rows":  # not live: the old answers, from the old rows only
        assert answers(settings, questions) == before
    else:  # live: the new answers, though the replaced rows are still there
        assert "noon" in answers(settings, questions)[1].split(" / ")[0]
    report = build_index(settings, FakeEmbedder())
    assert "noon" in answers(settings, questions)[1].split(" / ")[0]
    assert answers(settings, questions)[0] == before[0]
    assert milvus_rows(settings) == report.chunks_total  # what the killed build left is gone


# --- the real model: the same answers from both backends ----------------------------------------------------

def test_milvus_lite_gives_the_answers_faiss_gives(paper_assistant: Assistant, real_embedder, tmp_path: Path) -> None:
    settings = replace(paper_assistant.settings, index=tmp_path / "index", milvus_uri=str(tmp_path / "lite.db"))
    build_index(settings, real_embedder)
    milvus = Assistant(settings, real_embedder)
    milvus.reload()
    assert milvus.store.backend == "milvus" and paper_assistant.store.backend == "faiss"
    gold = [json.loads(line) for line in (ROOT / "tests" / "gold" / "heldout" / "paper.jsonl").open()][:20]
    questions = [g["question"] for g in gold if not g.get("history")]
    milvus.prepare(questions)  # one batch: the same answers as one question at a time
    same = [paper_assistant.ask(q).answer == milvus.ask(q).answer for q in questions]
    assert len(questions) >= 15 and all(same), [q for q, s in zip(questions, same) if not s]
    # A request to go on steps through the store's passages: the same next sentences from either backend.
    more = [(paper_assistant.ask("Tell me more", [q]).answer, milvus.ask("Tell me more", [q]).answer)
            for q in questions[:5]]
    assert all(a == b for a, b in more) and sum(a is not None for a, _ in more) >= 3, more


def test_the_chat_serves_answers_from_milvus_lite(tmp_path: Path, monkeypatch) -> None:
    """ASSISTANT_MILVUS_URI=<folder> make run: the app builds the index into Milvus Lite and answers from it."""
    from test_app import answer_block, ask, start_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(PAPER, corpus / PAPER.name)
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_MILVUS_URI", str(tmp_path / "lite"))
    at = start_app()
    ask(at, "When was the Federal Telecommunications Institute created?")
    assert "2013" in answer_block(at)
    status = index_status(Settings.from_env())
    assert status.to_dict()["backend"] == "milvus" and status.exists and not status.stale
    assert (tmp_path / "lite" / "assistant.db").is_dir() and not (tmp_path / "index" / "current").exists()
