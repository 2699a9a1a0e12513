"""`python -m benchmarks [--quick]`: run every benchmark, print the table, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # strictly offline: the model ships in a package
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from . import build, pdfs, query, scale, startup  # noqa: E402
from .harness import Context, Plan  # noqa: E402
from .measure import ROOT, machine  # noqa: E402
from .report import NOT_MEASURED, Results, Target, markdown, text_table  # noqa: E402

SECTIONS = [  # run in this order: later sections reuse what earlier ones built
    ("build", build.run, ("1", "2", "3a", "3b")),
    ("query", query.run, ("4a", "4b", "4c")),
    ("scale", scale.run, ("5a", "5b", "5c")),
    ("startup", startup.run, ("6a", "6b", "6c", "7")),
    ("pdf", pdfs.run, ("8a", "8b", "8c", "8d", "8e")),
]
NOTES = [
    "Every timing is a median over the runs stated; ratios (build against encode, ONNX against PyTorch) come "
    "from measurements taken in turn inside one run, so that load from elsewhere on the machine hits both.",
    "The generated corpus is made of real sentences (the default paper and the text of the two real PDFs in "
    "tests/fixtures) shuffled and recombined with a fixed seed into Markdown reports with numbered sections "
    "and a few tables; it is cached under benchmarks/.cache/.",
    "Build target 1: the build embeds each sentence and table row once, prefixed with its section path "
    "(Chunk.embedding_texts()), not the chunk texts; the bare baseline is model.encode of Chunk.text for "
    "every chunk, as the issue defines it. Both are reported, with token counts, so the comparison is honest.",
    "The ONNX model is exported offline from the packaged model's folder into the user cache "
    "(assistant.embedding.export_onnx): PyTorch with eager attention, mean pooling and normalisation in the "
    "graph, then ONNX Runtime's BERT fusions, float32 (no quantisation), and kept only if it reproduces the "
    "PyTorch vectors (cosine >= 0.9999).",
    "Question latency: Assistant.ask on every gold question (with its history), the question-vector cache "
    "off, after five warm-up questions; 'both cores busy' runs two spinning processes meanwhile.",
    "The 100k-chunk index is built from ~100k chunks of generated real-sentence documents with synthetic "
    "(random) vectors: its speed and memory are real, its answers are not; embedding 100k chunks with the "
    "real model would take about an hour here.",
    "FAISS scale: synthetic clustered unit vectors (sqrt(n) clusters, each a centre plus a random 32-dim "
    "subspace plus noise); queries are half near one stored vector and half between two, so that a query's "
    "1st and 10th neighbours sit at cosines like real questions'. Recall@10 is against exact search. HNSW is "
    "built only up to the size stated (its build is slow); an exploratory run of HNSW with M 16 and "
    "efConstruction 40 on 1M vectors took 240 s to build and reached recall@10 0.57 at efSearch 512, while "
    "IVF took about a minute and reached 0.99 (`--hnsw-up-to 1000000` reruns it with M 32).",
    "PDF folders: reading speed is CPU time of one process reading whole files (pypdf measured the same way); "
    "the 10-Q build is compared with the same encoder encoding the build's distinct sentences and rows in one "
    "call; questions are the 10-Q set's own (questions.jsonl), asked through Assistant.ask on a fresh index.",
    "Memory is peak resident set size (VmHWM) of a fresh child process. The chat app is measured through "
    "Streamlit's AppTest (the script, model and index in one process, without the web server).",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and single runs (under a minute)")
    parser.add_argument("--output", type=Path, default=None,
                        help="Markdown report (default: docs/benchmarks.md; with --quick or --only: not written unless given)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache",
                        help="generated data kept between runs")
    parser.add_argument("--only", default="", help="comma-separated sections: build,query,scale,startup,pdf "
                                                   "(prints; docs/benchmarks.md is left as it is)")
    parser.add_argument("--tenq", type=Path, default=pdfs.DEFAULT_TENQ,
                        help="the 10-Q folder (PDFs and questions.jsonl) for targets 8b-8d")
    parser.add_argument("--hnsw-up-to", type=int, default=None, help="build HNSW for comparison up to this size")
    return parser.parse_args(argv)


def report_path(args: argparse.Namespace) -> Path | None:
    """Where the Markdown report goes. docs/benchmarks.md holds a whole run: a quick run or a run of some
    sections only prints (or writes where --output says), so that it never replaces the other sections' numbers."""
    if args.output:
        return args.output
    return None if args.quick or args.only else ROOT / "docs" / "benchmarks.md"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.quick_plan() if args.quick else Plan.full()
    if args.hnsw_up_to is not None:
        plan = replace(plan, hnsw_up_to=args.hnsw_up_to)
    output = report_path(args)
    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    results = Results(command=command, quick=plan.quick, machine=machine(),
                      started=datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"))
    results.notes = list(NOTES)
    only = {s for s in args.only.split(",") if s}
    started = time.perf_counter()
    args.cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as work:
        ctx = Context(plan, args.cache, Path(work), results)
        ctx.shared["tenq_folder"] = args.tenq
        for name, run, ids in SECTIONS:
            if only and name not in only:
                continue
            section_started = time.perf_counter()
            print(f"== {name}", file=sys.stderr, flush=True)
            try:
                run(ctx)
            except Exception as exc:  # noqa: BLE001 - one failed section must not lose the others' numbers
                traceback.print_exc()
                results.errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
                have = {t.id for t in results.targets}
                for target_id in ids:
                    if target_id not in have:
                        results.targets.append(Target(target_id, f"(section {name})", "", "-", NOT_MEASURED,
                                                      why=f"the {name} section failed: {exc}"))
            print(f"   {name} took {time.perf_counter() - section_started:.0f} s", file=sys.stderr, flush=True)
        ctx.drop_embedders()
    results.seconds = time.perf_counter() - started
    results.machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results.targets.sort(key=lambda t: (int("".join(c for c in t.id if c.isdigit())), t.id))
    print(text_table(results))
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(markdown(results), encoding="utf-8")
        print(f"\nWrote {output}", file=sys.stderr)
    if args.json:
        results.write_json(args.json)
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
