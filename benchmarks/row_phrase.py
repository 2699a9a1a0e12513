"""The answer phrase inside a table row: `reader.row_phrase` against the span head alone (docs/answering.md).

`python -m benchmarks.row_phrase [--tenq DIR]` asks each positive template pair of assistant/train/data/rows (the
tuning companies' rows) and, when the 10-Q folder is there (default ../shared/data/10q), pairs made the same way
from the held-out companies' filings; it prints how often each marks exactly the value the question was written
for, apart for questions that name a column and questions that name none.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from assistant.answer_model import load_answer_model
from assistant.structural import row_phrase
from assistant.text import search_tokens
from assistant.train.pairs import Pair
from assistant.train.rows import _answerable_row, _label, _read, document_pairs, is_tuning_filing, load_pairs

from .measure import ROOT


def compare(pairs: list[Pair], model) -> dict[str, tuple[int, int, int]]:
    """{'names a column' | 'names none': (questions, span head exact, row phrase exact)}."""
    out: dict[str, list[int]] = {}
    for p in pairs:
        if not (p.label and p.span):
            continue
        gold = p.sentence[p.span[0]:p.span[1]].strip()
        scored = model.score(p.question, [p.sentence])[0]
        head = p.sentence[scored.span[0]:scored.span[1]] if scored.span else ""
        found = row_phrase(set(search_tokens(p.question)), p.sentence, (), scored.span)
        rule = p.sentence[found[0]:found[1]] if found else head
        kind = "names a column" if any(w in p.question for w in ("for the ", "in the ", "as of ")) else "names none"
        counts = out.setdefault(kind, [0, 0, 0])
        counts[0] += 1
        counts[1] += head.strip() == gold
        counts[2] += rule.strip() == gold
    return {k: tuple(v) for k, v in out.items()}


def held_out_pairs(folder: Path, seed: int = 13) -> list[Pair]:
    """Template pairs from the filings of the companies the row pairs leave out, made as rows.py makes them."""
    documents = {p.name: _read(p) for p in sorted(folder.glob("*.pdf")) if not is_tuning_filing(p.name)}
    labels = {n: sorted({_label(c) for c in chunks if c.kind == "row" and _answerable_row(c)})
              for n, chunks in documents.items()}
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for name, chunks in documents.items():
        pairs += document_pairs(chunks, [label for other, ls in labels.items() if other != name for label in ls], rng)
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.row_phrase")
    parser.add_argument("--tenq", type=Path, default=ROOT.parent / "shared" / "data" / "10q")
    args = parser.parse_args()
    model = load_answer_model()
    sets = {"tuning companies": load_pairs()}
    if args.tenq.is_dir():
        sets["held-out companies"] = held_out_pairs(args.tenq)
    for name, pairs in sets.items():
        for kind, (n, head, rule) in sorted(compare(pairs, model).items()):
            print(f"{name}, {kind}: {n} questions; span head {100 * head / n:.1f}%, row phrase {100 * rule / n:.1f}%")


if __name__ == "__main__":
    main()
