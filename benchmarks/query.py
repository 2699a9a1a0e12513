"""Target 4: warm question-to-answer latency, its encoding share, thread settings under contention, 100k chunks."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from assistant.answer_model import READER_THREADS, AnswerModel
from assistant.assistant import Assistant, index_status
from assistant.config import Settings
from assistant.embedding import QUERY_THREADS
from assistant.retrieval import Retriever
from assistant.build import build_index
from assistant.text import search_tokens

from .data import PAPER, SyntheticEmbedder, generate_corpus, load_gold
from .harness import Context, TimedEmbedder
from .measure import busy_cores, median, percentile, timed

SECTION_LATENCY = "Question latency (warm, question to answer)"
SECTION_THREADS = "One-question encode: threads and contention"
SECTION_READER_THREADS = "The reader model's threads"
SECTION_BIG = "100k-chunk index"
SPANISH_GOLD = Path(__file__).resolve().parent.parent / "tests" / "gold" / "es" / "paper.jsonl"
# The same questions typed without accents or "¿" (tests/gold/unaccented.py), which spanish_accents reads first.
UNACCENTED_GOLD = SPANISH_GOLD.parent.parent / "heldout" / "unaccented" / "paper-es.jsonl"


def ask_all(assistant: Assistant, questions: list[dict], passes: int) -> list[float]:
    """Milliseconds per ask(), every gold question (with its history) `passes` times."""
    out = []
    for _ in range(passes):
        for item in questions:
            seconds, _ = timed(assistant.ask, item["question"], item.get("history") or [])
            out.append(1000 * seconds)
    return out


def paper_assistant(ctx: Context, embedder) -> Assistant:
    """The default corpus (the paper), indexed with the default backend, in the scratch folder."""
    corpus, index = ctx.work / "corpus-default", ctx.work / "index-default"
    if not corpus.exists():
        corpus.mkdir()
        shutil.copy2(PAPER, corpus / PAPER.name)
        build_index(Settings().with_paths(corpus, index), embedder)
    assistant = Assistant(Settings().with_paths(corpus, index), embedder)
    assistant.reload()
    return assistant


def encode_latencies(embedder, questions: list[str], limit_seconds: float = 20) -> list[float]:
    """Milliseconds per one-question encode; stops early so that a pathological setting cannot stall the run."""
    deadline = time.monotonic() + limit_seconds
    times = []
    for question in questions:
        times.append(1000 * timed(embedder.encode_query, question)[0])
        if time.monotonic() > deadline:
            break
    return times


def thread_sweep(ctx: Context, questions: list[str]) -> dict:
    """One-question encode latency per backend and thread count, idle and with both cores busy."""
    r = ctx.results
    found = {}
    for busy in (False, True):
        for backend in ctx.backends:
            for threads in (1, 2):
                embedder = ctx.embedder(backend, query_threads=threads)
                embedder.encode_query("warm up")
                if busy:
                    with busy_cores(2):
                        times = encode_latencies(embedder, questions)
                else:
                    times = encode_latencies(embedder, questions)
                label = "both cores busy" if busy else "idle"
                found[(backend, threads, busy)] = (percentile(times, 50), percentile(times, 95))
                r.add(SECTION_THREADS, f"{backend}, {threads} thread(s), {label}: p50 / p95",
                      f"{percentile(times, 50):.1f} / {percentile(times, 95):.1f}", "ms", f"{len(times)} questions")
    for backend in ctx.backends:
        best = min((1, 2), key=lambda t, b=backend: found[(b, t, True)][1])
        r.add(SECTION_THREADS, f"{backend}: thread count with the lowest p95 under contention", best)
    busy_p95 = "; ".join(f"{b} {found[(b, 1, True)][1]:.0f} vs {found[(b, 2, True)][1]:.0f} ms"
                         for b in ctx.backends)
    r.add(SECTION_THREADS, "threads used for a question (assistant.embedding.QUERY_THREADS)", QUERY_THREADS,
          note=f"p95 on busy cores, 1 vs 2 threads: {busy_p95}")
    return found


def run(ctx: Context) -> None:
    plan, r = ctx.plan, ctx.results
    gold = load_gold(plan.gold_limit)
    default_backend = ctx.embedder("auto").backend
    thread_sweep(ctx, [g["question"] for g in gold][:plan.sweep_questions])

    timed_embedder = TimedEmbedder(ctx.embedder(default_backend))
    assistant = paper_assistant(ctx, timed_embedder)
    ask_all(assistant, gold[:5], 1)  # warm: first calls allocate
    timed_embedder.query_seconds.clear()
    idle = ask_all(assistant, gold, plan.passes)
    encode_share = 1000 * sum(timed_embedder.query_seconds) / sum(idle)
    p50, p95 = percentile(idle, 50), percentile(idle, 95)
    r.add(SECTION_LATENCY, f"default corpus, {default_backend}: p50 / p95",
          f"{p50:.1f} / {p95:.1f}", "ms", f"{len(idle)} asks")
    r.add(SECTION_LATENCY, "share of it spent encoding the question", 100 * encode_share, "%",
          f"{len(timed_embedder.query_seconds) / len(idle):.1f} encodes per question, "
          f"median {1000 * median(timed_embedder.query_seconds):.1f} ms each")
    with busy_cores(2):
        busy = ask_all(assistant, gold, 1)
    b50, b95 = percentile(busy, 50), percentile(busy, 95)
    r.add(SECTION_LATENCY, "default corpus, both cores busy: p50 / p95", f"{b50:.1f} / {b95:.1f}", "ms",
          f"{len(busy)} asks")
    spanish_latency(ctx, assistant, p50)
    reader_threads(ctx, assistant, gold)
    other = next((b for b in ctx.backends if b != default_backend), None)
    fallback = other_backend(ctx, other, gold) if other else ""
    ok = p50 <= 30 and p95 <= 60
    r.target("4a", "Latency, default corpus", "p50 <= 30 ms, p95 <= 60 ms",
             f"{p50:.1f} / {p95:.1f} ms (encoding {100 * encode_share:.0f}%)", ok,
             note=f"Encoding the question is {100 * encode_share:.0f}% of the time: the floor no pipeline beats "
                  f"with this model. The rest is retrieval (FAISS, BM25, fusion) and reading.",
             why="" if ok else "see the encoding share: the rest is retrieval and reading.",
             close="" if ok else "profile Candidates.build, which scores every sentence of every hit.")
    ok = b95 <= 150
    r.target("4c", "Latency under contention", "p95 <= 150 ms with both cores busy", f"p95 {b95:.1f} ms", ok,
             note=f"Two processes spin on both cores meanwhile; questions encode on {QUERY_THREADS} thread and "
                  f"FAISS searches on one (Retriever.dense). {fallback}",
             why="" if ok else "the question encode and FAISS search compete with two busy processes.",
             close="" if ok else "fewer threads for the question encode (QUERY_THREADS), or a smaller model.")
    big_index(ctx, gold)


def reader_threads(ctx: Context, assistant: Assistant, gold: list[dict]) -> None:
    """Whole-ask latency with the reader model on one thread and on two, idle and with both cores busy, and
    whether the two give the same scores (every candidate of the first 20 questions)."""
    r = ctx.results
    models = {threads: AnswerModel(threads=threads) for threads in (1, 2)}
    pairs = []
    for item in gold[:20]:
        _, query, hits = assistant._retrieve(item["question"], item.get("history") or [])
        pairs += [(query.question, hit.chunk.text) for hit in hits[:assistant.settings.read_k]]
    scores = {t: [(s.logit, s.span, s.span_score) for q, text in pairs for s in m.score(q, [text])]
              for t, m in models.items()}
    r.add(SECTION_READER_THREADS, "pairs scored the same on 1 and 2 threads",
          f"{sum(a == b for a, b in zip(scores[1], scores[2]))} of {len(pairs)}")
    for threads, model in models.items():
        reading = Assistant(assistant.settings, assistant.embedder, answer_model=model)
        reading.reload()
        ask_all(reading, gold[:5], 1)
        idle = ask_all(reading, gold, 1)
        with busy_cores(2):
            busy = ask_all(reading, gold, 1)
        r.add(SECTION_READER_THREADS, f"{threads} thread(s): idle p50 / p95; both cores busy p50 / p95",
              f"{percentile(idle, 50):.1f} / {percentile(idle, 95):.1f}; "
              f"{percentile(busy, 50):.1f} / {percentile(busy, 95):.1f}", "ms", f"{len(idle)} asks each")
    r.add(SECTION_READER_THREADS, "threads a pair is read on (assistant.answer_model.READER_THREADS)",
          READER_THREADS, note="at most the cores there are; ONNX Runtime's spin-waiting off")


def spanish_latency(ctx: Context, assistant: Assistant, english_p50: float) -> None:
    """What a Spanish question adds (issue 12: p50 <= 150 ms): the language check and Apertium's translation of
    the question with the documents choosing its words (Assistant.in_english), the one-off table of the
    documents' words that the first Spanish question makes, and whole Spanish questions on the paper against
    the English ones."""
    from assistant.evaluate import load_gold as load_questions
    from assistant.translate import apertium_available

    r = ctx.results
    if not apertium_available():
        r.add(SECTION_LATENCY, "Spanish questions", "not measured", note="Apertium is not installed")
        return
    items = load_questions(SPANISH_GOLD)[:ctx.plan.gold_limit]
    questions = [item["question"] for item in items]
    assistant.reload()  # a fresh store: the first Spanish question makes its table of words again
    first = 1000 * timed(assistant.in_english, questions[0], [])[0]
    r.add(SECTION_LATENCY, "first Spanish question on an index: its words' translations (once)", f"{first:.0f}",
          "ms", "the paper; back_translations over the passages' words, with Apertium's pipeline started")
    added = [1000 * timed(assistant.in_english, q, [])[0] for q in questions]
    r.add(SECTION_LATENCY, "Spanish question: language check + translation, p50 / p95",
          f"{percentile(added, 50):.1f} / {percentile(added, 95):.1f}", "ms", f"{len(added)} questions")
    plain = [item["question"] for item in load_questions(UNACCENTED_GOLD)[:ctx.plan.gold_limit]]
    typed = [1000 * timed(assistant.in_english, q, [])[0] for q in plain]
    r.add(SECTION_LATENCY, "the same typed without accents or \"¿\": language check + translation, p50 / p95",
          f"{percentile(typed, 50):.1f} / {percentile(typed, 95):.1f}", "ms",
          f"{len(typed)} questions (spanish_accents adds an analyser pass)")
    whole = ask_all(assistant, items, ctx.plan.passes)
    r.add(SECTION_LATENCY, "Spanish questions on the paper, whole ask: p50 / p95",
          f"{percentile(whole, 50):.1f} / {percentile(whole, 95):.1f}", "ms",
          f"{len(whole)} asks; the English questions' p50 {english_p50:.1f} ms (other questions, so the "
          f"difference also holds what the questions ask)")


def other_backend(ctx: Context, backend: str, gold: list[dict]) -> str:
    """The same questions through the backend that is not the default (the fallback, or the alternative)."""
    r = ctx.results
    assistant = paper_assistant(ctx, ctx.embedder(backend))
    ask_all(assistant, gold[:5], 1)
    times = ask_all(assistant, gold, 1)
    r.add(SECTION_LATENCY, f"default corpus, {backend} (the other backend): p50 / p95",
          f"{percentile(times, 50):.1f} / {percentile(times, 95):.1f}", "ms")
    with busy_cores(2):
        busy = ask_all(assistant, gold, 1)
    r.add(SECTION_LATENCY, f"default corpus, {backend}, both cores busy: p50 / p95",
          f"{percentile(busy, 50):.1f} / {percentile(busy, 95):.1f}", "ms")
    return (f"With {backend} instead, p95 is {percentile(times, 95):.0f} ms idle and {percentile(busy, 95):.0f} ms "
            "with both cores busy.")


def build_big_index(ctx: Context) -> tuple[Path, Path]:
    """A corpus of real sentences with ~100k chunks, indexed with synthetic vectors (cached: slow to make).

    Only speed and memory are measured on it; embedding 100k chunks with the real model would take an hour.
    """
    plan = ctx.plan
    corpus = generate_corpus(ctx.cache, plan.big_documents, plan.big_chunks, ctx.sources)
    index = ctx.cache / f"index-{corpus.name}"
    settings = Settings().with_paths(corpus, index)
    status = index_status(settings)
    if status.stale:
        shutil.rmtree(index, ignore_errors=True)
        seconds, report = timed(build_index, settings, SyntheticEmbedder(), full=True)
        ctx.results.add(SECTION_BIG, "build with synthetic vectors (cached afterwards)", seconds, "s",
                        f"{report.chunks_total:,} chunks")
    return corpus, index


def big_index(ctx: Context, gold: list[dict]) -> None:
    r, plan = ctx.results, ctx.plan
    corpus, index = build_big_index(ctx)
    ctx.shared["big_index"] = (corpus, index)
    ctx.shared["big_label"] = "quick big index" if plan.quick else "100k-chunk index"
    default_backend = ctx.embedder("auto").backend
    timed_embedder = TimedEmbedder(ctx.embedder(default_backend))
    assistant = Assistant(Settings().with_paths(corpus, index), timed_embedder)
    seconds, _ = timed(assistant.reload)
    store = assistant.store
    r.add(SECTION_BIG, "chunks / documents", f"{len(store.chunks):,} / {len(store.sources):,}",
          note=f"FAISS {type(store.faiss_index).__name__}")
    r.add(SECTION_BIG, "load (verify checksums, read chunks, FAISS, BM25)", seconds, "s")
    ask_all(assistant, gold[:5], 1)
    timed_embedder.query_seconds.clear()
    times = ask_all(assistant, gold, 1)
    p50, p95 = percentile(times, 50), percentile(times, 95)
    share = 1000 * sum(timed_embedder.query_seconds) / sum(times)
    r.add(SECTION_BIG, f"ask, {default_backend}: p50 / p95", f"{p50:.1f} / {p95:.1f}", "ms",
          f"encoding {100 * share:.0f}%")
    retriever = Retriever(store, assistant.settings.top_k)
    vector = timed_embedder.encode_query("warm")
    dense, sparse = [], []
    for item in gold:
        tokens = search_tokens(item["question"])
        dense.append(1000 * timed(retriever.dense, vector, assistant.settings.top_k)[0])
        sparse.append(1000 * timed(retriever.sparse, tokens, assistant.settings.top_k)[0])
    r.add(SECTION_BIG, "FAISS search alone: p50 / p95", f"{percentile(dense, 50):.2f} / {percentile(dense, 95):.2f}",
          "ms")
    r.add(SECTION_BIG, "BM25 search alone: p50 / p95", f"{percentile(sparse, 50):.2f} / {percentile(sparse, 95):.2f}",
          "ms")
    ctx.shared["bm25_ms"] = (percentile(sparse, 50), percentile(sparse, 95))
    chunks = len(store.chunks)
    ok = p50 <= 80
    r.target("4b", f"Latency, {chunks:,}-chunk index", "p50 <= 80 ms", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
             + (" (quick: not 100k)" if plan.quick else ""), ok,
             note=f"Real-sentence chunks with synthetic vectors; FAISS is {type(store.faiss_index).__name__} "
                  f"(exact up to Settings.approximate_above); FAISS alone p50 {percentile(dense, 50):.1f} ms, "
                  f"BM25 alone {percentile(sparse, 50):.1f} ms, encoding {100 * share:.0f}%.",
             why="" if ok else "retrieval and reading grow with the index; see FAISS and BM25 alone.",
             close="" if ok else "lower Settings.approximate_above so that FAISS answers from IVF.")
