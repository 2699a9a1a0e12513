"""Score the assistant on a gold set: answer and citation accuracy, abstention, retrieval, latency."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REQUIRED_KEYS = {"id", "question", "history", "answerable", "facts", "evidence", "section"}


def load_gold(path: Path) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            missing = REQUIRED_KEYS - set(item)
            if missing:
                raise ValueError(f"{path}:{line_no} lacks {sorted(missing)}")
            items.append(item)
    return items


@dataclass
class Outcome:
    item: dict
    answer: dict
    correct: bool
    cited_section: bool
    evidence_rank: int | None  # 1-based rank of the first hit holding the evidence


@dataclass
class EvalReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict:
        answerable = [o for o in self.outcomes if o.item["answerable"]]
        unanswerable = [o for o in self.outcomes if not o.item["answerable"]]
        abstained = [o for o in self.outcomes if o.answer["abstained"]]
        ranks = [o.evidence_rank for o in answerable]
        latencies = np.array([o.answer["timings_ms"]["total"] for o in self.outcomes] or [0.0])

        def share(xs, n):
            return round(sum(xs) / n, 4) if n else None

        return {
            "questions": len(self.outcomes),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "answer_accuracy": share([o.correct for o in answerable], len(answerable)),
            "answerable_abstained": share([o.answer["abstained"] for o in answerable], len(answerable)),
            "citation_accuracy": share([o.cited_section for o in answerable], len(answerable)),
            "abstention_precision": share([not o.item["answerable"] for o in abstained], len(abstained)),
            "abstention_recall": share([o.answer["abstained"] for o in unanswerable], len(unanswerable)),
            "recall_at_1": share([r is not None and r <= 1 for r in ranks], len(ranks)),
            "recall_at_5": share([r is not None and r <= 5 for r in ranks], len(ranks)),
            "mrr": round(float(np.mean([1.0 / r if r else 0.0 for r in ranks])), 4) if ranks else None,
            "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2),
            "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        }

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if (o.item["answerable"] and not o.correct) or (not o.item["answerable"] and not o.answer["abstained"])]


def evaluate(assistant, gold: list[dict]) -> EvalReport:
    report = EvalReport()
    for item in gold:
        history = item.get("history") or []
        answer = assistant.ask(item["question"], history).to_dict()
        text = (answer["answer"] or "").lower()
        correct = (not answer["abstained"]) and all(f.lower() in text for f in item["facts"])
        first = answer["citations"][0] if answer["citations"] else None
        cited = bool(first and item["section"] and item["section"] in first["section"].split(" > ")[-1:])
        rank = None
        if item["answerable"] and item["evidence"]:
            for i, hit in enumerate(assistant.retrieve(item["question"], history), start=1):
                if item["evidence"] in hit.chunk.text:
                    rank = i
                    break
        report.outcomes.append(Outcome(item, answer, correct, cited, rank))
    return report


def format_report(report: EvalReport) -> str:
    s = report.summary()
    pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    lines = [
        f"questions: {s['questions']} ({s['answerable']} answerable, {s['unanswerable']} unanswerable)",
        f"answer accuracy:        {pct(s['answer_accuracy'])}",
        f"answerable abstained:   {pct(s['answerable_abstained'])}",
        f"citation accuracy:      {pct(s['citation_accuracy'])}",
        f"abstention precision:   {pct(s['abstention_precision'])}",
        f"abstention recall:      {pct(s['abstention_recall'])}",
        f"retrieval recall@1:     {pct(s['recall_at_1'])}",
        f"retrieval recall@5:     {pct(s['recall_at_5'])}",
        f"MRR:                    {s['mrr']}",
        f"latency p50 / p95:      {s['latency_ms_p50']} ms / {s['latency_ms_p95']} ms",
    ]
    for o in report.failures():
        got = "ABSTAINED" if o.answer["abstained"] else repr(o.answer["answer"][:90])
        lines.append(f"  miss {o.item['id']}: {o.item['question']!r} -> {got}")
    return "\n".join(lines)
