"""Reliability and security (issue 6): hostile files, killed and concurrent builds, damaged indexes, bad questions.

Whatever happens, the previous index keeps answering, nothing is lost, and the user gets one sentence per
problem. Logic tests use the deterministic FakeEmbedder; questions are also asked of the real model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

import assistant.ingest as ingest
from assistant.assistant import Assistant, QuestionError, index_status
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.ingest import parse_markdown
from assistant.build import BuildReport, build_index
from assistant.faiss_store import (BUILD_PREFIX, CURRENT, MANIFEST, live_dir, load_store, manifest_digest,
                                   read_manifest, verify_index)
from assistant.store import BuildBusy, IndexError_, Store
from conftest import PAPER, ROOT, FakeEmbedder
from pdf_factory import encrypt_pdf, make_pdf

HELPER = Path(__file__).resolve().parent / "build_helper.py"
NOTES = ("# Notes\n\n## Rivers\n\nThe Usumacinta river forms part of the border with Guatemala. It carries more "
         "water than any other river.\n\n## Volcanoes\n\nPopocatepetl is an active volcano southeast of Mexico "
         "City.\n")
QUESTIONS = ["Which river forms part of the border with Guatemala?",
             "When was the National Space Agency established?", "How many Mexicans lack broadband?"]


# --- shared helpers ---------------------------------------------------------------------------

def answers(settings: Settings) -> list[dict]:
    """What a freshly loaded assistant answers, without timings: equal lists mean identical behaviour."""
    assistant = Assistant(settings, FakeEmbedder())
    assistant.reload()
    out = []
    for question in QUESTIONS:
        data = assistant.ask(question).to_dict()
        data.pop("timings_ms")
        out.append(data)
    return out


def build_folders(index: Path) -> set[str]:
    return {p.name for p in index.glob(f"{BUILD_PREFIX}*")}


def build_with_extra(settings: Settings, name: str, data: bytes, **overrides) -> tuple[BuildReport, Store]:
    """Build the paper, the notes and one extra file; return the report and the loaded index."""
    path = settings.corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    settings = replace(settings, **overrides)
    report = build_index(settings, FakeEmbedder())
    return report, load_store(settings)


def assert_others_indexed(report: BuildReport, store: Store) -> None:
    assert {PAPER.name, "notes.md"} <= set(store.manifest["files"])
    assert {PAPER.name, "notes.md"} <= {c.source for c in store.chunks}
    assert {PAPER.name, "notes.md"} <= set(report.added)


def problem(report: BuildReport, kind: str, source: str) -> str:
    found = {p.source: p.reason for p in getattr(report, kind)}
    assert source in found, f"{source} not in {kind}: {found}"
    return found[source]


# --- bad files: each is reported, the others are indexed --------------------------------------

@pytest.mark.parametrize("name, data, kind, reason", [
    ("empty.txt", b"", "skipped", "the file is empty"),
    ("blank.md", b"   \n\t\n   \n", "skipped", "the file holds only white space"),
    ("junk.txt", bytes(range(256)) * 40, "failed", "the file looks binary, not text; save it as .md, .txt or .pdf"),
    ("junk.md", b"\x7fELF\x02\x01\x01\x00" + bytes(4000), "failed", "the file looks binary, not text"),
    ("junk.pdf", os.urandom(4000).replace(b"%PDF-", b"xxxxx"), "failed", "the file is named .pdf but is not a PDF"),
    ("truncated.pdf", make_pdf([["Text that is cut off."]] * 3)[:700], "failed",
     "the PDF is damaged or truncated and cannot be opened"),
    ("locked.pdf", encrypt_pdf(make_pdf([["Confidential."]]), "s3cret"), "skipped",
     "the PDF is password-protected, skipped; remove the password to index it"),
    ("scan.pdf", make_pdf([[], [], []]), "failed", "the PDF has no extractable text (scanned?); run OCR on it first"),
])
def test_bad_file_is_reported_and_the_rest_indexed(settings: Settings, name: str, data: bytes, kind: str,
                                                   reason: str):
    report, store = build_with_extra(settings, name, data)
    assert problem(report, kind, name).startswith(reason)
    assert name not in store.manifest["files"]
    assert_others_indexed(report, store)
    # The problem is remembered for `status` and the UI, with its reason.
    listed = {p["path"]: p.get("error") or p.get("reason") for p in store.manifest[kind]}
    assert listed[name].startswith(reason)


@pytest.mark.parametrize("encoding, warning", [("latin-1", "not valid UTF-8; decoded as cp1252"),
                                               ("utf-16", "decoded as UTF-16")])
def test_non_utf8_text_is_indexed_with_a_warning(settings: Settings, encoding: str, warning: str):
    text = "# Recipes\n\n## Cuisine\n\nLa crème brûlée est un dessert français. Mañana comemos piñata.\n"
    report, store = build_with_extra(settings, "cuisine.md", text.encode(encoding))
    assert problem(report, "warnings", "cuisine.md") == warning
    chunk = next(c for c in store.chunks if c.source == "cuisine.md")
    assert chunk.text == "La crème brûlée est un dessert français. Mañana comemos piñata."
    assert chunk.section == "Cuisine"
    assert_others_indexed(report, store)


def test_file_over_the_size_limit_is_skipped_with_both_sizes(settings: Settings):
    report, store = build_with_extra(settings, "huge.md", b"Big text. " * 4000, max_file_bytes=16 * 1024)
    assert problem(report, "skipped", "huge.md") == ("larger than the 16 KB limit (39 KB); split it or raise "
                                                     "the limit")
    assert_others_indexed(report, store)


HOSTILE_LINES = {
    "words": "word " * 200_000,
    "short sentences": "Hi. " * 250_000,
    "question marks": "a" + "?" * 1_000_000 + " b",
    "heading with trailing spaces": "## a" + " " * 1_000_000 + "x\n\nBody.",
    "pipe table separator": "| a | b |\n|--" + " " * 1_000_000 + "x|\n| c | d |",
    "no spaces": "x" * 1_000_000,
}


@pytest.mark.parametrize("kind", list(HOSTILE_LINES))
def test_a_one_megabyte_line_is_chunked_quickly_with_exact_offsets(kind: str):
    text = HOSTILE_LINES[kind]
    started = time.perf_counter()
    doc = parse_markdown("line.md", text)
    chunks = chunk_document(doc)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{kind}: {elapsed:.1f} s"  # linear time; the quadratic versions took minutes
    assert chunks and all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert all(len(c.section) <= 400 for c in chunks)


def test_a_one_megabyte_line_file_is_indexed_next_to_the_others(settings: Settings):
    started = time.perf_counter()
    report, store = build_with_extra(settings, "oneline.md", ("All work and no play. " * 48_000).encode())
    assert time.perf_counter() - started < 60
    assert "oneline.md" in report.added and len(store.chunks) > 100
    assert_others_indexed(report, store)


def test_ten_thousand_headings_stay_fast(settings: Settings):
    text = "".join(f"## Heading {i}\n\nBody text number {i}.\n\n" for i in range(10_000))
    started = time.perf_counter()
    doc = parse_markdown("many.md", text)
    chunks = chunk_document(doc)
    assert time.perf_counter() - started < 5
    assert len(chunks) == 10_000 and chunks[-1].section == "Heading 9999"
    assert chunks[-1].text == "Body text number 9999."
    report, store = build_with_extra(settings, "many.md", text.encode())
    assert "many.md" in report.added and len(store.chunks) > 10_000
    assert_others_indexed(report, store)


def test_deeply_numbered_headings_keep_the_section_path_short():
    text = "".join(f"## {'.'.join(['1'] * depth)} Level {depth}\n\nText at level {depth}.\n\n" for depth in
                   range(1, 80))
    chunks = chunk_document(parse_markdown("deep.md", text))
    assert max(len(c.section) for c in chunks) <= 400  # 79 nested headings would be over 6,000 characters
    assert chunks[-1].section.startswith("… ") and chunks[-1].section.endswith("Level 78 > " + "1." * 78 +
                                                                               "1 Level 79")


# --- links, special files and odd names -------------------------------------------------------

def test_symlink_to_a_file_outside_the_corpus_is_refused(settings: Settings, tmp_path: Path):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text("The launch code is 0000-SECRET.")
    os.symlink(secret, settings.corpus / "innocent.md")
    report = build_index(settings, FakeEmbedder())
    assert problem(report, "skipped", "innocent.md") == "symbolic link to a file outside the corpus; refused"
    store = load_store(settings)
    assert not any("SECRET" in c.text for c in store.chunks)
    assert {PAPER.name, "notes.md"} == set(store.manifest["files"])
    # Not even a checksum of the outside file is taken or stored (only why, in English and as its message).
    assert next(p for p in store.manifest["skipped"] if p["path"] == "innocent.md") == {
        "path": "innocent.md", "reason": "symbolic link to a file outside the corpus; refused",
        "said": {"key": "scan_outside_link"}, "read": False}


def test_symlink_to_a_folder_is_refused_and_said_so(settings: Settings, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.md").write_text("Private notes.")
    os.symlink(outside, settings.corpus / "linked")
    report = build_index(settings, FakeEmbedder())
    assert problem(report, "skipped", "linked") == "symbolic link to a folder; refused, copy the folder in instead"
    assert "linked/private.md" not in load_store(settings).manifest["files"]


def test_symlink_inside_the_corpus_is_indexed(settings: Settings):
    os.symlink("notes.md", settings.corpus / "alias.md")
    report = build_index(settings, FakeEmbedder())
    assert "alias.md" in report.added


def test_a_named_pipe_is_refused_instead_of_blocking_the_build(settings: Settings):
    os.mkfifo(settings.corpus / "pipe.md")
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(report=build_index(settings, FakeEmbedder())),
                              daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the build blocked reading a FIFO"
    assert problem(result["report"], "skipped", "pipe.md") == ("not a regular file (a pipe, device or folder); "
                                                               "refused")


def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(settings: Settings):
    name = os.fsdecode(b"caf\xe9 menu.md")
    (settings.corpus / name).write_text("Coffee and cake.")
    report = build_index(settings, FakeEmbedder())
    assert problem(report, "skipped", "caf\\xe9 menu.md") == "the file name is not valid UTF-8; rename the file"
    assert_others_indexed(report, load_store(settings))


def test_names_with_spaces_unicode_and_leading_dashes_are_indexed(settings: Settings):
    names = ["my notes.md", "-rf.md", "--help.txt", "日本語 ノート.md", "Ωmega — draft (v2).md", "sub dir/-x.md"]
    for i, name in enumerate(names):
        path = settings.corpus / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"Document number {i} is called {name}.")
    report = build_index(settings, FakeEmbedder())
    assert set(names) <= set(report.added)
    store = load_store(settings)
    assert set(names) <= {c.source for c in store.chunks}
    assert not build_index(settings, FakeEmbedder()).chunks_embedded  # and they are recognised next time


def test_a_file_swapped_for_a_link_after_the_scan_is_not_followed(tmp_path: Path):
    secret = tmp_path / "secret.md"
    secret.write_text("Outside text.")
    inside = tmp_path / "corpus" / "note.md"
    inside.parent.mkdir()
    inside.write_text("Inside text.")
    files, _ = ingest.scan_corpus(inside.parent, 1 << 20)  # scanned as a regular file ...
    inside.unlink()
    os.symlink(secret, inside)  # ... then swapped for a link before it is read
    with pytest.raises(ingest.IngestError, match="^the file was replaced by a symbolic link while it was being "
                                                 "indexed; refused$"):
        ingest.read_file(files[0])


# --- files that change or vanish while being read ---------------------------------------------

def test_a_file_that_changes_while_being_read_is_read_again(settings: Settings, monkeypatch):
    real_read = ingest._read
    calls = {"n": 0}

    def read_during_save(file):
        data = real_read(file)
        if file.source == "notes.md" and calls["n"] == 0:
            calls["n"] += 1
            # The editor finishes saving after our read began: what we read is stale.
            file.path.write_text(NOTES + "\nA sentence saved during the read.\n")
        return data

    monkeypatch.setattr(ingest, "_read", read_during_save)
    report = build_index(settings, FakeEmbedder())
    assert "notes.md" in report.added
    assert any("saved during the read" in c.text for c in load_store(settings).chunks)


def test_a_file_that_keeps_changing_is_reported(settings: Settings, monkeypatch):
    real_read = ingest._read

    def read_while_growing(file):
        data = real_read(file)
        if file.source == "notes.md":
            with file.path.open("a") as handle:
                handle.write("More. ")
        return data

    monkeypatch.setattr(ingest, "_read", read_while_growing)
    report = build_index(settings, FakeEmbedder())
    assert problem(report, "failed", "notes.md") == ("the file kept changing while it was being read; build "
                                                     "again once it is saved")
    assert PAPER.name in report.added


def test_a_file_that_disappears_while_being_read_is_reported(settings: Settings, monkeypatch):
    real_read = ingest._read

    def read_after_delete(file):
        if file.source == "notes.md":
            file.path.unlink()
        return real_read(file)

    monkeypatch.setattr(ingest, "_read", read_after_delete)
    report = build_index(settings, FakeEmbedder())
    assert problem(report, "failed", "notes.md") == ("the file disappeared while it was being read; build again "
                                                     "once it is back")
    assert PAPER.name in report.added
    monkeypatch.undo()
    again = build_index(settings, FakeEmbedder())  # it was never indexed: nothing to remove, nothing to report
    assert (again.removed, again.failed, again.chunks_embedded) == ([], [], 0)


# --- killed builds ----------------------------------------------------------------------------

def start_helper(settings: Settings, pause_at: str, marker: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, str(HELPER), str(settings.corpus), str(settings.index), "--pause-at",
                             pause_at, "--marker", str(marker)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def wait_for(marker: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"helper exited early: {process.stderr.read().decode()}")
        assert time.monotonic() < deadline, "helper never reached its pause point"
        time.sleep(0.05)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()


@pytest.mark.parametrize("pause_at", ["embedding", "writing", "swap-before"])
def test_build_killed_midway_leaves_the_previous_index_answering_identically(settings: Settings, tmp_path: Path,
                                                                             pause_at: str):
    build_index(settings, FakeEmbedder())
    live = live_dir(settings.index)
    before = answers(settings)
    (settings.corpus / "notes.md").write_text(NOTES.replace("Usumacinta", "Suchiate"))
    (settings.corpus / "added.md").write_text("A brand new document.")

    marker = tmp_path / "paused"
    process = start_helper(settings, pause_at, marker)
    wait_for(marker, process)
    kill(process)

    assert live_dir(settings.index) == live
    assert verify_index(settings) is None
    assert answers(settings) == before
    leftovers = build_folders(settings.index) - {live.name}
    tmp_links = list(settings.index.glob(f".{CURRENT}.*.tmp"))
    if pause_at == "embedding":
        assert not leftovers and not tmp_links
    else:
        assert leftovers  # a half-written (or written but never swapped-in) build folder
        assert bool(tmp_links) == (pause_at == "swap-before")

    report = build_index(settings, FakeEmbedder())  # the next build cleans up and finishes the job
    assert report.changed == ["notes.md"] and report.added == ["added.md"]
    assert build_folders(settings.index) == {live.name, live_dir(settings.index).name}
    assert not list(settings.index.glob(f".{CURRENT}.*.tmp"))
    assert "Suchiate" in answers(settings)[0]["answer"]


def test_build_killed_right_after_the_swap_serves_the_complete_new_index(settings: Settings, tmp_path: Path):
    build_index(settings, FakeEmbedder())
    old = live_dir(settings.index)
    (settings.corpus / "notes.md").write_text(NOTES.replace("Usumacinta", "Suchiate"))
    marker = tmp_path / "paused"
    process = start_helper(settings, "swap-after", marker)
    wait_for(marker, process)
    kill(process)

    assert live_dir(settings.index) != old
    assert verify_index(settings) is None
    assert "Suchiate" in answers(settings)[0]["answer"]
    report = build_index(settings, FakeEmbedder())
    assert report.chunks_embedded == 0 and not report.changed


# --- concurrent builds and questions during a rebuild -----------------------------------------

def test_a_second_build_is_refused_while_one_runs_then_waits_with_wait_true(settings: Settings, tmp_path: Path):
    build_index(settings, FakeEmbedder())
    (settings.corpus / "added.md").write_text("Something new to embed.")
    marker = tmp_path / "paused"
    process = start_helper(settings, "embedding", marker)  # another process, holding the lock
    try:
        wait_for(marker, process)
        with pytest.raises(BuildBusy, match=r"^An index build is already running; wait for it to finish, then "
                                            r"try again\.$"):
            build_index(settings, FakeEmbedder())

        result: dict = {}
        waiter = threading.Thread(target=lambda: result.update(report=build_index(settings, FakeEmbedder(),
                                                                                  wait=True)), daemon=True)
        waiter.start()
        time.sleep(1.0)
        assert waiter.is_alive() and not result  # waiting for the lock, not building beside the other one
    finally:
        kill(process)  # a killed process's lock is released by the kernel
    waiter.join(timeout=60)
    assert result["report"].added == ["added.md"]


def test_two_builds_in_one_process_also_exclude_each_other(settings: Settings):
    started, release = threading.Event(), threading.Event()

    class SlowEmbedder(FakeEmbedder):
        def encode_documents(self, texts, progress=None):
            started.set()
            release.wait(30)
            return super().encode_documents(texts, progress)

    first = threading.Thread(target=build_index, args=(settings, SlowEmbedder()), daemon=True)
    first.start()
    assert started.wait(30)
    with pytest.raises(BuildBusy, match="already running"):
        build_index(settings, FakeEmbedder())
    release.set()
    first.join(30)
    assert verify_index(settings) is None


def test_questions_during_a_rebuild_are_answered_from_the_old_index(settings: Settings):
    entered, release = threading.Event(), threading.Event()

    class GateEmbedder(FakeEmbedder):
        gate = False

        def encode_documents(self, texts, progress=None):
            if self.gate:
                entered.set()
                release.wait(30)
            return super().encode_documents(texts, progress)

    embedder = GateEmbedder()
    build_index(settings, embedder)
    assistant = Assistant(settings, embedder)
    assistant.reload()
    question = QUESTIONS[0]
    assert "Usumacinta" in assistant.ask(question).answer

    (settings.corpus / "notes.md").write_text(NOTES.replace("Usumacinta", "Suchiate"))
    embedder.gate = True
    rebuild = threading.Thread(target=assistant.rebuild, daemon=True)
    rebuild.start()
    assert entered.wait(30)
    during = assistant.ask(question)
    assert "Usumacinta" in during.answer  # the old, complete index: never a half-written one
    release.set()
    rebuild.join(30)
    assert not rebuild.is_alive()
    assert "Suchiate" in assistant.ask(question).answer  # switched once the new index was complete


# --- damaged indexes --------------------------------------------------------------------------

def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _edit_manifest(folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["chunks"] += 1
    (folder / MANIFEST).write_text(json.dumps(manifest))


DAMAGE = {
    "truncated chunk store": lambda folder: _truncate(folder / "chunks.jsonl"),
    "truncated FAISS index": lambda folder: _truncate(folder / "vectors.faiss"),
    "edited vectors": lambda folder: _flip_last_byte(folder / "units.npy"),
    "missing BM25 file": lambda folder: next(p for p in (folder / "bm25").iterdir() if p.is_file()).unlink(),
    "edited manifest": _edit_manifest,
    "garbled manifest": lambda folder: (folder / MANIFEST).write_text("{ not json"),
    "manifest that is not an object": lambda folder: (folder / MANIFEST).write_text("[]"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_detected_on_load_and_repaired_by_build(settings: Settings, damage: str):
    build_index(settings, FakeEmbedder())
    before = answers(settings)
    assert verify_index(settings) is None  # remembered for this state of the files, and no later
    DAMAGE[damage](live_dir(settings.index))

    with pytest.raises(IndexError_, match=r"damaged.*; rebuild with `python -m assistant build`\.$"):
        load_store(settings)
    assert "damaged" in verify_index(settings)

    report = build_index(settings, FakeEmbedder())
    assert report.full_reason.startswith(("the previous index is damaged", "the previous index could not be read"))
    assert report.chunks_embedded == report.chunks_total
    assert verify_index(settings) is None
    assert answers(settings) == before


def _rewrite_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    change(manifest)
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest))


def test_checksums_naming_files_outside_the_build_folder_are_refused(settings: Settings, tmp_path: Path):
    build_index(settings, FakeEmbedder())
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of any index")
    os.mkfifo(tmp_path / "pipe")
    _rewrite_manifest(live_dir(settings.index), lambda m: m["checksums"].update(
        {"../../outside.txt": "0" * 64, str(tmp_path / "pipe"): "0" * 64}))
    with pytest.raises(IndexError_, match=r"The index file \.\./\.\./outside\.txt is damaged"):
        load_store(settings)  # and it returns: the pipe was never opened


def test_an_index_written_before_manifests_had_their_own_checksum_still_loads(settings: Settings):
    build_index(settings, FakeEmbedder())
    before = answers(settings)
    folder = live_dir(settings.index)
    manifest = json.loads((folder / MANIFEST).read_text())
    del manifest["manifest_sha256"]
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert verify_index(settings) is None and answers(settings) == before


def test_ask_on_a_damaged_index_says_so_rebuilds_it_and_answers(settings: Settings):
    build_index(settings, FakeEmbedder())
    _truncate(live_dir(settings.index) / "chunks.jsonl")
    result = subprocess.run([sys.executable, "-m", "assistant", "ask", "When was the space agency founded?",
                             "--corpus", str(settings.corpus), "--index", str(settings.index)], cwd=ROOT,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert ("Full rebuild: the previous index is damaged (the index file chunks.jsonl is damaged or was changed "
            "since it was built).") in result.stderr
    assert "2010" in result.stdout and "[1]" in result.stdout
    assert load_store(settings) is not None  # repaired


@pytest.mark.parametrize("field, value, message", [
    ("model", "intfloat/e5-large-v2", "the index was built with model intfloat/e5-large-v2, not "
                                      "sentence-transformers/all-MiniLM-L6-v2"),
    ("format_version", 99, "the index was written in format 99, this version reads format 1"),
])
def test_a_manifest_from_another_model_or_format_is_refused_and_replaced(settings: Settings, field: str, value,
                                                                         message: str):
    build_index(settings, FakeEmbedder())
    before = answers(settings)
    folder = live_dir(settings.index)
    _rewrite_manifest(folder, lambda m: m.update({field: value}))  # a genuine manifest, just from elsewhere

    with pytest.raises(IndexError_, match=f"^The index cannot be used: {message}; rebuild with"):
        load_store(settings)
    status = index_status(settings)
    assert status.stale
    assert status.problem == f"The index cannot be used: {message}; rebuild with `python -m assistant build`."

    report = build_index(settings, FakeEmbedder())
    assert report.full_reason == message
    assert read_manifest(settings.index)[field] != value
    assert answers(settings) == before


# --- bad questions ----------------------------------------------------------------------------

NO_WORDS = "The question has no words or numbers in it; type a question about the documents."
REFUSED_QUESTIONS = {
    "empty": ("", "The question is empty; type a question about the documents."),
    "whitespace": (" \n\t  ", "The question is empty; type a question about the documents."),
    "100,000 characters": ("why " * 25_000, "The question is 100,000 characters long; keep it under 2,000."),
    "only punctuation": ("?!?... ;;; ---", NO_WORDS),
    "emoji": ("🤖🚀🇲🇽 ❓", NO_WORDS),
}
SPACE_AGENCY = "When was the space agency established?"
BROADBAND = "How many Mexicans lack broadband?"
# Odd questions and the plain English question each stands for (None: it asks nothing the paper answers).
ODD_QUESTIONS = {
    "arabic": ("ما هو عدد المكسيكيين الذين يفتقرون إلى النطاق العريض؟", BROADBAND),
    "hebrew": ("מתי הוקמה סוכנות החלל?", SPACE_AGENCY),
    "control characters": ("When\x00 was\x1b[31m the space\x07 agency\u202e established?\x7f", SPACE_AGENCY),
    "html": ("<script>alert('x')</script><img src=x onerror=alert(1)> broadband", BROADBAND),
    "sql": ("'; DROP TABLE chunks; -- When was the space agency established?", SPACE_AGENCY),
    "shell": ("$(touch /tmp/pwned) `touch /tmp/pwned2`; rm -rf /tmp/x && echo done", None),
}
# Must be answered, not only not answered wrongly: nothing but the control characters stands in the way.
MUST_ANSWER = {"control characters"}


def check_citations(answer, corpus: Path) -> None:
    for citation in answer.citations:
        text = ingest.load_document(citation.source, (corpus / citation.source).read_bytes()).text
        assert text[citation.start:citation.end] == citation.quote


@pytest.mark.parametrize("kind", list(REFUSED_QUESTIONS))
def test_unaskable_questions_get_one_clear_sentence(paper_assistant, kind: str):
    question, message = REFUSED_QUESTIONS[kind]
    with pytest.raises(QuestionError, match=f"^{message}$"):
        paper_assistant.ask(question)


@pytest.mark.parametrize("kind", list(ODD_QUESTIONS))
def test_odd_questions_get_the_plain_questions_answer_or_an_honest_abstention(paper_assistant, kind: str):
    question, plain = ODD_QUESTIONS[kind]
    answer = paper_assistant.ask(question)
    # The question comes back as asked, control characters folded to spaces and nothing else changed.
    assert answer.question == " ".join("".join(c if c.isprintable() else " " for c in question).split())
    check_citations(answer, paper_assistant.settings.corpus)
    if plain is None:
        assert answer.abstained, answer.answer
        return
    expected = paper_assistant.ask(plain)
    assert not expected.abstained
    if kind in MUST_ANSWER or not answer.abstained:
        assert answer.answer == expected.answer  # never a different sentence


def test_bad_questions_through_the_cli_never_show_a_traceback(paper_assistant):
    settings = paper_assistant.settings
    questions = [q for q, _ in REFUSED_QUESTIONS.values()] + [q for q, _ in ODD_QUESTIONS.values()]
    lines = [json.dumps({"question": q}) for q in questions] + ["this line is not JSON", json.dumps({"q": 1})]
    result = subprocess.run([sys.executable, "-m", "assistant", "ask", "--jsonl", "--corpus", str(settings.corpus),
                             "--index", str(settings.index)], cwd=ROOT, input="\n".join(lines) + "\n",
                            env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2  # some lines were refused
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == len(lines)
    refused = [r for r in replies if "error" in r]
    assert [r["error"] for r in refused[:5]] == [m for _, m in REFUSED_QUESTIONS.values()]
    assert refused[5]["error"].startswith("line 12 is not an object with a \"question\" string")
    assert refused[6]["error"].startswith("line 13 is not an object")
    for reply, (question, _) in zip(replies[5:11], ODD_QUESTIONS.values()):
        expected = paper_assistant.ask(question)  # the command line answers as the facade does
        assert (reply["question"], reply["answer"], reply["abstained"]) == \
            (expected.question, expected.answer, expected.abstained)


@pytest.mark.parametrize("question, message", [("", "The question is empty"),
                                               ("x" * 100_000, "The question is 100,000 characters long")])
def test_cli_refuses_an_unaskable_question_before_loading_anything(tmp_path: Path, question: str, message: str):
    result = subprocess.run([sys.executable, "-m", "assistant", "ask", question, "--corpus", str(tmp_path),
                             "--index", str(tmp_path / "index")], cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and "Traceback" not in result.stderr
