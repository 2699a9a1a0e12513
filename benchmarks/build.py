"""Targets 1-3: build overhead against bare encoding, ONNX against PyTorch, incremental rebuilds."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.embedding import MAX_SEQ_LENGTH, model_path
from assistant.evaluate import evaluate
from assistant.ingest import load_document
from assistant.build import build_index

from .data import PAPER, copy_corpus, generate_corpus, load_gold
from .harness import Context, TimedEmbedder
from .measure import median, timed

SECTION_BUILD = "Build (generated corpus)"
SECTION_ENCODER = "Encoder: ONNX Runtime vs PyTorch"
SECTION_INCREMENTAL = "Incremental rebuilds (generated corpus)"


def token_count(texts: list[str]) -> int:
    """Tokens the model reads (after truncation), counted with the model's own tokenizer."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.no_padding()  # the packaged tokenizer.json pads every text to 128
    return sum(len(e.ids) for e in tokenizer.encode_batch(texts))


def _bare_encode(embedder, texts: list[str]) -> float:
    """model.encode of the texts and nothing else (both encoders sort by length inside): the floor."""
    return timed(embedder.encoder.encode, texts, embedder.batch_size)[0]


def run(ctx: Context) -> None:
    plan, r = ctx.plan, ctx.results
    source = generate_corpus(ctx.cache, plan.documents, plan.min_chunks, ctx.sources)
    corpus = copy_corpus(source, ctx.work / "corpus-generated")
    settings = Settings()
    chunks = []
    for path in sorted(corpus.glob("*.md")):
        chunks += chunk_document(load_document(path.name, path.read_bytes()), settings.chunking)
    chunk_texts = [c.text for c in chunks]
    unit_texts = [t for c in chunks for t in c.embedding_texts()]
    distinct = list(dict.fromkeys(unit_texts))
    chunk_tokens, unit_tokens = token_count(chunk_texts), token_count(distinct)
    r.add(SECTION_BUILD, "documents", len(list(corpus.glob("*.md"))))
    r.add(SECTION_BUILD, "chunks", len(chunks))
    r.add(SECTION_BUILD, "unit texts (sentences and rows with their section) / distinct",
          f"{len(unit_texts):,} / {len(distinct):,}")
    r.add(SECTION_BUILD, "tokens: chunk texts / distinct unit texts", f"{chunk_tokens:,} / {unit_tokens:,}",
          note=f"units read {unit_tokens / chunk_tokens:.2f}x the tokens")

    backends = ctx.backends
    int8 = ctx.int8_embedder()
    bare: dict[str, list[float]] = {b: [] for b in [*backends, "int8"]}
    build: dict[str, list[float]] = {b: [] for b in backends}
    encode_in_build: dict[str, list[float]] = {b: [] for b in backends}
    # One round runs every measurement once, so that load from elsewhere on the machine hits all alike.
    for _ in range(plan.runs):
        if int8:
            bare["int8"].append(_bare_encode(int8, chunk_texts))
        for backend in backends:
            embedder = ctx.embedder(backend)
            bare[backend].append(_bare_encode(embedder, chunk_texts))
            timed_embedder = TimedEmbedder(embedder)
            index = ctx.work / f"index-generated-{backend}"
            shutil.rmtree(index, ignore_errors=True)
            seconds, _ = timed(build_index, settings.with_paths(corpus, index), timed_embedder, full=True)
            build[backend].append(seconds)
            encode_in_build[backend].append(timed_embedder.document_seconds)

    med = {k: {b: median(v[b]) for b in v if v[b]} for k, v in
           (("bare", bare), ("build", build), ("encode", encode_in_build))}
    for backend in backends:
        r.add(SECTION_BUILD, f"{backend}: bare model.encode of the {len(chunks):,} chunk texts",
              med["bare"][backend], "s", f"{len(chunks) / med['bare'][backend]:.0f} chunks/s")
        r.add(SECTION_BUILD, f"{backend}: full build", med["build"][backend], "s",
              f"of which encoding units {med['encode'][backend]:.1f} s, the rest "
              f"{med['build'][backend] - med['encode'][backend]:.1f} s")
        r.add(SECTION_BUILD, f"{backend}: full build / bare encode of chunk texts (same engine)",
              med["build"][backend] / med["bare"][backend], "x")
    default = ctx.embedder("auto").backend
    literal = med["build"][default] / med["bare"]["torch"]
    same = med["build"][default] / med["bare"][default]
    rest = (med["build"][default] - med["encode"][default]) / med["build"][default]
    r.add(SECTION_BUILD, f"default build ({default}) / bare PyTorch model.encode of chunk texts", literal, "x")
    r.add(SECTION_BUILD, "share of the default build spent outside encoding", 100 * rest, "%")
    ctx.shared["full_build_seconds"] = med["build"][default]
    ok = same <= 1.15
    units_cost = med["encode"][default] / med["bare"][default]
    r.target("1", "Build overhead", "full build <= 1.15x bare model.encode of the chunk texts",
             f"{same:.2f}x same engine ({default}); {literal:.2f}x vs PyTorch model.encode; "
             f"torch build {med['build']['torch'] / med['bare']['torch']:.2f}x", ok,
             note=f"The build does not encode the {len(chunks):,} chunk texts ({chunk_tokens:,} tokens) but "
                  f"{len(distinct):,} distinct sentences and rows with their section path ({unit_tokens:,} "
                  f"tokens); the ratio compares that real work with the bare encode the target names. Encoding "
                  f"inside the build took {units_cost:.2f}x the bare encode; everything else (reading, chunking, "
                  f"BM25, FAISS, writing, fsync) was {100 * rest:.1f}% of the build.",
             why="" if ok else (
                 "encoding the units costs more than encoding the chunk texts" if units_cost > 1.1 else
                 "the non-encoding part of the build is too large"),
             close="" if ok else (
                 "drop the section prefix from unit texts or embed it once per chunk (Chunk.embedding_texts, "
                 "then re-check the gold set)" if units_cost > 1.1 else
                 "profile _write_build in faiss_store.py (BM25 indexing, checksums and fsync of every file)"))

    encoder_section(ctx, chunk_texts, med)
    incremental(ctx, corpus)


def encoder_section(ctx: Context, chunk_texts: list[str], med: dict) -> None:
    """Target 2: throughput side by side, the same vectors, and the gold set with each backend."""
    r = ctx.results
    if "onnx" not in ctx.backends:
        r.target("2", "Faster encoder", ">= 1.5x faster, quality within 1 point -> default", "-", None,
                 why="ONNX Runtime is not installed or the export failed, so there was nothing to compare.")
        return
    speedup = med["bare"]["torch"] / med["bare"]["onnx"]
    in_build = med["encode"]["torch"] / med["encode"]["onnx"]
    r.add(SECTION_ENCODER, "ONNX float32 speed-up, bare encode of chunk texts", speedup, "x")
    r.add(SECTION_ENCODER, "ONNX float32 speed-up, encoding units inside a full build", in_build, "x")
    if "int8" in med["bare"]:
        r.add(SECTION_ENCODER, "ONNX int8: bare encode of chunk texts", med["bare"]["int8"], "s",
              f"{med['bare']['torch'] / med['bare']['int8']:.2f}x PyTorch")
    sample = chunk_texts[:256]
    reference = ctx.embedder("torch").encode_documents(sample)
    variants = {"torch": ctx.embedder("torch"), "onnx": ctx.embedder("onnx")}
    if ctx.int8_embedder():
        variants["int8"] = ctx.int8_embedder()
    quality = {}
    gold = load_gold(ctx.plan.gold_limit)
    corpus = ctx.work / "corpus-paper"
    corpus.mkdir(exist_ok=True)
    shutil.copy2(PAPER, corpus / PAPER.name)
    for name, embedder in variants.items():
        settings = Settings().with_paths(corpus, ctx.work / f"index-paper-{name}")
        build_index(settings, embedder, full=True)
        assistant = Assistant(settings, embedder)
        assistant.reload()
        summary = evaluate(assistant, gold).summary()
        quality[name] = summary
        label = {"torch": "PyTorch", "onnx": "ONNX float32", "int8": "ONNX int8"}[name]
        note = f"{summary['questions']} questions"
        if name != "torch":
            cosine = float((embedder.encode_documents(sample) * reference).sum(1).min())
            note += f"; lowest cosine to PyTorch {cosine:.4f}; {med['bare']['torch'] / med['bare'][name]:.2f}x " \
                    "PyTorch's speed"
        r.add(SECTION_ENCODER, f"{label}: gold answer accuracy / retrieval recall@5",
              f"{100 * summary['answer_accuracy']:.1f}% / {100 * summary['recall_at_5']:.1f}%", note=note)

    def points(name: str, key: str) -> float:
        return 100 * (quality[name][key] - quality["torch"][key])

    d_acc, d_rec = points("onnx", "answer_accuracy"), points("onnx", "recall_at_5")
    if "int8" in quality:
        int8_ok = abs(points("int8", "answer_accuracy")) <= 1 and abs(points("int8", "recall_at_5")) <= 1
        r.add(SECTION_ENCODER, "ONNX int8: within 1 point of PyTorch on both?", "yes" if int8_ok else "no",
              note=f"accuracy {points('int8', 'answer_accuracy'):+.1f}, recall@5 {points('int8', 'recall_at_5'):+.1f}"
                   " points; int8 would also change the stored vectors, so an index could not be shared "
                   "with PyTorch")
    default = ctx.embedder("auto").backend
    r.add(SECTION_ENCODER, "default backend (auto)", default, note="float32 ONNX; PyTorch when it is unavailable")
    fast = min(speedup, in_build) >= 1.5  # both the chunk texts the target names and what a build encodes
    same = abs(d_acc) <= 1 and abs(d_rec) <= 1
    note = ("Float32 ONNX Runtime (BERT fusions, batches of about 1,000 tokens) against sentence-transformers' "
            "model.encode, measured in turn in each round; its vectors equal PyTorch's, so indexes are shared "
            "and the fallback is seamless.")
    if "int8" in quality:
        note += (f" Int8 was {med['bare']['torch'] / med['bare']['int8']:.2f}x PyTorch but moved answer accuracy "
                 f"{points('int8', 'answer_accuracy'):+.1f} and recall@5 {points('int8', 'recall_at_5'):+.1f} "
                 "points and changes the vectors, so it is " + ("a candidate" if int8_ok else "not used") + ".")
    if not fast and same and default == "onnx":
        note += (" ONNX is the default all the same: identical answers, a one-question encode several times "
                 "faster, and `ask` starting without PyTorch (see the thread sweep and start-up below).")
    r.target("2", "Faster encoder", ">= 1.5x faster, quality within 1 point -> default",
             f"{speedup:.2f}x on chunk texts, {in_build:.2f}x inside builds (float32); accuracy {d_acc:+.1f}, "
             f"recall@5 {d_rec:+.1f} points; default: {default}", fast and same and default == "onnx", note=note,
             why="" if fast and same else (
                 "the quality moved by more than a point" if not same else
                 f"float32 ONNX Runtime is {min(speedup, in_build):.2f}-{max(speedup, in_build):.2f}x PyTorch's "
                 "batch throughput on this CPU: at the 1.5x line, and lower on the short sentences a build "
                 "encodes, where there is less work per call to speed up."),
             close="" if fast and same else (
                 "int8 is fast enough but loses answers on the gold set: quantising only the feed-forward "
                 "layers, or a smaller model, then re-checking the gold set (and recording the backend in the "
                 "manifest, since int8 vectors differ from PyTorch's)."))


def incremental(ctx: Context, corpus: Path) -> None:
    """Target 3: one edited document, and no change at all, against the full build (model loaded)."""
    r, plan = ctx.results, ctx.plan
    default = ctx.embedder("auto").backend
    settings = Settings().with_paths(corpus, ctx.work / f"index-generated-{default}")
    embedder = ctx.embedder(default)
    edits, nothing = [], []
    embedded_edit, embedded_nothing = 0, 0
    documents = sorted(corpus.glob("*.md"))
    for run in range(plan.runs):
        timed_embedder = TimedEmbedder(embedder)
        seconds, report = timed(build_index, settings, timed_embedder)
        nothing.append(seconds)
        embedded_nothing = max(embedded_nothing, report.chunks_embedded)
        target = documents[(7 * run + 3) % len(documents)]
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("\n\n", f"\n\nAn edited sentence, number {run}, about the budget.\n\n", 1),
                          encoding="utf-8")
        time.sleep(0.01)  # a distinct mtime on coarse file systems
        seconds, report = timed(build_index, settings, TimedEmbedder(embedder))
        edits.append(seconds)
        embedded_edit = report.chunks_embedded
    full = ctx.shared["full_build_seconds"]
    r.add(SECTION_INCREMENTAL, "full build (model loaded)", full, "s")
    r.add(SECTION_INCREMENTAL, "one document edited, rebuild", median(edits), "s",
          f"{embedded_edit} chunks re-embedded; {100 * median(edits) / full:.1f}% of the full build")
    r.add(SECTION_INCREMENTAL, "nothing changed, rebuild", median(nothing), "s",
          f"{embedded_nothing} chunks embedded")
    share = median(edits) / full
    r.target("3a", "Incremental: one edit", "<= 5% of the full build", f"{100 * share:.1f}%", share <= 0.05,
             why="" if share <= 0.05 else "an incremental build still rewrites the whole index: BM25 over every "
                                          "chunk, the FAISS index, chunks.jsonl, checksums and fsync.",
             close="" if share <= 0.05 else "update BM25 and FAISS in place (faiss_store.py) instead of rebuilding "
                                            "them.")
    ok = median(nothing) < 1.0 and embedded_nothing == 0
    r.target("3b", "Incremental: no change", "embeds nothing, < 1 s",
             f"{median(nothing):.2f} s, {embedded_nothing} embedded", ok,
             why="" if ok else "a build with nothing to do still verifies and rewrites the index.",
             close="" if ok else "return early from build_index when the corpus diff is empty (build.py).")
