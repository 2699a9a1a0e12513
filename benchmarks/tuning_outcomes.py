"""Per-question outcomes on the tuning sources, and what moved between two runs: how a rule or a change of the
reader is judged before it is kept (docs/answering.md, "How a change is judged").

    python -m benchmarks.tuning_outcomes run OUT.json [--skip gold squad spanish-squad filings] [--sets TEXT ...]
    python -m benchmarks.tuning_outcomes compare BEFORE.json AFTER.json

`run` asks the code it runs from every question of the tuning sources, each over its own corpus, and writes one
record per question: the tuning gold sets of tests/gold/sets.json (role "tuning"), the SQuAD validation articles
(open retrieval over the two as one corpus), the Spanish questions written from them
(tests/gold/tuning/squad-validation-es.jsonl), and the single-filing questions of the tuning companies' 10-Q
filings (assistant/train/rows.py, TUNING_COMPANIES), in English and in the Spanish of tests/gold/tuning/filings-es,
when the collection is beside the project (../shared/data/10q; skipped otherwise). Held-out sets are never
asked: nothing may be chosen on them, so they are asked once, after the decision, with `python -m assistant eval`.

`compare` prints, per source, the questions right and declined before and after, then over every source the
questions right (answers right and unanswerable questions declined) and the mean balanced score (per source, the
mean of the answerable questions' and the unanswerable questions' share right), then every question whose outcome
or answer moved. To run the code of another commit, check it out beside this one
(`git worktree add /tmp/before REV`) and run it there with this checkout's Python:
`cd /tmp/before && PYTHONPATH=. HF_HUB_OFFLINE=1 /path/to/.venv/bin/python -m benchmarks.tuning_outcomes run
/tmp/before.json`. A run takes about six minutes here with both cores free.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .measure import ROOT

SOURCES = ("gold", "squad", "spanish-squad", "filings")
TENQ = ROOT.parent / "shared" / "data" / "10q"
SPANISH_SQUAD = ROOT / "tests" / "gold" / "tuning" / "squad-validation-es.jsonl"
FILINGS_ES = ROOT / "tests" / "gold" / "tuning" / "filings-es" / "questions.jsonl"
ANSWER_CHARS = 100  # of each answer kept in a record: enough to tell two answers apart


def _record(source: str, question: str, answerable: bool, answer, right: bool, **extra) -> dict:
    return {"source": source, "question": question, "answerable": answerable, "right": bool(right),
            "declined": bool(answer.abstained), "answer": (answer.answer or "")[:ANSWER_CHARS],
            "read_as": answer.read_as, **extra}


def _gold(make, work: Path, names: list[str]) -> dict[str, dict]:
    from assistant.evaluate import copy_corpus, gold_sets, load_gold, selected_sets, states_facts

    out, built = {}, {}
    for entry in selected_sets(gold_sets(), role="tuning"):
        if names and not any(n in entry["name"] for n in names):  # a part of a set's name picks it here
            continue
        key = tuple(entry["corpus"])
        if key not in built:
            built[key] = make(copy_corpus(entry["corpus"], ROOT, work / f"corpus-{len(built)}"),
                              work / f"index-{len(built)}")
        for item in load_gold(ROOT / entry["questions"]):
            answer = built[key].ask(item["question"], item.get("history") or [])
            right = states_facts(item, answer.answer, answer.abstained) if item["answerable"] else answer.abstained
            out[f"{entry['name']}|{item['id']}"] = _record(entry["name"], item["question"], item["answerable"],
                                                         answer, right)
    return out


def _squad(make, work: Path, spanish: bool, english: bool) -> dict[str, dict]:
    from assistant.evaluate import answer_holds, write_squad_corpus
    from assistant.train.pairs import load_articles, load_split

    questions = write_squad_corpus(load_articles(load_split()["validation"]), work / "squad-corpus")
    assistant = make(work / "squad-corpus", work / "squad-index")

    def judged(item, answer) -> bool:
        return answer_holds(answer, item) if item.answers else answer.abstained

    out = {}
    if english:
        for n, item in enumerate(questions):
            answer = assistant.ask(item.question)
            out[f"SQuAD validation|{n}"] = _record("SQuAD validation", item.question, bool(item.answers), answer,
                                                   judged(item, answer))
    if spanish:
        by_text = {q.question.strip(): q for q in questions}
        for line in SPANISH_SQUAD.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                answer = assistant.ask(item["question"])
                out[f"SQuAD validation, Spanish|{item['question']}"] = _record(
                    "SQuAD validation, Spanish", item["question"], item["answerable"], answer,
                    judged(by_text[item["question_en"]], answer))
    return out


def _filings(make, work: Path, folder: Path) -> dict[str, dict]:
    from assistant.train.rows import is_tuning_filing

    from .pdfs import judge_filing_answer

    corpus = work / "filings"
    corpus.mkdir()
    for pdf in sorted(folder.glob("*.pdf")):
        if is_tuning_filing(pdf.name):
            shutil.copy2(pdf, corpus / pdf.name)
    assistant = make(corpus, work / "filings-index")
    out = {}
    # The collection's single-filing questions, then the same filings asked in Spanish (a tuning set of our own).
    for source, path in (("filings", folder / "questions.jsonl"), ("filings, Spanish", FILINGS_ES)):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            matches = item.get("matches", [])
            if len(matches) != 1 or not is_tuning_filing(matches[0]):
                continue
            answer = assistant.ask(item["question"])
            row, states = judge_filing_answer(answer, item)
            table = item.get("source_chunk_type") == "Table"
            # A table question is right when the row holding the figure answers (target 8d); any other when the
            # answer states a figure of the reference answer.
            out[f"{source}|{item['question']}"] = _record(source, item["question"], True, answer,
                                                          row if table else states, table=table, row=row,
                                                          states=states)
    return out


def run(out_path: Path, skip: set[str], names: list[str], tenq: Path = TENQ) -> dict[str, dict]:
    from assistant.assistant import Assistant
    from assistant.config import Settings
    from assistant.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(batch_size=Settings().batch_size)

    def make(corpus: Path, index: Path) -> Assistant:
        assistant = Assistant(replace(Settings(), corpus=corpus.resolve(), index=index.resolve()), embedder)
        assistant.rebuild(wait=True)
        return assistant

    records: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tuning-outcomes-") as work:
        work = Path(work)
        if "gold" not in skip:
            records.update(_gold(make, work, names))
        if not {"squad", "spanish-squad"} <= skip:
            records.update(_squad(make, work, "spanish-squad" not in skip, "squad" not in skip))
        if "filings" not in skip:
            if (tenq / "questions.jsonl").exists():
                records.update(_filings(make, work, tenq))
            else:
                print(f"the 10-Q filings are not at {tenq}: their questions were not asked", file=sys.stderr)
    out_path.write_text(json.dumps(records, ensure_ascii=False, indent=0), encoding="utf-8")
    return records


def compare(before: dict[str, dict], after: dict[str, dict]) -> tuple[dict[str, Counter], list[tuple[str, str]]]:
    """({source: counts}, [(verdict, key)]) over the questions both runs asked: per source the questions, those
    right and declined before and after (and the rows and stated figures of the filings), and each question whose
    outcome or answer moved, as "better", "worse" or "moved" (another answer, as right or wrong as before)."""
    totals: dict[str, Counter] = {}
    moved = []
    for key in before.keys() & after.keys():
        a, b = before[key], after[key]
        counts = totals.setdefault(a["source"], Counter())
        counts["questions"] += 1
        for field in ("right", "declined", "row", "states"):
            if field in a:
                counts[f"{field} before"] += a[field]
                counts[f"{field} after"] += b[field]
        if a["right"] != b["right"] or a["answer"] != b["answer"] or a["declined"] != b["declined"]:
            moved.append(("better" if b["right"] > a["right"] else "worse" if b["right"] < a["right"] else "moved",
                          key))
    return totals, sorted(moved, key=lambda m: (m[1].split("|")[0], m[0], m[1]))


def balanced(records: dict[str, dict], keys) -> float:
    """The mean over sources of each source's balanced score: the mean of its answerable questions' share right and
    its unanswerable questions' share right (declined), or the one share a source with one kind has."""
    shares: dict[str, dict[bool, list[bool]]] = {}
    for key in keys:
        record = records[key]
        shares.setdefault(record["source"], {}).setdefault(record["answerable"], []).append(record["right"])
    per_source = [sum(sum(r) / len(r) for r in kinds.values()) / len(kinds) for kinds in shares.values()]
    return sum(per_source) / len(per_source) if per_source else 0.0


def format_comparison(before: dict[str, dict], after: dict[str, dict]) -> str:
    totals, moved = compare(before, after)
    lines = []
    for source, c in sorted(totals.items()):
        parts = [f"{c[f'{f} before']} -> {c[f'{f} after']} {f}" for f in ("right", "declined", "row", "states")
                 if f"{f} before" in c]
        lines.append(f"{source} ({c['questions']} questions): " + ", ".join(parts))
    both = before.keys() & after.keys()
    lines.append(f"all {len(totals)} sources ({len(both)} questions): "
                 f"{sum(c['right before'] for c in totals.values())} -> {sum(c['right after'] for c in totals.values())}"
                 f" right (answers right and unanswerable questions declined); mean balanced score "
                 f"{balanced(before, both):.3f} -> {balanced(after, both):.3f}")
    for verdict, key in moved:
        a, b = before[key], after[key]
        lines.append(f"{verdict:6s} {key.split('|')[0]}: {a['question'][:90]}")
        lines.append(f"         before: {'(declined)' if a['declined'] else a['answer'][:90]}")
        lines.append(f"         after:  {'(declined)' if b['declined'] else b['answer'][:90]}")
    only = len(before.keys() ^ after.keys())
    if only:
        lines.append(f"{only} questions were asked by one run only and are not compared")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning_outcomes", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="ask every tuning question and write the outcomes")
    r.add_argument("out", type=Path)
    r.add_argument("--skip", nargs="*", default=[], choices=SOURCES)
    r.add_argument("--sets", nargs="*", default=[], help="only the tuning gold sets whose name holds one of these")
    r.add_argument("--tenq", type=Path, default=TENQ, help="the 10-Q collection (default: ../shared/data/10q)")
    c = sub.add_parser("compare", help="what moved between two runs")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "run":
        records = run(args.out, set(args.skip), args.sets, args.tenq)
        print(f"{len(records)} outcomes written to {args.out}")
    else:
        load = lambda p: json.loads(p.read_text(encoding="utf-8"))  # noqa: E731
        print(format_comparison(load(args.before), load(args.after)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
