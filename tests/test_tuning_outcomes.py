"""benchmarks/tuning_outcomes.py: per-question outcomes on the tuning sources, and what moved between two runs."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.tuning_outcomes import balanced, compare, format_comparison, main


def _rec(source, question, right, declined=False, answer="", **extra):
    return {"source": source, "question": question, "answerable": True, "right": right, "declined": declined,
            "answer": answer, "read_as": "", **extra}


def test_compare_counts_each_source_and_lists_what_moved_and_which_way():
    before = {"a|1": _rec("a", "q1", True, answer="x"), "a|2": _rec("a", "q2", False, answer="y"),
              "a|3": _rec("a", "q3", False, answer="z"), "f|1": _rec("f", "q4", False, True, row=False, states=False),
              "a|gone": _rec("a", "q5", True)}
    after = {"a|1": _rec("a", "q1", False, True), "a|2": _rec("a", "q2", True, answer="y2"),
             "a|3": _rec("a", "q3", False, answer="z2"), "f|1": _rec("f", "q4", True, row=True, states=True)}
    totals, moved = compare(before, after)
    assert totals["a"]["questions"] == 3 and totals["a"]["right before"] == 1 and totals["a"]["right after"] == 1
    assert totals["a"]["declined before"] == 0 and totals["a"]["declined after"] == 1
    assert totals["f"]["row before"] == 0 and totals["f"]["row after"] == 1
    assert dict((k, v) for v, k in moved) == {"a|1": "worse", "a|2": "better", "a|3": "moved", "f|1": "better"}
    text = format_comparison(before, after)
    assert "a (3 questions): 1 -> 1 right, 0 -> 1 declined" in text
    assert "1 questions were asked by one run only" in text
    # a: 1 of 3 right before and after; f: 0 of 1, then 1 of 1: the mean balanced score (1/3 + 0) / 2 -> (1/3 + 1) / 2
    assert "all 2 sources (4 questions): 1 -> 2 right (answers right and unanswerable questions declined); " \
           "mean balanced score 0.167 -> 0.667" in text


def test_the_balanced_score_weighs_a_sources_answerable_and_unanswerable_questions_alike():
    records = {"s|1": _rec("s", "q1", True), "s|2": _rec("s", "q2", False), "s|3": _rec("s", "q3", True),
               "s|4": {**_rec("s", "q4", True, True), "answerable": False}, "t|1": _rec("t", "q5", False)}
    # s: answerable 2 of 3, unanswerable 1 of 1 -> (2/3 + 1) / 2; t: 0 of 1 -> 0; the mean of the two
    assert abs(balanced(records, records.keys()) - (5 / 6) / 2) < 1e-9


def test_a_run_asks_the_tuning_questions_only_and_a_run_compared_with_itself_moves_nothing(tmp_path: Path,
                                                                                          capsys):
    out = tmp_path / "outcomes.json"
    assert main(["run", str(out), "--skip", "squad", "spanish-squad", "filings", "--sets", "definitions, febrile"]) == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    questions = [json.loads(line) for line in
                 (Path(__file__).parent / "gold" / "tuning" / "definitions" / "febrile-seizure.jsonl")
                 .read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {r["question"] for r in records.values()} == {q["question"] for q in questions}
    assert {r["source"] for r in records.values()} == {"definitions, febrile seizure (tuning)"}
    for record, item in zip(records.values(), questions):
        if not item["answerable"]:
            assert record["right"] == record["declined"]  # an unanswerable question is right when declined
        elif record["declined"]:
            assert not record["right"]
        assert record["declined"] == (record["answer"] == "")
    totals, moved = compare(records, records)
    assert moved == [] and totals["definitions, febrile seizure (tuning)"]["questions"] == len(questions)
    capsys.readouterr()
    assert main(["compare", str(out), str(out)]) == 0
    assert f"({len(questions)} questions)" in capsys.readouterr().out
