"""Benchmark data: corpora recombined from real sentences, a synthetic 100k-chunk index, clustered vectors."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from pathlib import Path

import numpy as np

from assistant.chunking import chunk_document
from assistant.config import MODEL_DIM, MODEL_NAME
from assistant.ingest import load_document, parse_markdown
from assistant.text import sentence_spans

from .measure import ROOT

PAPER = ROOT / "corpus" / "g20-mexico-dpi.md"
FIXTURES = ROOT / "tests" / "fixtures"
REAL_PDFS = [FIXTURES / "2022 Q3 AAPL.pdf", FIXTURES / "2023 Q1 MSFT.pdf"]
GOLD = ROOT / "tests" / "gold" / "tuning" / "paper.jsonl"
GENERATOR_VERSION = 3  # 3: PDFs read with pdfium. Bump when generate_corpus changes, so cached corpora are made again
SEED = 20241118
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]+")


def sentence_pool(cache: Path, sources: list[Path]) -> list[str]:
    """Every distinct real sentence of the sources, in document order; cached, as PDF text is slow to read."""
    stamp = _stamp(sources=[p.name for p in sources])
    cached = cache / f"sentences-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.json"
    if cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    seen: dict[str, None] = {}
    for path in sources:
        document = load_document(path.name, path.read_bytes())
        for block in document.blocks:
            if block.kind != "text":
                continue
            for start, end in sentence_spans(document.text, block.start, block.end):
                sentence = " ".join(document.text[start:end].split())
                words = len(sentence.split())
                letters = sum(ch.isalpha() for ch in sentence)
                # Whole prose sentences only: no page furniture, no runs of table numbers.
                if 6 <= words <= 70 and letters >= 0.6 * len(sentence) and sentence[-1] in ".!?:;":
                    seen.setdefault(sentence, None)
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(list(seen), ensure_ascii=False), encoding="utf-8")
    return list(seen)


def _heading(rng: random.Random, pool: list[str]) -> str:
    words = _WORDS.findall(rng.choice(pool))
    start = rng.randrange(max(1, len(words) - 4))
    return " ".join(words[start:start + rng.randint(2, 5)]).capitalize() or "Notes"


def _table(rng: random.Random, pool: list[str]) -> list[str]:
    """A small pipe table whose cells are phrases and figures from real sentences."""
    rows = ["| Item | Detail | Year |", "| --- | --- | --- |"]
    for _ in range(rng.randint(3, 6)):
        words = _WORDS.findall(rng.choice(pool))
        item = " ".join(words[:rng.randint(2, 4)]) or "Item"
        detail = " ".join(words[4:4 + rng.randint(3, 7)]) or "n/a"
        rows.append(f"| {item} | {detail} | {rng.randint(1990, 2024)} |")
    return rows


def _document(rng: random.Random, pool: list[str], number: int, paragraphs: int) -> str:
    lines = [f"# Report {number:03d}: {_heading(rng, pool)}", ""]
    for p in range(paragraphs):
        if p % 3 == 0:
            lines += [f"## {p // 3 + 1}. {_heading(rng, pool)}", ""]
        lines += [" ".join(rng.choice(pool) for _ in range(rng.randint(3, 7))), ""]
        if p == 1 and number % 4 == 0:
            lines += [*_table(rng, pool), ""]
    return "\n".join(lines)


def _stamp(**params) -> str:
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in [PAPER, *REAL_PDFS]}
    return json.dumps({"version": GENERATOR_VERSION, "digests": digests, **params}, sort_keys=True)


def generate_corpus(cache: Path, documents: int, min_chunks: int, sources: list[Path] | None = None,
                    seed: int = SEED) -> Path:
    """`documents` Markdown files of real sentences, shuffled and recombined with a seed, >= min_chunks chunks.

    Cached under cache/ and reused while the sources, the generator and the parameters are unchanged.
    """
    sources = sources or [PAPER, *REAL_PDFS]
    folder = cache / f"corpus-{documents}docs-{min_chunks}chunks-{len(sources)}sources-{seed}"
    stamp = _stamp(documents=documents, min_chunks=min_chunks, seed=seed, sources=[p.name for p in sources])
    if (folder / ".stamp").is_file() and (folder / ".stamp").read_text() == stamp:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    pool = sentence_pool(cache, sources)
    # A paragraph of ~5 sentences makes about two chunks; start near the target, then grow until it is met.
    paragraphs = max(2, round(min_chunks / documents / 2.1))
    while True:
        rng = random.Random(seed)
        texts = [_document(rng, pool, i, paragraphs) for i in range(documents)]
        total = sum(len(chunk_document(parse_markdown(f"doc-{i:04d}.md", t))) for i, t in enumerate(texts))
        if total >= min_chunks:
            break
        paragraphs += max(1, round((min_chunks - total) / documents / 2.1))
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i, text in enumerate(texts):
        (tmp / f"doc-{i:04d}.md").write_text(text, encoding="utf-8")
    (tmp / ".stamp").write_text(stamp)  # hidden files are not indexed
    tmp.rename(folder)
    return folder


def copy_corpus(source: Path, target: Path) -> Path:
    """A private copy to build and edit; copy2 keeps mtimes so that an index of the source stays valid."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def load_gold(limit: int | None = None) -> list[dict]:
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items[:limit] if limit else items


class SyntheticEmbedder:
    """Random unit vectors, seeded: for indexes where only speed and memory are measured, not answers."""

    name = MODEL_NAME
    dimension = MODEL_DIM

    def __init__(self, seed: int = SEED):
        self.seed = seed

    def encode_documents(self, texts, progress=None) -> np.ndarray:
        rng = np.random.default_rng(self.seed + len(texts))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(texts), 65536):
            part = rng.standard_normal((min(65536, len(texts) - begin), self.dimension), dtype=np.float32)
            out[begin:begin + len(part)] = part / np.linalg.norm(part, axis=1, keepdims=True)
        if progress:
            progress(len(texts), len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_documents([text])[0]


def clustered_vectors(n: int, dim: int = MODEL_DIM, seed: int = SEED) -> np.ndarray:
    """Unit vectors in sqrt(n) clusters, each a centre plus a random 32-dim subspace plus noise.

    Tuned so that a query's nearest neighbour has cosine ~0.64 and its 10th ~0.3, about what
    all-MiniLM-L6-v2 gives for questions against a real corpus.
    """
    rng = np.random.default_rng(seed)
    k, rank = max(16, int(np.sqrt(n))), 32
    centers = rng.standard_normal((k, dim), dtype=np.float32) * 0.5
    bases = rng.standard_normal((k, rank, dim), dtype=np.float32) / np.sqrt(rank)
    assign = rng.integers(0, k, n)
    out = rng.standard_normal((n, dim), dtype=np.float32)
    out *= 0.4
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(k + 1))
    for c in range(k):
        rows = order[bounds[c]:bounds[c + 1]]
        out[rows] += centers[c] + rng.standard_normal((len(rows), rank), dtype=np.float32) @ bases[c]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def clustered_queries(vectors: np.ndarray, m: int, seed: int = SEED + 1) -> np.ndarray:
    """Questions near the data: half next to one stored vector, half between two unrelated ones."""
    rng = np.random.default_rng(seed)
    n, dim = vectors.shape
    a = vectors[rng.integers(0, n, m)]
    b = vectors[rng.integers(0, n, m)]
    mix = np.where(np.arange(m)[:, None] % 2 == 0, 1.0, 0.5).astype(np.float32)
    q = mix * a + (1 - mix) * b + 0.8 * rng.standard_normal((m, dim), dtype=np.float32) / np.sqrt(dim)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
