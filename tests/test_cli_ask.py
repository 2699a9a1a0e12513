"""`python -m assistant ask` and `eval` as a user runs them: real processes, real model, temp folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.evaluate import gold_sets, selected_sets
from conftest import PAPER, ROOT


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
    result = run(["ask", "What is the projected CAGR of the digital health market?", "--json"], corpus, index)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answer", "abstained", "score", "citations", "timings_ms", "message",
                         "language", "answer_span"}
    assert data["answer"] == "Digital health market\tProjected CAGR of 8.89% between 2023 and 2027"
    assert data["language"] == "en" and data["message"] == ""
    span = data["answer_span"]  # the phrase that answers, verbatim at its document offsets
    assert "8.89%" in span["text"] and PAPER.read_text(encoding="utf-8")[span["start"]:span["end"]] == span["text"]
    assert data["abstained"] is False and 0 < data["score"] <= 1
    citation = data["citations"][0]
    assert (citation["n"], citation["source"], citation["section"], citation["page"]) == \
        (1, PAPER.name, "4. Data Analysis", None)
    assert (citation["kind"], citation["headers"]) == ("row", ["Metric", "Insights"])
    assert PAPER.read_text(encoding="utf-8")[citation["start"]:citation["end"]] == citation["quote"] == data["answer"]
    timings = data["timings_ms"]
    assert 0 < timings["retrieve"] <= timings["total"] and 0 < timings["read"] <= timings["total"]


def test_ask_plain_shows_markers_and_numbered_sources(folders):
    corpus, index = folders
    result = run(["ask", "Who is it for?", "--history", "What is the PIAD program?"], corpus, index)
    assert result.returncode == 0, result.stderr
    answer, sources = result.stdout.split("\nSources:\n")
    assert "students" in answer and "teachers" in answer and answer.rstrip().endswith("[1]")
    assert sources.lstrip().startswith(f"[1] {PAPER.name} > ")


def test_ask_jsonl_answers_each_line_with_its_history(folders):
    corpus, index = folders
    lines = "\n".join([
        json.dumps({"question": "What is the PIAD program?", "history": []}),
        json.dumps({"question": "Who is it for?", "history": ["What is the PIAD program?"]}),
        "",
        json.dumps({"question": "How many 5G towers has Mexico installed?"}),
    ])
    result = run(["ask", "--jsonl"], corpus, index, stdin=lines)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3  # the blank line is skipped
    assert "PIAD" in out[0]["answer"]
    assert "students" in out[1]["answer"] and "teachers" in out[1]["answer"]
    assert out[2]["abstained"] is True and out[2]["answer"] is None and out[2]["citations"]


GOLD_ITEMS = [  # two the paper answers, one whose expected fact is wrong on purpose, one it cannot answer
    {"id": "a", "question": "What is the projected CAGR of the digital health market?", "history": [],
     "answerable": True, "facts": ["8.89%"], "evidence": "Projected CAGR of 8.89%", "section": "4. Data Analysis",
     "language": "en"},
    {"id": "b", "question": "Who is it for?", "history": ["What is the PIAD program?"], "answerable": True,
     "facts": ["students"], "evidence": "students and teachers", "section": ""},
    {"id": "c", "question": "What is the projected CAGR of the digital health market?", "history": [],
     "answerable": True, "facts": ["12.5%"], "evidence": "Projected CAGR of 8.89%", "section": "Abstract"},
    {"id": "d", "question": "How many 5G towers has Mexico installed?", "history": [], "answerable": False, "facts": [],
     "evidence": "", "section": "", "language": "es"},  # an English question: its reply is not in Spanish
]


def test_eval_compare_prints_what_moved_between_two_runs(tmp_path):
    def summary(right, declined, misses):
        return {"role": "held-out", "answer_accuracy": right, "answerable_abstained": declined,
                "abstention_recall": 1.0, "misses": misses}

    before = {"Acme manual (held-out)": summary(0.5, 0.25, ["a1", "a2"]),
              "Valmar report (held-out)": summary(0.75, 0.0, ["v3"]),
              "SQuAD test articles": {"role": "held-out", "answer_sentence_holds_gold": 0.7, "answerable_abstained": 0.1,
                                      "impossible_abstained": 0.2, "answer_phrase_f1": 0.6123},
              "Harbourtown notes (held-out)": summary(1.0, 0.0, [])}
    after = {"Acme manual (held-out)": summary(0.5, 0.25, ["a2", "a4"]),
             "Valmar report (held-out)": summary(0.75, 0.0, ["v3"]),
             "SQuAD test articles": {**before["SQuAD test articles"], "answer_phrase_f1": 0.6208}}
    paths = [tmp_path / "before.json", tmp_path / "after.json"]
    for path, results in zip(paths, (before, after)):
        path.write_text(json.dumps(results), encoding="utf-8")
    result = run(["eval", "--compare", *map(str, paths)], tmp_path / "corpus", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The same rates, but one item fixed and another broken: shown, with both.
    assert "Acme manual (held-out): the same rates" in lines
    assert "  no longer missed: a1; newly missed: a4" in lines
    assert "SQuAD test articles: phrase F1 0.6123 -> 0.6208" in lines
    assert not any(line.startswith("Valmar") for line in lines)
    assert "sets unchanged, miss by miss: 1" in lines
    assert "asked by one run only: Harbourtown notes (held-out)" in lines
    # What is not an `eval --json` output gets one sentence, and nothing is compared.
    paths[0].write_text("[1, 2]", encoding="utf-8")
    bad = run(["eval", "--compare", *map(str, paths)], tmp_path / "corpus", tmp_path / "index")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        f"Cannot compare {paths[0]}: it is not what `eval --json` writes; make one with "
        "`python -m assistant eval --json > before.json`."]
    missing = run(["eval", "--compare", str(tmp_path / "none.json"), str(paths[1])], tmp_path / "corpus",
                  tmp_path / "index")
    assert missing.returncode == 2 and "cannot be read" in missing.stderr and "Traceback" not in missing.stderr


def test_eval_selects_the_registered_sets_by_name_and_role():
    entries = [{"name": "Acme (tuning)", "role": "tuning"}, {"name": "Acme (held-out)", "role": "held-out"},
               {"name": "Valmar (held-out)", "role": "held-out"}]
    assert [e["name"] for e in selected_sets(entries, role="held-out")] == ["Acme (held-out)", "Valmar (held-out)"]
    assert [e["name"] for e in selected_sets(entries, ["Acme (tuning)", "Acme (held-out)"], "tuning")] == \
        ["Acme (tuning)"]
    assert selected_sets(entries) == entries
    # Every registered set has one of the two roles, so the two roles together are every set.
    registered = gold_sets()
    assert len(selected_sets(registered, role="tuning")) + len(selected_sets(registered, role="held-out")) == \
        len(registered)


def test_eval_scores_what_the_answers_were(folders, tmp_path):
    corpus, index = folders
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(item) + "\n" for item in GOLD_ITEMS), encoding="utf-8")
    result = run(["eval", str(gold), "--json"], corpus, index)
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (4, 3, 1)
    assert s["answer_accuracy"] == round(2 / 3, 4)  # "c" is answered, but not with its (wrong) fact
    assert s["answerable_abstained"] == 0 and s["abstention_recall"] == 1 and s["abstention_precision"] == 1
    assert s["citation_accuracy"] == round(1 / 3, 4)  # only "a" names its section; "c" names the wrong one
    assert s["recall_at_1"] <= s["recall_at_5"] == 1 and 0 < s["mrr"] <= 1
    assert 0 < s["latency_ms_p50"] <= s["latency_ms_p95"]
    assert s["reply_language_right"] == 0.5  # of the two items that state a language
    plain = run(["eval", str(gold)], corpus, index)
    assert "answer accuracy:        66.7%" in plain.stdout and "reply language right:   50.0%" in plain.stdout
    misses = [line.strip() for line in plain.stdout.splitlines() if line.strip().startswith("miss")]
    assert len(misses) == 1 and misses[0].startswith("miss c: ")
