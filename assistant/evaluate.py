"""Score the assistant on a gold set: answer and citation accuracy, abstention, retrieval, latency."""

from __future__ import annotations

import json
import re
import string
from collections import Counter
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
        stated = sum(1 for o in self.outcomes if o.item.get("language"))
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
            # Items that state a "language" ("en" or "es"): the share answered in it (fixed texts, and a translation
            # of the quote when the document's language differs). None when no item states one.
            "reply_language_right": round((stated - len(self.language_misses())) / stated, 4) if stated else None,
            "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2),
            "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        }

    def language_misses(self) -> list[Outcome]:
        """The outcomes of items that state a "language" whose reply is in another."""
        return [o for o in self.outcomes
                if o.item.get("language") and o.answer.get("language") != o.item["language"]]

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes
                if (o.item["answerable"] and not o.correct) or (not o.item["answerable"] and not o.answer["abstained"])]


BATCH = 64  # questions encoded and searched together (Assistant.prepare)


def states_facts(item: dict, answer: str | None, abstained: bool) -> bool:
    """Whether an answer to a gold item holds every one of its facts (case and line breaks aside: a PDF's sentence
    keeps the line ends of its page, "ACME PUBLIC\nLICENCE"): an answerable item's answer is right when it does."""
    def flat(text: str) -> str:
        return " ".join(text.lower().split())

    text = flat(answer or "")
    return not abstained and all(flat(f) in text for f in item["facts"])


def _prepare(assistant, questions: list[str]) -> None:
    prepare = getattr(assistant, "prepare", None)
    if prepare is not None:
        prepare(questions)


def evaluate(assistant, gold: list[dict]) -> EvalReport:
    report = EvalReport()
    for n, item in enumerate(gold):
        if n % BATCH == 0:
            _prepare(assistant, [g["question"] for g in gold[n:n + BATCH] if not g.get("history")])
        history = item.get("history") or []
        answer = assistant.ask(item["question"], history).to_dict()
        correct = states_facts(item, answer["answer"], answer["abstained"])
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


def pct(value: float | None) -> str:
    """A rate as the reports print it: "81.6%", or "n/a" when nothing was there to count."""
    return "n/a" if value is None else f"{100 * value:.1f}%"


def format_report(report: EvalReport) -> str:
    s = report.summary()
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
        *([f"reply language right:   {pct(s['reply_language_right'])}"] if s["reply_language_right"] is not None
          else []),
        f"latency p50 / p95:      {s['latency_ms_p50']} ms / {s['latency_ms_p95']} ms",
    ]
    for o in report.failures():
        got = "ABSTAINED" if o.answer["abstained"] else repr(o.answer["answer"][:90])
        lines.append(f"  miss {o.item['id']}: {o.item['question']!r} -> {got}")
    return "\n".join(lines)


# --- SQuAD articles, asked with open retrieval over the articles as one corpus -----------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def _normalise(text: str) -> list[str]:
    """SQuAD's answer normalisation: lower case, no punctuation or articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return _ARTICLES.sub(" ", text).split()


def phrase_f1(prediction: str, golds: list[str]) -> float:
    """The SQuAD F1 of a predicted phrase against the best of the gold answers."""
    best = 0.0
    pred = _normalise(prediction)
    for gold in golds:
        ref = _normalise(gold)
        common = sum((Counter(pred) & Counter(ref)).values())
        if common:
            precision, recall = common / len(pred), common / len(ref)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


@dataclass(frozen=True)
class SquadQuestion:
    question: str
    source: str  # the article's file in the corpus
    answers: tuple[tuple[int, int, str], ...]  # (start, end, text) in the document; empty when unanswerable


def write_squad_corpus(articles: list[dict], folder: Path) -> list[SquadQuestion]:
    """Each article as one Markdown file (its title, then its paragraphs); its questions with document offsets."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for article in articles:
        title = article["title"].replace("_", " ")
        source = re.sub(r"[^\w-]+", "-", article["title"]).strip("-") + ".md"
        text = f"# {title}\n\n"
        for paragraph in article["paragraphs"]:
            offset = len(text)
            text += paragraph["context"].strip() + "\n\n"
            for qa in paragraph["qas"]:
                answers = () if qa.get("is_impossible") else tuple(
                    (offset + a["answer_start"], offset + a["answer_start"] + len(a["text"]), a["text"])
                    for a in qa["answers"])
                questions.append(SquadQuestion(qa["question"], source, answers))
        (folder / source).write_text(text, encoding="utf-8")
    return questions


def holds_answer(citation: dict | None, item: SquadQuestion) -> bool:
    """Whether a cited span contains one of the gold answers where the article states it."""
    return bool(citation) and citation["source"] == item.source and any(
        citation["start"] <= a and b <= citation["end"] for a, b, _ in item.answers)


def answer_holds(answer, item: SquadQuestion) -> bool:
    """Whether an Answer (not declined) cites first a span that holds one of the item's gold answers."""
    first = answer.citations[0] if answer.citations and not answer.abstained else None
    return first is not None and holds_answer({"source": first.source, "start": first.start, "end": first.end},
                                              item)


def evaluate_squad(assistant, questions: list[SquadQuestion]) -> dict:
    answerable = [q for q in questions if q.answers]
    impossible = [q for q in questions if not q.answers]
    holds = abstained = f1 = 0.0
    impossible_abstained = 0
    latencies = []
    for n, item in enumerate(questions):
        if n % BATCH == 0:
            _prepare(assistant, [q.question for q in questions[n:n + BATCH]])
        answer = assistant.ask(item.question).to_dict()
        latencies.append(answer["timings_ms"]["total"])
        if not item.answers:
            impossible_abstained += answer["abstained"]
            continue
        if answer["abstained"]:
            abstained += 1
            continue
        first = answer["citations"][0]
        holds += holds_answer(first, item)
        phrase = (answer.get("answer_span") or {}).get("text") or answer["answer"]
        f1 += phrase_f1(phrase, [t for _, _, t in item.answers])
    n = max(1, len(answerable))
    return {
        "questions": len(questions), "answerable": len(answerable), "impossible": len(impossible),
        "answer_sentence_holds_gold": round(holds / n, 4),
        "answerable_abstained": round(abstained / n, 4),
        "impossible_abstained": round(impossible_abstained / max(1, len(impossible)), 4),
        "answer_phrase_f1": round(f1 / n, 4),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
    }


# --- every registered set --------------------------------------------------------------------------------

GOLD_SETS = Path(__file__).resolve().parent.parent / "tests" / "gold" / "sets.json"


def gold_sets(registry: Path = GOLD_SETS) -> list[dict]:
    return json.loads(registry.read_text(encoding="utf-8"))["sets"]


def copy_corpus(paths: list[str], root: Path, folder: Path) -> Path:
    """A corpus folder holding exactly the listed files (or the files of the listed folders)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for name in paths:
        path = root / name
        for file in ([path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())):
            shutil.copy(file, folder / file.name)
    return folder


def selected_sets(entries: list[dict], names: list[str] | None = None, role: str | None = None) -> list[dict]:
    """The registered sets to ask: those named (all when none is), of that role ("tuning" or "held-out") if given."""
    return [e for e in entries if (not names or e["name"] in names) and (role is None or e["role"] == role)]


def run_all(make_assistant, work: Path, names: list[str] | None = None, squad: str | None = "test",
            role: str | None = None) -> dict:
    """Summaries of the registered gold sets (each over its own corpus; those selected_sets keeps) and of the
    SQuAD articles.

    make_assistant(corpus, index) returns an Assistant with its index built.
    """
    root = GOLD_SETS.parent.parent.parent
    results: dict[str, dict] = {}
    built: dict[tuple[str, ...], object] = {}
    for entry in selected_sets(gold_sets(), names, role):
        key = tuple(entry["corpus"])
        if key not in built:
            corpus = copy_corpus(entry["corpus"], root, work / f"corpus-{len(built)}")
            built[key] = make_assistant(corpus, work / f"index-{len(built)}")
        report = evaluate(built[key], load_gold(root / entry["questions"]))
        results[entry["name"]] = {"role": entry["role"], **report.summary(),
                                  "misses": [o.item["id"] for o in report.failures()],
                                  "language_misses": [o.item["id"] for o in report.language_misses()]}
    if squad:
        from .train.pairs import load_articles, load_split

        split = load_split()
        questions = write_squad_corpus(load_articles(split[squad]), work / "squad-corpus")
        assistant = make_assistant(work / "squad-corpus", work / "squad-index")
        results[f"SQuAD {squad} articles"] = {"role": "held-out" if squad == "test" else "validation",
                                              "articles": split[squad], **evaluate_squad(assistant, questions)}
    return results


_RATES = (("answer_accuracy", "right"), ("answerable_abstained", "answerable declined"),
          ("abstention_recall", "unanswerable declined"))
_SQUAD_RATES = (("answer_sentence_holds_gold", "sentence holds the answer"),
                ("answerable_abstained", "answerable declined"), ("impossible_abstained", "impossible declined"),
                ("answer_phrase_f1", "phrase F1"))


def compare_all(before: dict, after: dict) -> str:
    """What moved between two `eval --json` runs: for each set asked by both whose misses or rates differ, the rates
    that moved and the items it no longer misses and newly misses; then how many sets did not move, and the sets
    asked by one run only. This is how the held-out sets, asked once before and once after a change, are read
    (docs/answering.md, "How a change is judged")."""
    def shown(key: str, value) -> str:
        return f"{value:.4f}" if key == "answer_phrase_f1" and value is not None else pct(value)

    lines, unchanged = [], 0
    for name, new in after.items():
        old = before.get(name)
        if old is None:
            continue
        rates = _SQUAD_RATES if "answer_sentence_holds_gold" in new else _RATES
        moved = [f"{label} {shown(key, old.get(key))} -> {shown(key, new.get(key))}"
                 for key, label in rates if old.get(key) != new.get(key)]
        fixed = sorted(set(old.get("misses", [])) - set(new.get("misses", [])))
        broken = sorted(set(new.get("misses", [])) - set(old.get("misses", [])))
        if not moved and not fixed and not broken:
            unchanged += 1
            continue
        lines.append(f"{name}: {'; '.join(moved) or 'the same rates'}")
        if fixed or broken:
            lines.append(f"  no longer missed: {', '.join(fixed) or '-'}; newly missed: {', '.join(broken) or '-'}")
    lines.append(f"sets unchanged, miss by miss: {unchanged}")
    only = sorted(set(before) ^ set(after))
    if only:
        lines.append(f"asked by one run only: {', '.join(only)}")
    return "\n".join(lines)


def format_all(results: dict) -> str:
    lines = ["| set | role | questions | answer right | answerable abstained | unanswerable abstained | "
             "citation in section | reply in the asked language | p50 ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, s in results.items():
        if "answer_sentence_holds_gold" in s:
            continue
        lines.append(f"| {name} | {s['role']} | {s['questions']} | {pct(s['answer_accuracy'])} | "
                     f"{pct(s['answerable_abstained'])} | {pct(s['abstention_recall'])} | "
                     f"{pct(s['citation_accuracy'])} | {pct(s['reply_language_right'])} | {s['latency_ms_p50']} |")
    for name, s in results.items():
        if "answer_sentence_holds_gold" in s:
            lines.append("")
            lines.append(f"{name} ({', '.join(s['articles'])}; {s['answerable']} answerable, {s['impossible']} "
                         f"impossible, open retrieval over the articles as one corpus):")
            lines.append(f"  answer sentence holds a gold answer: {pct(s['answer_sentence_holds_gold'])}")
            lines.append(f"  answerable abstained:                {pct(s['answerable_abstained'])}")
            lines.append(f"  impossible abstained:                {pct(s['impossible_abstained'])}")
            lines.append(f"  answer-phrase F1 (answerable):       {s['answer_phrase_f1']:.3f}")
            lines.append(f"  latency p50 / p95:                   {s['latency_ms_p50']} / {s['latency_ms_p95']} ms")
    return "\n".join(lines)
