"""The fits that turn the reader model's readings into a ranking and an answer probability (assistant/train/calibrate.py)."""

import numpy as np

from assistant.reader import ANSWER_FEATURES, FEATURES, _by_name
from assistant.train.calibrate import compare, fit, rank_weights


def _records(seed: int, questions: int = 120) -> list[dict]:
    """Questions whose answering candidate has the highest first feature among its own candidates, while each
    question's level of that feature moves a lot (as a model logit does between easy and hard questions); the
    second feature is noise. Every fourth question is unanswerable."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(questions):
        n = 8
        level = rng.normal(0, 4)
        x = np.zeros((n, len(FEATURES)))
        x[:, 0] = level + rng.normal(0, 1, n)
        x[:, 1] = rng.normal(0, 1, n)
        answerable = q % 4 != 0
        holds = [False] * n
        if answerable:
            best = int(np.argmax(x[:, 0]))
            holds[best] = True
        out.append({"answerable": answerable, "features": x.tolist(), "holds": holds, "span": [0.0] * n,
                    "unknown_term": False, "number_missing": [False] * n, "type_missing": {}})
    return out


def _first_right(records: list[dict], weights: np.ndarray, bias: float) -> float:
    answerable = [r for r in records if r["answerable"]]
    right = sum(r["holds"][int(np.argmax(np.array(r["features"]) @ weights + bias))] for r in answerable)
    return right / len(answerable)


def test_the_ranking_fit_puts_the_answering_candidate_first_whatever_the_question_level():
    sources = {"a": _records(1), "b": _records(2)}
    weights, bias = rank_weights(sources)
    assert weights[0] > 0 and abs(weights[1]) < 0.2 * weights[0]
    assert _first_right(_records(3), weights, bias) >= 0.95  # new questions, same kind


def test_the_fit_gives_a_threshold_and_an_answer_probability_over_every_answer_feature():
    fitted = fit({"a": _records(1), "b": _records(2)})
    assert fitted["features"] == list(FEATURES) and fitted["answer_score"]["features"] == list(FEATURES)
    assert fitted["answer"]["features"] == list(ANSWER_FEATURES)
    assert len(fitted["answer"]["weights"]) == len(ANSWER_FEATURES)
    assert 0.0 < fitted["threshold"] < 1.0


def test_weights_fitted_before_a_feature_existed_give_it_no_weight():
    old = ["score", "margin", "logit", "dense", "unknown_term", "number_missing", "type_missing"]
    weights = _by_name([1, 2, 3, 4, 5, 6, 7], old, ANSWER_FEATURES)
    assert dict(zip(ANSWER_FEATURES, weights.tolist())) == {
        "score": 1, "margin": 2, "logit": 3, "dense": 4, "span": 0, "unknown_term": 5, "number_missing": 6,
        "type_missing": 7}


def test_the_comparison_shows_the_per_question_fit_ranking_through_level_shifts_the_other_misses():
    # In these records each question's candidates move together (the level), and only the order inside a
    # question says which answers: the per-question ranking sees it, a candidate-by-candidate fit cannot.
    table = compare({"a": _records(1), "b": _records(2), "c": _records(3)}).splitlines()
    assert len(table) == 2 + 6  # header, rule, then 3 ways of scoring x span confidence or not
    ranked_first = {line: float(line.split("|")[4].strip().rstrip("%")) for line in table[2:]}
    for line, value in ranked_first.items():
        if line.startswith("| per question"):
            assert value >= 95.0, line
        else:
            assert value <= 80.0, line


def test_a_source_without_unanswerable_questions_is_left_out_of_the_declined_mean():
    # The 10-Q source (tenq_records) has only answerable questions: counted as "0% declined" at every threshold
    # it would pull the mean down and weigh answering over declining when the threshold is chosen.
    answerable_only = [r for r in _records(4) if r["answerable"]]
    fitted = fit({"a": _records(1), "b": _records(2), "only answerable": answerable_only})
    for point in fitted["curve"]:
        with_unanswerable = [v["unanswerable_abstained"] for name, v in point["per_source"].items()
                             if name != "only answerable"]
        assert point["mean"]["unanswerable_abstained"] == round(float(np.mean(with_unanswerable)), 4)
        assert point["mean"]["answer_right"] == round(float(np.mean(
            [v["answer_right"] for v in point["per_source"].values()])), 4)


def test_the_10q_source_asks_the_tuning_companies_questions_that_give_a_figure(tmp_path, real_embedder):
    # `calibrate --tenq`: only single-filing questions about AMZN, MSFT or NVDA whose reference answer gives a
    # figure become records, and a candidate holds when it states that figure (the revenue row here).
    import json
    import shutil

    from assistant.answer_model import MODEL_DIR
    from assistant.train.calibrate import tenq_records
    from conftest import FIXTURES

    folder = tmp_path / "10q"
    folder.mkdir()
    for name in ("2023 Q2 NVDA.pdf", "2023 Q3 AAPL.pdf"):
        shutil.copy2(FIXTURES / name, folder / name)
    questions = [
        {"question": "What was NVIDIA's revenue for the three months ended July 30, 2023?",
         "matches": ["2023 Q2 NVDA.pdf"], "answer": "Revenue was $13,507 million."},
        {"question": "Did NVIDIA disclose any acquisitions in the quarter?", "matches": ["2023 Q2 NVDA.pdf"],
         "answer": "NVIDIA did not disclose any acquisitions."},  # no figure to judge by
        {"question": "What were Apple's total net sales?", "matches": ["2023 Q3 AAPL.pdf"],
         "answer": "$81,797 million."},  # a held-out company
        {"question": "Compare NVIDIA's revenue across quarters.", "matches": ["2023 Q1 NVDA.pdf", "2023 Q2 NVDA.pdf"],
         "answer": "$13,507 million and $7,192 million."},  # more than one filing
    ]
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions), encoding="utf-8")
    records = tenq_records(MODEL_DIR, folder, tmp_path / "work", real_embedder)
    assert len(records) == 1 and records[0]["answerable"]
    assert any(records[0]["holds"]) and not all(records[0]["holds"])
    assert not (tmp_path / "work" / "corpus" / "2023 Q3 AAPL.pdf").exists()
