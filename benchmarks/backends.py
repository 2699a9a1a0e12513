"""FAISS against Milvus Lite: the same answers? and what each costs at scale (docs/scaling.md).

    python -m benchmarks.backends answers [--squad-every 3]   every gold set (and SQuAD test) on three set-ups:
                                                              FAISS; Milvus Lite with bm25s beside it; Milvus
                                                              Lite with its own BM25 function
    python -m benchmarks.backends scale --chunks 100000       build, load, search and disk at this many chunks
    python -m benchmarks.backends latency [--root DIR] [--milvus]
                                                              warm `ask` p50 on the paper's tuning questions, with
                                                              the code in DIR (another checkout: before and after)

Both print a Markdown table to paste into docs/scaling.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from assistant.assistant import Assistant  # noqa: E402
from assistant.build import build_index  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.evaluate import (GOLD_SETS, copy_corpus, evaluate, gold_sets, holds_answer, load_gold,  # noqa: E402
                                write_squad_corpus)
from assistant.store import backend_for  # noqa: E402
from assistant.text import search_tokens  # noqa: E402

from .report import markdown_table  # noqa: E402

SETUPS = {"FAISS + bm25s": {}, "Milvus Lite + bm25s": {"milvus_lexical": "bm25s"},
          "Milvus Lite + BM25 function": {"milvus_lexical": "milvus"}}
ROOT = GOLD_SETS.parent.parent.parent


def _settings(setup: str, corpus: Path, work: Path, name: str) -> Settings:
    settings = Settings().with_paths(corpus.resolve(), (work / f"index-{name}").resolve())
    if setup.startswith("Milvus"):
        settings = replace(settings, milvus_uri=str(work / "lite.db"), milvus_collection=name,
                           **SETUPS[setup])
    return settings


def answers(squad_every: int) -> None:
    from assistant.embedding import SentenceTransformerEmbedder
    from assistant.train.pairs import load_articles, load_split

    embedder = SentenceTransformerEmbedder()
    results: dict[str, dict[str, tuple[list[str | None], float]]] = {}  # set -> setup -> (answers, accuracy)
    with tempfile.TemporaryDirectory(prefix="backends-") as tmp:
        work = Path(tmp)
        for n, entry in enumerate(gold_sets()):
            corpus = copy_corpus(entry["corpus"], ROOT, work / f"corpus-{n}")
            gold = load_gold(ROOT / entry["questions"])
            for setup in SETUPS:
                settings = _settings(setup, corpus, work, f"set{n}_{len(results.get(entry['name'], {}))}")
                build_index(settings, embedder)
                assistant = Assistant(settings, embedder)
                assistant.reload()
                report = evaluate(assistant, gold)
                results.setdefault(entry["name"], {})[setup] = (
                    [o.answer["answer"] for o in report.outcomes], report.summary()["answer_accuracy"])
                print(f"{entry['name']}: {setup} done", file=sys.stderr)
        split = load_split()
        questions = write_squad_corpus(load_articles(split["test"]), work / "squad")[::squad_every]
        name = f"SQuAD test (1 question in {squad_every})" if squad_every > 1 else "SQuAD test"
        for setup in SETUPS:
            settings = _settings(setup, work / "squad", work, f"squad_{len(results.get(name, {}))}")
            build_index(settings, embedder)
            assistant = Assistant(settings, embedder)
            assistant.reload()
            got, right = [], 0
            for begin in range(0, len(questions), 64):
                assistant.prepare([q.question for q in questions[begin:begin + 64]])
                for item in questions[begin:begin + 64]:
                    answer = assistant.ask(item.question).to_dict()
                    got.append(answer["answer"])
                    first = answer["citations"][0] if answer["citations"] and not answer["abstained"] else None
                    right += bool(item.answers) and holds_answer(first, item)
            answerable = sum(bool(q.answers) for q in questions)
            results.setdefault(name, {})[setup] = (got, right / answerable)
            print(f"{name}: {setup} done", file=sys.stderr)
    base = "FAISS + bm25s"
    header = ["set", "questions", *(f"{s}: right" for s in SETUPS),
              *(f"{s}: same answer as FAISS" for s in list(SETUPS)[1:])]
    rows = []
    for name, by_setup in results.items():
        reference = by_setup[base][0]
        cells = [f"{100 * acc:.1f}%" for _, acc in by_setup.values()]
        same = [f"{100 * np.mean([a == b for a, b in zip(reference, got)]):.1f}%"
                for setup, (got, _) in by_setup.items() if setup != base]
        rows.append([name, str(len(reference)), *cells, *same])
    print("\n".join(markdown_table(header, rows)))


def _mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def scale(chunks: int, queries: int) -> None:
    from .data import SyntheticEmbedder, generate_corpus
    from .measure import ROOT as BENCH_ROOT

    cache = BENCH_ROOT / "benchmarks" / ".cache"
    documents = max(20, chunks // 100)
    corpus = generate_corpus(cache, documents, chunks)
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((queries, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = [w for w in (corpus / "doc-0000.md").read_text(encoding="utf-8").split() if w.isalpha()]
    token_sets = [search_tokens(" ".join(rng.choice(words, 6))) for _ in range(queries)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="backends-scale-") as tmp:
        work = Path(tmp)
        for setup in ("FAISS + bm25s", "Milvus Lite + bm25s"):
            settings = _settings(setup, corpus, work, "scale")
            started = time.perf_counter()
            report = build_index(settings, SyntheticEmbedder(), full=True)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            store = backend_for(settings).open()
            open_s = time.perf_counter() - started
            dense = []
            for vector in vectors:
                started = time.perf_counter()
                store.dense_search(vector[None, :], 20)
                dense.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            store.dense_search(vectors, 20)
            batch_ms = 1000 * (time.perf_counter() - started) / len(vectors)
            lexical = []
            for tokens in token_sets:
                started = time.perf_counter()
                store.lexical_search(tokens, 20)
                lexical.append(1000 * (time.perf_counter() - started))
            disk = _mb(settings.index) + (_mb(work / "lite.db") if setup.startswith("Milvus") else 0)
            rows.append([setup, f"{report.chunks_total:,}", f"{build_s:.1f} s", f"{open_s:.1f} s",
                         f"{statistics.median(dense):.1f} ms", f"{batch_ms:.1f} ms",
                         f"{statistics.median(lexical):.1f} ms", f"{disk:.0f} MB"])
            print(" | ".join(rows[-1]), file=sys.stderr)
            store.close()
            shutil.rmtree(settings.index, ignore_errors=True)
    header = ["set-up", "chunks", "build (synthetic vectors)", "open", "dense search p50",
              f"dense, per query in a batch of {queries}", "lexical p50", "disk"]
    print("\n".join(markdown_table(header, rows)))


LATENCY = """
import json, os, shutil, statistics, sys, tempfile, time
from dataclasses import replace
from pathlib import Path
root, rounds, milvus = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
sys.path.insert(0, str(root))
from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.embedding import SentenceTransformerEmbedder
work = Path(tempfile.mkdtemp())
(work / "corpus").mkdir()
shutil.copy(root / "corpus" / "g20-mexico-dpi.md", work / "corpus")
settings = Settings().with_paths(work / "corpus", work / "index")
if milvus:
    settings = replace(settings, milvus_uri=str(work / "lite.db"))
assistant = Assistant(settings, SentenceTransformerEmbedder(query_cache=0))
assistant.rebuild(wait=True)
questions = [json.loads(line)["question"] for line in open(root / "tests/gold/tuning/paper.jsonl")]
for question in questions[:10]:
    assistant.ask(question)
times = []
for _ in range(rounds):
    for question in questions:
        started = time.perf_counter()
        assistant.ask(question)
        times.append(1000 * (time.perf_counter() - started))
shutil.rmtree(work, ignore_errors=True)
print(json.dumps({"p50": statistics.median(times), "questions": len(times)}))
"""


def latency(root: Path, rounds: int, milvus: bool) -> None:
    """In a fresh process (from /tmp, so that only `root`'s code is imported), the p50 of warm questions."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, "-c", LATENCY, str(root.resolve()), str(rounds), "1" if milvus else "0"],
                         cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{root}: {'Milvus Lite' if milvus else 'default'} p50 {result['p50']:.1f} ms "
          f"over {result['questions']} questions")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backends")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser("answers")
    a.add_argument("--squad-every", type=int, default=3)
    s = sub.add_parser("scale")
    s.add_argument("--chunks", type=int, default=100_000)
    s.add_argument("--queries", type=int, default=100)
    t = sub.add_parser("latency")
    t.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code is measured")
    t.add_argument("--rounds", type=int, default=2)
    t.add_argument("--milvus", action="store_true", help="the same on Milvus Lite (needs a checkout that has it)")
    args = parser.parse_args()
    if args.command == "answers":
        answers(args.squad_every)
    elif args.command == "scale":
        scale(args.chunks, args.queries)
    else:
        latency(args.root, args.rounds, args.milvus)


if __name__ == "__main__":
    main()
