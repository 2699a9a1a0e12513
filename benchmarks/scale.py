"""Target 5: exact against approximate FAISS search on clustered vectors, load memory, BM25 at 100k chunks."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings

from .harness import Context
from .measure import busy_cores, percentile, run_child

SECTION_SCALE = "FAISS on synthetic clustered vectors"
SECTION_LOAD = "Loading large indexes (fresh process)"
SECTION_BM25 = "BM25 at the 100k-chunk index"
BIG_FILE = 256 * 1024 * 1024  # faiss_store.load_store memory-maps FAISS and BM25 files above this size
HNSW_SETTINGS = {"M": 32, "efConstruction": 64}
RECALL_GOAL = 0.95


def _single_query_ms(index, queries: np.ndarray, threads: int) -> list[float]:
    import faiss

    faiss.omp_set_num_threads(threads)
    times = []
    for q in queries:
        started = time.perf_counter()
        index.search(q.reshape(1, -1), 10)
        times.append(1000 * (time.perf_counter() - started))
    faiss.omp_set_num_threads(2)
    return times


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def index_child(n: int, out_dir: str, hnsw: bool, queries: int, latency_queries: int) -> None:
    """In a fresh process: build exact, IVF (the store's own) and optionally HNSW; time, recall, write."""
    import faiss

    from assistant.faiss_store import make_faiss_index

    from .data import clustered_queries, clustered_vectors

    out = Path(out_dir)
    started = time.perf_counter()
    vectors = clustered_vectors(n)
    qs = clustered_queries(vectors, queries)
    result: dict = {"n": n, "generate_s": time.perf_counter() - started}
    flat = faiss.IndexFlatIP(vectors.shape[1])
    t = time.perf_counter()
    flat.add(vectors)
    result["flat_build_s"] = time.perf_counter() - t
    scores, truth = flat.search(qs, 10)
    result["neighbour_cosine_1st_10th"] = [float(scores[:, 0].mean()), float(scores[:, 9].mean())]
    lat = qs[:latency_queries]
    result["flat_ms_1thread"] = _single_query_ms(flat, lat, 1)
    result["flat_ms_2threads"] = _single_query_ms(flat, lat, 2)
    with busy_cores(2, max_seconds=120):
        result["flat_ms_1thread_busy"] = _single_query_ms(flat, lat, 1)
        result["flat_ms_2threads_busy"] = _single_query_ms(flat, lat, 2)
    faiss.write_index(flat, str(out / "flat.faiss"))
    del flat

    t = time.perf_counter()
    ivf = make_faiss_index(vectors, approximate_above=0)  # the code path a large index takes
    result["ivf_build_s"] = time.perf_counter() - t
    ivf_type = faiss.downcast_index(ivf)
    result["ivf"] = {"type": type(ivf_type).__name__, "nlist": ivf_type.nlist, "nprobe": ivf_type.nprobe}
    result["ivf_recall"] = _recall(ivf.search(qs, 10)[1], truth)
    result["ivf_ms"] = _single_query_ms(ivf, lat, 1)
    curve = {}
    for nprobe in (8, 16, 32, 64, 128):
        ivf_type.nprobe = nprobe
        curve[nprobe] = _recall(ivf.search(qs, 10)[1], truth)
    result["ivf_recall_by_nprobe"] = curve
    ivf_type.nprobe = result["ivf"]["nprobe"]
    faiss.write_index(ivf, str(out / "ivf.faiss"))
    del ivf, ivf_type

    if hnsw:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_SETTINGS["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_SETTINGS["efConstruction"]
        t = time.perf_counter()
        index.add(vectors)
        result["hnsw_build_s"] = time.perf_counter() - t
        curve = {}
        for ef in (64, 128, 256):
            index.hnsw.efSearch = ef
            curve[ef] = _recall(index.search(qs, 10)[1], truth)
        result["hnsw_recall_by_ef"] = curve
        ef = next((e for e, rec in curve.items() if rec >= RECALL_GOAL), 256)
        index.hnsw.efSearch = ef
        result["hnsw_ef"] = ef
        result["hnsw_ms"] = _single_query_ms(index, lat, 1)
        faiss.write_index(index, str(out / "hnsw.faiss"))
    print(json.dumps(result))


def load_child(path: str) -> None:
    """In a fresh process: load an index file as faiss_store.load_store does and report resident memory."""
    import faiss

    from .measure import peak_rss_mb, rss_mb

    before = rss_mb()
    flags = faiss.IO_FLAG_MMAP if Path(path).stat().st_size > BIG_FILE else 0
    index = faiss.read_index(path, flags)
    loaded = rss_mb()
    index.search(np.ones((1, index.d), np.float32), 10)
    print(json.dumps({"before_mb": before, "loaded_mb": loaded, "searched_mb": rss_mb(), "peak_mb": peak_rss_mb(),
                      "mmap": bool(flags)}))


def bm25_child(folder: str, mmap: bool) -> None:
    import bm25s

    from .measure import peak_rss_mb, rss_mb

    before = rss_mb()
    bm25 = bm25s.BM25.load(folder, mmap=mmap, show_progress=False)
    bm25.get_scores(["the"])  # touch it, as a search would
    print(json.dumps({"delta_mb": rss_mb() - before, "peak_delta_mb": peak_rss_mb() - before}))


def _child(call: str, timeout: float = 1800) -> dict:
    return run_child(f"from benchmarks.scale import *\n{call}", timeout=timeout)


def _folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2 ** 20


def run(ctx: Context) -> None:
    r, plan = ctx.results, ctx.plan
    threshold = Settings().approximate_above
    checks, exact_ms, found = [], {}, {}
    for n in plan.vector_sizes:
        out = ctx.work / f"vectors-{n}"
        out.mkdir(parents=True, exist_ok=True)
        hnsw = n <= plan.hnsw_up_to
        res = _child(f"index_child({n}, {str(out)!r}, {hnsw}, {200 if not plan.quick else 100}, "
                     f"{50 if not plan.quick else 20})")
        found[n] = res
        label = f"{n:,}"
        first, tenth = res["neighbour_cosine_1st_10th"]
        r.add(SECTION_SCALE, f"{label}: vectors generated", res["generate_s"], "s",
              f"query's 1st / 10th neighbour cosine {first:.2f} / {tenth:.2f}")
        for key, name in (("flat_ms_1thread", "1 thread"), ("flat_ms_2threads", "2 threads"),
                          ("flat_ms_1thread_busy", "1 thread, both cores busy"),
                          ("flat_ms_2threads_busy", "2 threads, both cores busy")):
            r.add(SECTION_SCALE, f"{label}: exact search, {name}: p50 / p95",
                  f"{percentile(res[key], 50):.1f} / {percentile(res[key], 95):.1f}", "ms")
        exact_ms[n] = percentile(res["flat_ms_1thread"], 50)
        ivf = res["ivf"]
        r.add(SECTION_SCALE, f"{label}: IVF build (train + add)", res["ivf_build_s"], "s",
              f"nlist {ivf['nlist']}, nprobe {ivf['nprobe']}")
        r.add(SECTION_SCALE, f"{label}: IVF recall@10 vs exact", res["ivf_recall"],
              note="by nprobe: " + ", ".join(f"{k}: {v:.3f}" for k, v in res["ivf_recall_by_nprobe"].items()))
        r.add(SECTION_SCALE, f"{label}: IVF search p50 / p95",
              f"{percentile(res['ivf_ms'], 50):.2f} / {percentile(res['ivf_ms'], 95):.2f}", "ms")
        if hnsw:
            r.add(SECTION_SCALE, f"{label}: HNSW build (M {HNSW_SETTINGS['M']}, efConstruction "
                                 f"{HNSW_SETTINGS['efConstruction']})", res["hnsw_build_s"], "s")
            r.add(SECTION_SCALE, f"{label}: HNSW recall@10 by efSearch",
                  ", ".join(f"{k}: {v:.3f}" for k, v in res["hnsw_recall_by_ef"].items()))
            r.add(SECTION_SCALE, f"{label}: HNSW search p50 / p95 (efSearch {res['hnsw_ef']})",
                  f"{percentile(res['hnsw_ms'], 50):.2f} / {percentile(res['hnsw_ms'], 95):.2f}", "ms")
        for kind in ("flat", "ivf", "hnsw"):
            path = out / f"{kind}.faiss"
            if not path.exists():
                continue
            size = path.stat().st_size / 2 ** 20
            load = _child(f"load_child({str(path)!r})")
            peak = load["peak_mb"] - load["before_mb"]
            resident = load["loaded_mb"] - load["before_mb"]
            how = "read into memory" if not load["mmap"] else "memory-mapped" if resident < size / 2 else \
                "IO_FLAG_MMAP asked, but FAISS reads this index type into memory"
            r.add(SECTION_LOAD, f"{label} {kind}: file / resident after load / peak while loading",
                  f"{size:,.0f} / {resident:,.0f} / {peak:,.0f}", "MiB", how)
            if kind == "ivf":
                checks.append((n, res["ivf_recall"], peak / size))
        shutil.rmtree(out, ignore_errors=True)
    # Exact search grows linearly with n: where it would cross 20 ms, single-threaded, on this machine.
    per_vector = max(exact_ms[n] / n for n in exact_ms)
    r.add(SECTION_SCALE, "exact search would reach 20 ms at", int(20 / per_vector), "vectors",
          f"Settings.approximate_above = {threshold:,}")
    worst_recall = min(c[1] for c in checks)
    worst_load = max(c[2] for c in checks)
    sizes = " and ".join(f"{n:,}" for n in plan.vector_sizes)
    note = (f"Exact search, one thread, costs about {per_vector * threshold:.0f} ms at the threshold "
            f"({threshold:,} chunks, linear in n); above it faiss_store.make_faiss_index builds IVF-Flat with 4*sqrt(n) "
            "lists. " + " ".join(f"At {n:,}: IVF built in {res['ivf_build_s']:.0f} s, searches in "
                                  f"{percentile(res['ivf_ms'], 50):.2f} ms, holds the vectors once "
                                  f"({n * 384 * 4 / 2 ** 20:,.0f} MiB, memory-mapped when large)."
                                  for n, res in found.items()))
    hnsw_sizes = [n for n, res in found.items() if "hnsw_build_s" in res]
    if hnsw_sizes:
        n = hnsw_sizes[-1]
        note += (f" HNSW (M {HNSW_SETTINGS['M']}, efConstruction {HNSW_SETTINGS['efConstruction']}) at {n:,} took "
                 f"{found[n]['hnsw_build_s']:.0f} s to build against IVF's {found[n]['ivf_build_s']:.0f} s and "
                 f"needed efSearch {found[n]['hnsw_ef']} to pass recall 0.95; since every rebuild rebuilds the "
                 "FAISS index, IVF's build time decided.")
    r.target("5a", "Scale: approximate search", f"exact up to {threshold:,}, then IVF; recall@10 >= 0.95",
             f"IVF recall@10 {worst_recall:.3f} at {sizes}", worst_recall >= RECALL_GOAL, note=note,
             why="" if worst_recall >= RECALL_GOAL else "too few lists probed for this data.",
             close="" if worst_recall >= RECALL_GOAL else "raise nprobe in faiss_store.make_faiss_index.")
    r.target("5b", "Scale: loading", "loading needs less than twice the index size",
             f"peak while loading {worst_load:.2f}x the IVF file", worst_load < 2,
             why="" if worst_load < 2 else "the index is read into memory rather than mapped.",
             close="" if worst_load < 2 else "memory-map it (IO_FLAG_MMAP) in faiss_store.load_store.")
    bm25(ctx)


def bm25(ctx: Context) -> None:
    r = ctx.results
    corpus_index = ctx.shared.get("big_index")
    if not corpus_index:
        return
    from assistant.faiss_store import BM25_DIR, live_dir

    folder = live_dir(corpus_index[1]) / BM25_DIR
    r.add(SECTION_BM25, "on disk", _folder_mb(folder), "MiB")
    for mmap in (False, True):
        res = _child(f"bm25_child({str(folder)!r}, {mmap})")
        r.add(SECTION_BM25, f"resident after load ({'memory-mapped' if mmap else 'read'}) / peak",
              f"{res['delta_mb']:,.0f} / {res['peak_delta_mb']:,.0f}", "MiB")
    if "bm25_ms" in ctx.shared:
        p50, p95 = ctx.shared["bm25_ms"]
        r.add(SECTION_BM25, "search p50 / p95", f"{p50:.2f} / {p95:.2f}", "ms")
    measured = f"{_folder_mb(folder):,.0f} MiB on disk"
    if "bm25_ms" in ctx.shared:
        measured = f"p50 {ctx.shared['bm25_ms'][0]:.2f} ms; " + measured
    r.target("5c", "Scale: BM25 at 100k chunks", "report latency and memory", measured, True)
