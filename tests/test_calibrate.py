"""The fits that turn the reader model's readings into a ranking and an answer probability (assistant/train/calibrate.py)."""

import numpy as np
import pytest

from assistant.candidates import FEATURES, by_name
from assistant.reader import ANSWER_FEATURES
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
    weights = by_name([1, 2, 3, 4, 5, 6, 7], old, ANSWER_FEATURES)
    assert dict(zip(ANSWER_FEATURES, weights.tolist())) == {
        "score": 1, "margin": 2, "logit": 3, "dense": 4, "span": 0, "unknown_term": 5, "number_missing": 6,
        "type_missing": 7}


def test_the_comparison_shows_the_per_question_fit_ranking_through_level_shifts_the_other_misses():
    # In these records each question's candidates move together (the level), and only the order inside a
    # question says which answers: the per-question ranking sees it, a candidate-by-candidate fit cannot.
    table = compare({"a": _records(1), "b": _records(2), "c": _records(3)}).splitlines()
    assert len(table) == 2 + 12  # header, rule, then 3 ways of scoring x span confidence or not x products or not
    ranked_first = {line: float(line.split("|")[5].strip().rstrip("%")) for line in table[2:]}
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


@pytest.mark.slow  # a training tool's data source, not the product: it embeds a whole filing (30 s here)
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


def _interaction(seed: int, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """Best candidates whose answer is right when the span confidence and the model's logit agree in sign: a
    weighted sum of the two cannot tell that, their product can."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1, (n, len(ANSWER_FEATURES)))
    z[:, ANSWER_FEATURES.index("number_missing")] = rng.random(n) < 0.2
    right = (z[:, ANSWER_FEATURES.index("span")] > 0) == (z[:, ANSWER_FEATURES.index("logit")] > 0)
    return z, right


def _auc(score: np.ndarray, right: np.ndarray) -> float:
    pos, neg = score[right], score[~right]
    return float((pos[:, None] > neg[None, :]).mean())


def test_the_answer_probability_with_pairwise_products_learns_what_a_weighted_sum_cannot():
    from assistant.answer_probability import AnswerProbability
    from assistant.train.calibrate import answer_probability

    z, right = _interaction(1)
    keep = np.ones(len(ANSWER_FEATURES), dtype=bool)
    weight = np.ones(len(right))
    test_z, test_right = _interaction(2)
    with_pairs = AnswerProbability(answer_probability(z, right, weight, keep), ANSWER_FEATURES)
    weighted_sum = AnswerProbability(answer_probability(z, right, weight, keep, pairs=False), ANSWER_FEATURES)
    assert _auc(with_pairs.logit(test_z), test_right) >= 0.9
    assert _auc(weighted_sum.logit(test_z), test_right) <= 0.65


def test_the_stored_answer_probability_is_the_fitted_model_itself():
    # config.json keeps the products' weights with the second standardisation folded in: what the reader computes
    # from it must be what scikit-learn fitted, to rounding.
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from assistant.answer_probability import AnswerProbability
    from assistant.train.calibrate import PAIRS_C, answer_probability

    z, right = _interaction(3)
    keep = np.array([name != "span" for name in ANSWER_FEATURES])  # a feature left out weighs nothing
    weight = np.random.default_rng(4).uniform(0.5, 2.0, len(right))
    block = answer_probability(z, right, weight, keep)
    assert block["features"] == [n for n in ANSWER_FEATURES if n != "span"]
    reference = make_pipeline(StandardScaler(), PolynomialFeatures(2, include_bias=False), StandardScaler(),
                              LogisticRegression(C=PAIRS_C, max_iter=5000))
    reference.fit(z[:, keep], right.astype(int), logisticregression__sample_weight=weight)
    moved = z.copy()
    moved[:, ANSWER_FEATURES.index("span")] += 100.0
    ours = AnswerProbability(block, ANSWER_FEATURES).logit(moved)
    assert np.allclose(ours, reference.decision_function(z[:, keep]), atol=1e-3)


def test_a_weighted_sum_fitted_before_the_products_reads_as_it_did():
    from assistant.answer_probability import AnswerProbability

    old = {"weights": [0.23, 0.27, -0.02, 0.88, 0.21, -0.97, -4.57, -1.75], "bias": -2.21,
           "features": list(ANSWER_FEATURES)}
    x = np.array([1.5, 0.4, 2.0, 0.6, 7.0, 0.0, 1.0, 0.0])
    expected = 1 / (1 + np.exp(-(x @ np.array(old["weights"]) + old["bias"])))
    assert abs(AnswerProbability(old, ANSWER_FEATURES)(x) - expected) < 1e-12
