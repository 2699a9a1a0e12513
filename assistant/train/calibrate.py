"""Fit how the reader combines the model with retrieval, its answer probability and its threshold.

Everything here is chosen on the two validation articles of split.json (asked with open retrieval over both
as one corpus) and on the tuning gold sets of tests/gold/sets.json, through the real index and reader. The
held-out sets and the SQuAD test articles are never read here. `--tenq` adds the tuning companies' 10-Q
questions as a further source (tenq_records), an experiment the shipped fit does not use.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..answer_model import MODEL_DIR, AnswerModel
from ..answer_probability import AnswerProbability
from ..candidates import FEATURES
from ..checks import RULES
from ..evaluate import copy_corpus, gold_sets, holds_answer, load_gold, selected_sets, write_squad_corpus
from ..reader import ANSWER_FEATURES, ReaderSettings
from .pairs import load_articles, load_split

# The threshold maximises, averaged over the tuning sources, the mean of "answerable questions answered right"
# and "unanswerable questions declined" (a wrong answer costs as much as a missed one), among thresholds that
# decline at most this share of answerable questions: past it the assistant stops being useful.
MAX_ANSWERABLE_ABSTAINED = 0.10
RANK_L2 = 1e-3  # ridge on the standardised ranking weights
ROOT = Path(__file__).resolve().parent.parent.parent


def _assistant(model_dir: Path, corpus: Path, index: Path, embedder):
    from ..assistant import Assistant
    from ..config import Settings

    model = AnswerModel(model_dir)
    model.config = {**model.config, "reader": {}}  # the raw model logit ranks while we fit
    assistant = Assistant(Settings.from_env(corpus, index), embedder, ReaderSettings(threshold=0.0),
                          answer_model=model)
    assistant.rebuild(wait=True)
    return assistant


def _record(assistant, question: str, history: list[str], answerable: bool, holds) -> dict:
    _, _, reader, query, hits = assistant.read_question(question, history)  # as ask reads it (Spanish too)
    cands = reader.candidates(query, hits[:assistant.settings.read_k])
    return {"answerable": answerable,
            "features": [c.features.tolist() for c in cands],
            "span": [c.scored.span_score if c.scored else 0.0 for c in cands],
            "holds": [bool(holds(c)) for c in cands],
            "unknown_term": bool(cands and reader.checks.veto(query, cands[0], ("unknown_term",))),
            "number_missing": [bool(reader.checks.veto(query, c, ("number_missing",))) for c in cands],
            # spaCy on every candidate would be slow: the entity check is made for the 5 best by the model.
            "type_missing": _top_type_missing(reader, query, cands)}


def _top_type_missing(reader, query, cands) -> dict[int, bool]:
    order = sorted(range(len(cands)), key=lambda i: -cands[i].features[0])[:5]
    return {i: bool(reader.checks.veto(query, cands[i], ("type_missing",))) for i in order}


def collect(model_dir: Path, tenq: Path | None = None) -> dict[str, list[dict]]:
    """Per question of each tuning source: every candidate's features, whether it answers, and the rules.
    With tenq (a folder of the 10-Q filings and their questions), the tuning companies' filings are a source too
    (tenq_records)."""
    from ..embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    work = Path(tempfile.mkdtemp(prefix="calibrate-"))
    out: dict[str, list[dict]] = {}
    split = load_split()
    questions = write_squad_corpus(load_articles(split["validation"]), work / "squad")
    assistant = _assistant(model_dir, work / "squad", work / "squad-index", embedder)
    out["SQuAD validation"] = [
        _record(assistant, q.question, [], bool(q.answers),
                lambda c, q=q: holds_answer({"source": c.chunk.source, "start": c.start, "end": c.end}, q))
        for q in questions]
    # A tuning set written after the shipped fit says "calibration": false, so that the fit stays reproducible.
    for i, entry in enumerate(e for e in selected_sets(gold_sets(), role="tuning") if e.get("calibration", True)):
        corpus = copy_corpus(entry["corpus"], ROOT, work / f"corpus-{i}")
        assistant = _assistant(model_dir, corpus, work / f"index-{i}", embedder)
        records = []
        for item in load_gold(ROOT / entry["questions"]):
            facts = [f.lower() for f in item["facts"]]

            def holds(c, facts=facts):
                text = c.chunk.text[c.answer_start - c.chunk.start:c.end - c.chunk.start].lower()
                return bool(facts) and all(f in text for f in facts)

            records.append(_record(assistant, item["question"], item["history"], item["answerable"], holds))
        out[entry["name"]] = records
    if tenq is not None:
        out[TENQ_SOURCE] = tenq_records(model_dir, tenq, work / "10q", embedder)
    return out


TENQ_SOURCE = "10-Q filings of the tuning companies"


def tenq_records(model_dir: Path, folder: Path, work: Path, embedder) -> list[dict]:
    """The single-filing questions about the tuning companies' 10-Q filings (assistant/train/rows.py) whose
    reference answer gives a figure, asked over those filings as one folder. The reference answers are prose,
    so a candidate answers when it comes from the filing asked about and states a figure of the answer: a table
    row in one of its cells, a sentence anywhere (assistant/figures.py). All are answerable."""
    from ..figures import figures, quotes_figure, row_holds_figure
    from .rows import is_tuning_filing

    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for pdf in sorted(folder.glob("*.pdf")):
        if is_tuning_filing(pdf.name):
            shutil.copy2(pdf, corpus / pdf.name)
    assistant = _assistant(model_dir, corpus, work / "index", embedder)
    records = []
    for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line) if line.strip() else {}
        matches = item.get("matches", [])
        if len(matches) != 1 or not is_tuning_filing(matches[0]) or not figures(item["answer"]):
            continue

        def holds(c, source=matches[0], answer=item["answer"]):
            text = c.chunk.text[c.answer_start - c.chunk.start:c.end - c.chunk.start]
            judge = row_holds_figure if c.chunk.kind == "row" else quotes_figure
            return c.chunk.source == source and judge(text, answer)

        records.append(_record(assistant, item["question"], [], True, holds))
    return records


def _question_rows(records: list[dict], rank: tuple, score: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ANSWER_FEATURES of each question's best candidate (first by the rank weights; its answer score and lead
    by the score weights), whether it is right, and whether it is answerable."""
    rows, right, answerable = [], [], []
    for r in records:
        if not r["features"]:
            continue
        features = np.array(r["features"])
        top = int(np.argsort(-(features @ rank[0] + rank[1]), kind="stable")[0])
        scores = features @ score[0] + score[1]
        others = np.delete(scores, top)
        margin = scores[top] - others.max() if len(others) else 0.0
        type_missing = r["type_missing"].get(top, r["type_missing"].get(str(top)))
        if type_missing is None:  # the combination chose a candidate the model ranked below 5th: rare
            type_missing = False
        logit, dense = r["features"][top][FEATURES.index("logit")], r["features"][top][FEATURES.index("dense")]
        rows.append([scores[top], margin, logit, dense, r["span"][top], float(r["unknown_term"]),
                     float(r["number_missing"][top]), float(type_missing)])
        right.append(r["answerable"] and r["holds"][top])
        answerable.append(r["answerable"])
    return np.array(rows), np.array(right, dtype=bool), np.array(answerable, dtype=bool)


def _answers(z: np.ndarray, answer: dict, threshold: float) -> np.ndarray:
    """Which questions the answer probability (a fitted block, ANSWER_FEATURES rows z) lets answer at this
    threshold."""
    return 1 / (1 + np.exp(-AnswerProbability(answer, ANSWER_FEATURES).logit(z))) >= threshold


PAIRS_C = 0.1  # inverse ridge strength of the answer probability with pairwise products (set before its trial)


def answer_probability(z: np.ndarray, right: np.ndarray, weight: np.ndarray, keep: np.ndarray,
                       pairs: bool = True) -> dict:
    """The answer probability over the best candidates' ANSWER_FEATURES z (the columns in keep): a logistic
    regression on the standardised features and, with pairs, their pairwise products (squares included), each
    product standardised too; config.json's block (assistant/answer_probability.py) with the second
    standardisation folded into the weights."""
    from sklearn.linear_model import LogisticRegression

    names = [n for n, k in zip(ANSWER_FEATURES, keep) if k]
    if not pairs:
        model = LogisticRegression(C=1.0, max_iter=5000).fit(z[:, keep], right.astype(int), sample_weight=weight)
        return {"weights": [round(float(x), 5) for x in model.coef_[0]],
                "bias": round(float(model.intercept_[0]), 5), "features": names}
    x = z[:, keep]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    u = (x - mean) / scale
    k = u.shape[1]
    index = [(i, j) for i in range(k) for j in range(i, k)]
    expanded = np.hstack([u, np.stack([u[:, i] * u[:, j] for i, j in index], axis=1)])
    mean2, scale2 = expanded.mean(axis=0), expanded.std(axis=0)
    scale2[scale2 == 0] = 1.0
    model = LogisticRegression(C=PAIRS_C, max_iter=5000).fit((expanded - mean2) / scale2, right.astype(int),
                                                             sample_weight=weight)
    coef = model.coef_[0] / scale2
    bias = float(model.intercept_[0] - coef @ mean2)
    table = np.zeros((k, k))
    for (i, j), w in zip(index, coef[k:]):
        table[i, j] = w
    return {"features": names, "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "weights": [round(float(v), 6) for v in coef[:k]],
            "pairs": [[round(float(v), 6) for v in row] for row in table], "bias": round(bias, 6)}


def rank_weights(sources: dict[str, list[dict]]) -> tuple[np.ndarray, float]:
    """The ranking weights, fitted to put a candidate that answers first among its question's candidates.

    A conditional logit (softmax over each answerable question's candidates, the answering ones together as the
    target; L2 on standardised features), fitted on the candidates of the answerable questions that some
    candidate answers; each source weighs the same. Its scale and level are then set by a logistic regression of
    "answers" on the score over the same candidates, so that a score reads as a logit when a person inspects
    it (the order does not change). Against a logistic regression on candidates one by one, the answer is
    ranked first 78.3% against 77.2% of the time, a source left out of the fit in turn (docs/answering.md).
    """
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    groups = [[(np.array(r["features"], dtype=np.float64), np.array(r["holds"], dtype=bool)) for r in records
               if r["answerable"] and r["features"] and any(r["holds"])] for records in sources.values()]
    groups = [g for g in groups if g]
    stacked = np.concatenate([x for g in groups for x, _ in g])
    mu, sd = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for g in groups:
            part, part_grad = 0.0, np.zeros_like(w)
            for x, holds in g:
                z = (x - mu) / sd
                s = z @ w
                e = np.exp(s - s.max())
                p, q = e / e.sum(), (e * holds) / (e * holds).sum()
                part -= np.log((e * holds).sum() / e.sum())
                part_grad -= (q - p) @ z
            total += part / len(g)
            grad += part_grad / len(g)
        return total + RANK_L2 * float(w @ w), grad + 2 * RANK_L2 * w

    w = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B").x / sd
    xs, ys, ws = [], [], []
    for g in groups:
        n = sum(len(x) for x, _ in g)
        for x, holds in g:
            xs += list(x @ w)
            ys += list(holds)
            ws += [1.0 / n] * len(x)
    level = LogisticRegression(C=1.0, max_iter=5000).fit(np.array(xs)[:, None], np.array(ys, dtype=int),
                                                        sample_weight=np.array(ws) * len(ws))
    return w * float(level.coef_[0][0]), float(level.intercept_[0])


def answer_score_weights(sources: dict[str, list[dict]]) -> tuple[np.ndarray, float]:
    """The answer score: a logistic regression on the candidates one by one ("does this candidate answer?"),
    each source weighing the same. The answer probability reads it; until 2026-12-02 it also ranked."""
    from sklearn.linear_model import LogisticRegression

    xs, ys, ws = [], [], []
    for records in sources.values():
        rows = [(f, h) for r in records if r["answerable"] for f, h in zip(r["features"], r["holds"])]
        xs += [f for f, _ in rows]
        ys += [h for _, h in rows]
        ws += [1.0 / max(1, len(rows))] * len(rows)
    ranker = LogisticRegression(C=1.0, max_iter=5000).fit(np.array(xs), np.array(ys, dtype=int),
                                                         sample_weight=np.array(ws) * len(ws))
    return ranker.coef_[0], float(ranker.intercept_[0])


def fit(sources: dict[str, list[dict]], rules: tuple[str, ...] = RULES, ranker=rank_weights,
        scorer=answer_score_weights, span: bool = True, pairs: bool = False) -> dict:
    """The ranking weights (ranker), the answer score (scorer), the answer probability (best candidates) and the
    threshold; each source weighs the same in every fit, however many questions it has. span=False leaves the
    span confidence out of the answer probability; pairs=True adds their pairwise products (tried 2026-12-03 and
    not shipped: docs/answering.md, section 3)."""
    weights, bias = ranker(sources)
    score_w, score_b = scorer(sources)
    keep = np.array([name != "span" or span for name in ANSWER_FEATURES[:-len(RULES)]]
                    + [name in rules for name in RULES])
    parts = {name: _question_rows(records, (weights, bias), (score_w, score_b)) for name, records in sources.items()}
    z = np.concatenate([p[0] for p in parts.values()])
    right = np.concatenate([p[1] for p in parts.values()])
    w = np.concatenate([np.full(len(p[1]), 1.0 / len(p[1])) for p in parts.values()]) * len(right)
    answer = answer_probability(z, right, w, keep, pairs)
    extra = {}
    if pairs:  # further citations are weighed on a candidate's own answer score (reader._confidence), as the
        # weighted sum weighs it
        linear = answer_probability(z, right, w, keep, pairs=False)
        extra["support"] = {"weight": linear["weights"][0], "bias": linear["bias"]}

    def rates(t: float, part) -> dict:
        zz, rr, aa = part
        answered = _answers(zz, answer, t)
        return {"answer_right": round(float((answered & rr).sum() / max(1, aa.sum())), 4),
                "answerable_abstained": round(float((~answered & aa).sum() / max(1, aa.sum())), 4),
                "unanswerable_abstained": round(float((~answered & ~aa).sum() / max(1, (~aa).sum())), 4)}

    curve, threshold, best = [], 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        per_source = {name: rates(float(t), part) for name, part in parts.items()}
        # A source without unanswerable questions (the 10-Q filings) says nothing about declining them.
        mean = {k: round(float(np.mean([v[k] for name, v in per_source.items()
                                        if k != "unanswerable_abstained" or (~parts[name][2]).any()])), 4)
                for k in ("answer_right", "answerable_abstained", "unanswerable_abstained")}
        curve.append({"threshold": float(t), "mean": mean, "per_source": per_source})
        balanced = (mean["answer_right"] + mean["unanswerable_abstained"]) / 2
        if balanced > best and mean["answerable_abstained"] <= MAX_ANSWERABLE_ABSTAINED:
            threshold, best = float(t), balanced
    return {"weights": [round(float(x), 5) for x in weights], "bias": round(bias, 5), "features": list(FEATURES),
            "answer_score": {"weights": [round(float(x), 5) for x in score_w], "bias": round(score_b, 5),
                             "features": list(FEATURES)},
            "answer": answer, **extra, "threshold": threshold, "rules": list(rules), "curve": curve}


def load_records(model_dir: Path | None, records: Path | None, tenq: Path | None = None) -> dict[str, list[dict]]:
    """What the reader saw on the tuning data: from the records file when it exists, else collected (and kept
    there when a path is given)."""
    if records is not None and records.is_file():
        return json.loads(records.read_text(encoding="utf-8"))
    sources = collect(model_dir or MODEL_DIR, tenq)
    if records is not None:
        records.write_text(json.dumps(sources), encoding="utf-8")
    return sources


def answer_ranked_first(records: list[dict], weights, bias: float) -> float:
    """Share of the answerable questions whose best-scored candidate answers."""
    scored = [r for r in records if r["answerable"] and r["features"]]
    return sum(r["holds"][int(np.argmax(np.array(r["features"]) @ np.asarray(weights) + bias))]
               for r in scored) / max(1, len(scored))


def compare(sources: dict[str, list[dict]]) -> str:
    """Each tuning source left out in turn: fitted on the others (threshold included), scored on it. Means over
    the left-out sources, for the ranking fits, with and without the span confidence and the pairwise products
    (docs/answering.md)."""
    lines = ["| ranking | answer probability reads | span confidence | pairwise products | answer ranked first | "
             "answer right | unanswerable declined | balanced |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    variants = [("candidate by candidate", "that score", answer_score_weights, answer_score_weights),
                ("per question", "the candidate-by-candidate score", rank_weights, answer_score_weights),
                ("per question", "the ranking score", rank_weights, rank_weights)]
    for (rank_name, score_name, ranker, scorer), span, pairs in itertools.product(variants, (False, True),
                                                                                 (False, True)):
        first, right, declined = [], [], []
        for left_out in sources:
            fitted = fit({k: v for k, v in sources.items() if k != left_out}, ranker=ranker, scorer=scorer,
                         span=span, pairs=pairs)
            rank = (np.array(fitted["weights"]), fitted["bias"])
            score = (np.array(fitted["answer_score"]["weights"]), fitted["answer_score"]["bias"])
            z, ok, answerable = _question_rows(sources[left_out], rank, score)
            answered = _answers(z, fitted["answer"], fitted["threshold"])
            first.append(answer_ranked_first(sources[left_out], *rank))
            right.append((answered & ok).sum() / max(1, answerable.sum()))
            if (~answerable).any():
                declined.append((~answered & ~answerable).sum() / (~answerable).sum())
        means = [float(np.mean(v)) for v in (first, right, declined)]
        lines.append(f"| {rank_name} | {score_name} | {'yes' if span else 'no'} | {'yes' if pairs else 'no'} | "
                     f"{100 * means[0]:.1f}% | {100 * means[1]:.1f}% | {100 * means[2]:.1f}% | "
                     f"{(means[1] + means[2]) / 2:.3f} |")
    return "\n".join(lines)


def calibrate(model_dir: Path | None = None, records: Path | None = None, tenq: Path | None = None) -> str:
    """Fit on the tuning data and write the result into the model's config.json; records caches what the
    reader saw, so that a refit (another rule set) needs no second pass."""
    model_dir = model_dir or MODEL_DIR
    sources = load_records(model_dir, records, tenq)
    fitted = fit(sources)
    reachable = [r for r in sources["SQuAD validation"] if r["answerable"] and any(r["holds"])]
    fitted["read_recall"] = round(sum(any(h and f[0] > -10 for h, f in zip(r["holds"], r["features"]))
                                      for r in reachable) / max(1, len(reachable)), 4)
    fitted["fitted_on"] = ("SQuAD 2.0 validation articles " + ", ".join(load_split()["validation"])
                           + " (open retrieval) and the tuning sources: " + ", ".join(list(sources)[1:]))
    config_file = model_dir / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["reader"] = fitted
    config_file.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return json.dumps({k: v for k, v in fitted.items() if k != "curve"}, indent=1)
