"""The benchmark's quick mode runs end to end and writes a report of the expected shape (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"1", "2", "3a", "3b", "4a", "4b", "4c", "5a", "5b", "5c", "6a", "6b", "6c", "7", "8a", "8b", "8c", "8d", "8e"}
STATUSES = {"met", "not met", "not measured"}


def test_quick_benchmark_writes_a_complete_report(tmp_path: Path) -> None:
    report, data = tmp_path / "benchmarks.md", tmp_path / "benchmarks.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--output", str(report), "--json",
                           str(data), "--cache", str(tmp_path / "cache")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]

    results = json.loads(data.read_text(encoding="utf-8"))
    assert results["quick"] is True and not results["errors"]
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_gib"] > 0
    targets = {t["id"]: t for t in results["targets"]}
    assert set(targets) == TARGETS
    for target in targets.values():
        assert target["status"] in STATUSES
        assert target["goal"] and target["measured"]
        if target["status"] != "met":  # a miss or a gap always says why
            assert target["why"], target
    sections = {m["section"] for m in results["metrics"]}
    assert {"Build (generated corpus)", "Encoder: ONNX Runtime vs PyTorch",
            "Question latency (warm, question to answer)", "FAISS on synthetic clustered vectors",
            "Start-up (fresh processes)", "PDF folders (the 10-Q filings)"} <= sections

    text = report.read_text(encoding="utf-8")
    for heading in ("# Benchmarks", "## Targets", "## Measurements", "## How it was measured"):
        assert heading in text
    assert "**Command:** `python -m benchmarks --quick" in text and "**Machine:**" in text
    for target_id in TARGETS:
        assert f"| {target_id} |" in text
    assert "| # | target | goal | measured | status |" in text
    assert done.stdout.startswith("Targets")  # the table is printed too


# The encoder the benchmark chose (assistant/embedding.py): same vectors, ONNX by default, PyTorch as fallback.

def test_onnx_and_pytorch_give_the_same_vectors() -> None:
    from assistant.embedding import SentenceTransformerEmbedder

    texts = ["Mexico", "When was the Federal Telecommunications Institute created?", "Mexico",
             "A longer sentence about digital public infrastructure, payments and identity across borders. " * 3]
    onnx = SentenceTransformerEmbedder(backend="onnx")
    torch = SentenceTransformerEmbedder(backend="torch")
    a, b = onnx.encode_documents(texts), torch.encode_documents(texts)
    assert a.shape == (4, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert float((a * b).sum(1).min()) > 0.9999
    assert np.array_equal(a[0], a[2])  # a repeated text is encoded once and copied back in place
    assert float(onnx.encode_query(texts[1]) @ torch.encode_query(texts[1])) > 0.9999
    assert SentenceTransformerEmbedder().backend == "onnx"


def test_auto_falls_back_to_pytorch_when_onnx_cannot_be_prepared(monkeypatch) -> None:
    from assistant import embedding

    def broken(cache=None):
        raise ImportError("No module named 'onnxruntime'")

    monkeypatch.setattr(embedding, "onnx_model_file", broken)
    embedder = embedding.SentenceTransformerEmbedder()
    assert embedder.backend == "torch" and "onnxruntime" in embedder.fallback_reason
    assert embedder.encode_query("Mexico").shape == (384,)
    with pytest.raises(embedding.ModelUnavailable, match="ONNX model could not be prepared"):
        embedding.SentenceTransformerEmbedder(backend="onnx").encode_query("Mexico")
