"""Fit how the reader combines the model with retrieval, its answer probability and its threshold.

Everything here is chosen on the two validation articles of split.json, asked with open retrieval over
both as one corpus, through the real index and reader. The held-out test articles are never read here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..answer_model import MODEL_DIR, AnswerModel
from ..evaluate import holds_answer, write_squad_corpus
from ..reader import FEATURES, RULES, ReaderSettings
from .pairs import load_articles, load_split

MAX_ANSWERABLE_ABSTAINED = 0.04  # the threshold is the highest that abstains on at most this share (target 5%)


def collect(model_dir: Path, articles: list[str]) -> list[dict]:
    """Per question: every candidate's features and whether it holds a gold answer, and the vetoes."""
    from ..assistant import Assistant
    from ..config import Settings
    from ..embedding import SentenceTransformerEmbedder

    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    questions = write_squad_corpus(load_articles(articles), work / "corpus")
    settings = Settings.from_env(work / "corpus", work / "index")
    model = AnswerModel(model_dir)
    model.config = {**model.config, "reader": {}}  # the raw model logit ranks while we fit
    assistant = Assistant(settings, SentenceTransformerEmbedder(batch_size=settings.batch_size),
                          ReaderSettings(threshold=0.0), answer_model=model)
    assistant.rebuild(wait=True)
    out = []
    for item in questions:
        reader, query, hits = assistant._retrieve(item.question, [], follow_on=False)
        cands = reader.candidates(query, hits[:settings.read_k])
        out.append({
            "answerable": bool(item.answers),
            "features": [c.features.tolist() for c in cands],
            "holds": [holds_answer({"source": c.chunk.source, "start": c.start, "end": c.end}, item) for c in cands],
            "rules": {rule: bool(cands and reader.veto(query, cands[0], (rule,))) for rule in RULES if rule != "repeat"},
        })
    return out


def fit(records: list[dict]) -> dict:
    from sklearn.linear_model import LogisticRegression

    x = np.array([f for r in records if r["answerable"] for f in r["features"]])
    y = np.array([h for r in records if r["answerable"] for h in r["holds"]], dtype=int)
    ranker = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    weights, bias = ranker.coef_[0], float(ranker.intercept_[0])
    tops, margins, right, answerable = [], [], [], []
    for r in records:
        if not r["features"]:
            continue
        scores = np.array(r["features"]) @ weights + bias
        order = np.argsort(-scores)
        tops.append(scores[order[0]])
        margins.append(scores[order[0]] - scores[order[1]] if len(order) > 1 else 0.0)
        right.append(r["answerable"] and r["holds"][order[0]])
        answerable.append(r["answerable"])
    z = np.column_stack([tops, margins])
    answer = LogisticRegression(C=1.0, max_iter=2000).fit(z, np.array(right, dtype=int))
    a, m = answer.coef_[0]
    b = float(answer.intercept_[0])
    probability = 1 / (1 + np.exp(-(z @ answer.coef_[0] + b)))
    answerable = np.array(answerable)
    right = np.array(right)
    curve = []
    threshold = 0.0
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        answered = probability >= t
        row = {"threshold": float(t),
               "answerable_abstained": round(float((~answered & answerable).sum() / answerable.sum()), 4),
               "impossible_abstained": round(float((~answered & ~answerable).sum() / max(1, (~answerable).sum())), 4),
               "precision": round(float((answered & right).sum() / max(1, answered.sum())), 4),
               "recall": round(float((answered & right).sum() / max(1, right.sum())), 4)}
        curve.append(row)
        if row["answerable_abstained"] <= MAX_ANSWERABLE_ABSTAINED:
            threshold = float(t)
    return {"weights": [round(float(w), 5) for w in weights], "bias": round(bias, 5),
            "features": list(FEATURES),
            "answer": {"score": round(float(a), 5), "margin": round(float(m), 5), "bias": round(b, 5)},
            "threshold": threshold, "curve": curve}


def rule_effects(records: list[dict], fitted: dict) -> dict:
    """For each veto rule, at the fitted threshold: answerable questions it wrongly declines, impossible ones it
    rightly declines that the threshold had let through."""
    weights = np.array(fitted["weights"])
    a, m, b = fitted["answer"]["score"], fitted["answer"]["margin"], fitted["answer"]["bias"]
    effects = {}
    for rule in next((r["rules"] for r in records), {}):
        hurt = helped = 0
        for r in records:
            if not r["features"]:
                continue
            scores = np.sort(np.array(r["features"]) @ weights + fitted["bias"])[::-1]
            margin = scores[0] - scores[1] if len(scores) > 1 else 0.0
            answered = 1 / (1 + np.exp(-(a * scores[0] + m * margin + b))) >= fitted["threshold"]
            if answered and r["rules"][rule]:
                if r["answerable"]:
                    hurt += 1
                else:
                    helped += 1
        effects[rule] = {"answerable_wrongly_declined": hurt, "impossible_rightly_declined": helped}
    return effects


def calibrate(model_dir: Path | None = None) -> str:
    model_dir = model_dir or MODEL_DIR
    split = load_split()
    records = collect(model_dir, split["validation"])
    fitted = fit(records)
    reachable = [r for r in records if r["answerable"] and any(r["holds"])]
    fitted["read_recall"] = round(sum(any(h and f[0] > -10 for h, f in zip(r["holds"], r["features"]))
                                      for r in reachable) / max(1, len(reachable)), 4)
    fitted["candidates_hold_answer"] = round(len(reachable) / max(1, sum(r["answerable"] for r in records)), 4)
    fitted["fitted_on"] = f"SQuAD 2.0 validation articles {', '.join(split['validation'])} (open retrieval)"
    fitted["rule_effects_on_validation"] = rule_effects(records, fitted)
    config_file = model_dir / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["reader"] = fitted
    config_file.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return json.dumps(fitted, indent=1)
