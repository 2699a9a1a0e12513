"""`python -m assistant ask` and `eval` as a user runs them: real processes, real model, temp folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GOLD, PAPER, ROOT


def run(args: list[str], corpus: Path, index: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / PAPER.name).write_bytes(PAPER.read_bytes())
    return corpus, base / "index"


def test_ask_json_builds_the_missing_index_then_answers_verbatim(folders):
    corpus, index = folders
    result = run(["ask", "When was the Federal Telecommunications Institute created?", "--json"], corpus, index)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answer", "abstained", "score", "citations", "timings_ms"}
    assert "2013" in data["answer"] and data["abstained"] is False
    citation = data["citations"][0]
    assert {"n", "source", "section", "page", "start", "end", "quote", "passage", "score"} <= set(citation)
    assert PAPER.read_text(encoding="utf-8")[citation["start"]:citation["end"]] == citation["quote"]
    assert set(data["timings_ms"]) == {"retrieve", "read", "total"}


def test_ask_plain_shows_markers_and_numbered_sources(folders):
    corpus, index = folders
    result = run(["ask", "When was it created?", "--history", "Tell me about the Federal Telecommunications Institute"],
                 corpus, index)
    assert result.returncode == 0, result.stderr
    assert "2013" in result.stdout and "[1]" in result.stdout
    assert "Sources:" in result.stdout and "3.2 Telecommunications Transformation" in result.stdout


def test_ask_jsonl_answers_each_line_and_reports_bad_lines(folders):
    corpus, index = folders
    lines = "\n".join([
        json.dumps({"question": "What is the PIAD program?", "history": []}),
        json.dumps({"question": "Who is it for?", "history": ["What is the PIAD program?"]}),
        "not json",
        json.dumps({"question": "   "}),
        json.dumps({"question": "What is the recipe for guacamole?"}),
    ])
    result = run(["ask", "--jsonl"], corpus, index, stdin=lines)
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert "students" in out[1]["answer"] and "teachers" in out[1]["answer"]
    assert out[2] == {"line": 3, "error": out[2]["error"]} and "not an object" in out[2]["error"]
    assert "empty" in out[3]["error"]
    assert out[4]["abstained"] is True and out[4]["answer"] is None


@pytest.mark.parametrize("question, message", [("   ", "empty"), ("x" * 5000, "characters long")])
def test_bad_questions_exit_2_with_one_clear_sentence(folders, question, message):
    corpus, index = folders
    result = run(["ask", question], corpus, index)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_eval_reports_every_metric(folders, tmp_path):
    corpus, index = folders
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join((GOLD / "tuning" / "paper.jsonl").read_text(encoding="utf-8").splitlines()[:12]) + "\n",
                    encoding="utf-8")
    result = run(["eval", str(gold), "--json"], corpus, index)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in ("answer_accuracy", "citation_accuracy", "abstention_precision", "abstention_recall",
                "recall_at_1", "recall_at_5", "mrr", "latency_ms_p50", "latency_ms_p95"):
        assert key in summary
    assert summary["questions"] == 12
    plain = run(["eval", str(gold)], corpus, index)
    assert "answer accuracy:" in plain.stdout and "latency p50 / p95:" in plain.stdout
