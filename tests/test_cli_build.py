"""`python -m assistant build` and `status` as a user runs them: real subprocesses, real model, tmp folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAPER, ROOT

BUILD_KEYS = {"added", "changed", "removed", "unchanged", "failed", "skipped", "chunks_total", "chunks_embedded",
              "seconds"}
ODD_NAME = "--odd name ü.md"  # leading dashes, a space and unicode: must never be read as an option
STATUS_KEYS = {"index_exists", "stale", "documents", "chunks", "model", "built_at", "new", "changed", "removed",
               "failed", "skipped"}


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    for name in ("ASSISTANT_CORPUS", "ASSISTANT_INDEX"):
        if env is None or name not in env:
            full_env.pop(name, None)  # only what the test passes decides the folders
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def assert_clean_failure(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """One real build of the paper plus two broken files, shared by the read-only checks below."""
    base = tmp_path_factory.mktemp("cli")
    corpus = base / "my docs"  # a space in the folder name, as users have
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    (corpus / ODD_NAME).write_text("# Odd\n\nA file whose name starts with dashes.\n")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 16)
    index = base / "index"
    result = run_cli("build", "--corpus", str(corpus), "--index", str(index), "--json")
    return {"corpus": corpus, "index": index, "result": result}


def test_build_json_has_the_documented_shape(built):
    result = built["result"]
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert BUILD_KEYS <= set(report)
    assert report["added"] == [ODD_NAME, PAPER.name]
    assert report["changed"] == report["removed"] == report["unchanged"] == []
    assert report["failed"] == [{"path": "binary.txt",
                                 "error": "the file looks binary, not text; save it as .md, .txt or .pdf"}]
    assert report["skipped"] == [{"path": "empty.txt", "reason": "the file is empty"}]
    assert report["chunks_total"] == report["chunks_embedded"] == 26
    assert isinstance(report["seconds"], float) and report["seconds"] > 0


def test_build_shows_progress_on_stderr_not_stdout(built):
    result = built["result"]
    assert "Embedding" in result.stderr
    assert "Embedding" not in result.stdout


def test_second_build_embeds_nothing_and_names_unchanged_files(built):
    result = run_cli("build", "--corpus", str(built["corpus"]), "--index", str(built["index"]), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["chunks_embedded"] == 0 and report["chunks_total"] == 26
    assert report["unchanged"] == [ODD_NAME, PAPER.name] and report["added"] == []


def test_status_json_through_environment_variables(built):
    env = {"ASSISTANT_CORPUS": str(built["corpus"]), "ASSISTANT_INDEX": str(built["index"])}
    result = run_cli("status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert STATUS_KEYS <= set(status)
    assert status["index_exists"] is True and status["stale"] is False
    assert (status["documents"], status["chunks"]) == (2, 26)
    assert status["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert status["new"] == status["changed"] == status["removed"] == []
    assert [f["path"] for f in status["failed"]] == ["binary.txt"]
    assert [s["path"] for s in status["skipped"]] == ["empty.txt"]


def test_status_names_new_changed_and_removed_files(tmp_path: Path, built):
    corpus = tmp_path / "corpus"
    shutil.copytree(built["corpus"], corpus)
    index = tmp_path / "index"
    shutil.copytree(built["index"], index, symlinks=True)  # `current` is a relative link: it still works
    (corpus / "new notes.md").write_text("Fresh notes.")
    (corpus / PAPER.name).unlink()
    result = run_cli("status", "--corpus", str(corpus), "--index", str(index), "--json")
    status = json.loads(result.stdout)
    assert status["stale"] is True
    assert (status["new"], status["removed"]) == (["new notes.md"], [PAPER.name])

    human = run_cli("status", "--corpus", str(corpus), "--index", str(index))
    assert human.returncode == 0
    assert "Index stale: 2 documents, 26 chunks" in human.stdout
    assert "new: new notes.md" in human.stdout and f"removed: {PAPER.name}" in human.stdout


def test_status_without_an_index_says_how_to_build(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    result = run_cli("status", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index"))
    assert result.returncode == 0
    assert "No index in" in result.stdout and "python -m assistant build" in result.stdout
    data = json.loads(run_cli("status", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index"),
                              "--json").stdout)
    assert data["index_exists"] is False and data["stale"] is True


def test_build_with_nothing_indexable_fails_with_a_clear_message(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = run_cli("build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json")
    assert_clean_failure(result, "Nothing could be indexed in")
    assert "empty.md: the file is empty" in result.stderr
    assert "photo.jpg: unsupported file type '.jpg'" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "index" / "current").exists()


def test_build_with_a_missing_corpus_fails_with_a_clear_message(tmp_path: Path):
    result = run_cli("build", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "index"))
    assert_clean_failure(result, "does not exist; create it or pass --corpus")


def test_build_human_summary(tmp_path: Path, built):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built["corpus"], corpus)
    shutil.copytree(built["index"], index, symlinks=True)
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = run_cli("build", "--corpus", str(corpus), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert "Indexed 26 chunks from 2 documents in" in result.stdout and "(0 chunks embedded)" in result.stdout
    assert "failed: binary.txt: the file looks binary" in result.stdout
    assert "skipped: empty.txt: the file is empty" in result.stdout
    assert "skipped: photo.jpg: unsupported file type '.jpg'" in result.stdout
