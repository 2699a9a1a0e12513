"""The index behind one interface, whichever engine holds it.

A `Backend` is where an index lives: it reads the live manifest, opens the index for questions, and writes a
build so that questions never see half of it. A `Store` is an opened index: chunks addressed by position, their
unit (sentence/row) vectors, dense and lexical search. Two implementations:

- FAISS + bm25s files on this disk (assistant/faiss_store.py), the default;
- Milvus (assistant/milvus_store.py) when ASSISTANT_MILVUS_URI (or --milvus-uri) names a Milvus Lite database
  or a Milvus server; see docs/scaling.md.

Retrieval, the reader and the views use only what is defined here; the build pipeline (assistant/build.py)
decides what to write and hands it to the backend.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from .config import INDEX_FORMAT_VERSION, Settings
from .messages import Said
from .schema import Chunk

LOCK = ".build.lock"  # in the index folder, for every backend: one build at a time


class IndexError_(RuntimeError):
    """The index is missing, damaged or from another model; the message says how to fix it.

    Raised with a messages.Said (usually "index_error": what is wrong; how to fix it), it keeps it as `said`, which
    a page writes in its own language (`in_language`); str(exc) is its English either way, which the command line,
    the JSON reports and the logs show."""

    def __init__(self, message: str, said: Said | None = None):
        super().__init__(str(message))
        self.said = said if said is not None else message if isinstance(message, Said) else None

    def in_language(self, language: str) -> str:
        """The message in the language asked for (its English when it is no Said)."""
        return self.said.in_language(language) if self.said is not None else str(self)


class BuildBusy(RuntimeError):
    """Another build holds the lock."""


class NothingToIndex(RuntimeError):
    """No file in the corpus could be indexed."""


Scored = list[tuple[int, float]]  # (chunk position, score), best first


def _same_section(a: Chunk, b: Chunk) -> bool:
    return a.source == b.source and a.section == b.section


def _same_table(a: Chunk, b: Chunk) -> bool:
    """Rows of one table: the same section, page and column headers (the label column's header aside: a PDF
    row writes the group it is under there, "Operating expenses")."""
    return a.kind == b.kind == "row" and _same_section(a, b) and a.page == b.page and a.headers[1:] == b.headers[1:]


class Store(ABC):
    """An opened index, read-only. Chunks are in a fixed order (by source, then position in the document), and
    searches return positions in that order, so what is found does not depend on the engine."""

    backend: str = ""

    def __init__(self, manifest: dict, chunks: list[Chunk], version: str):
        self.manifest = manifest
        self.chunks = chunks
        self.version = version  # changes whenever another build is made live
        self.by_id = {c.id: i for i, c in enumerate(chunks)}

    @property
    def sources(self) -> list[str]:
        return sorted(self.manifest["files"])

    def opens_section(self, chunk: Chunk) -> bool:
        """Whether chunk is the first of its section: what its document says under that heading starts with it."""
        i = self.by_id.get(chunk.id)
        if i is None:
            return False
        return not (i and _same_section(self.chunks[i - 1], chunk))

    def following(self, chunk: Chunk) -> Chunk | None:
        """The chunk after this one in its document, when it is of the same section."""
        i = self.by_id.get(chunk.id)
        after = self.chunks[i + 1] if i is not None and i + 1 < len(self.chunks) else None
        return after if after is not None and _same_section(after, chunk) else None

    def first_row(self, chunk: Chunk) -> Chunk:
        """The first row of the table a row belongs to: the rows before it in its document with its section, page
        and column headers (_same_table; itself, for a first row or a chunk that is no row)."""
        i = self.by_id.get(chunk.id)
        while i and _same_table(self.chunks[i - 1], chunk):
            i -= 1
        return chunk if i is None else self.chunks[i]

    def fetch(self, ids: list[str]) -> list[Chunk]:
        """The chunks with these ids (unknown ids are left out)."""
        return [self.chunks[self.by_id[i]] for i in ids if i in self.by_id]

    @abstractmethod
    def units_of(self, i: int) -> np.ndarray:
        """Chunk i's unit vectors (float16, one row per sentence or table row)."""

    @abstractmethod
    def dense_search(self, vectors: np.ndarray, k: int, within: np.ndarray | None = None) -> list[Scored]:
        """For each query vector (rows of `vectors`), the k chunks nearest in meaning (inner product of unit-length
        vectors); within, if given, limits the search to those chunk positions."""

    @abstractmethod
    def lexical_search(self, tokens: list[str], k: int, within: np.ndarray | None = None) -> Scored:
        """The k chunks with the best BM25 score for these search tokens (only scores above zero)."""

    @abstractmethod
    def document_frequency(self, token: str) -> int:
        """How many chunks hold this search token."""

    def close(self) -> None:
        """Release what the store holds open (files, connections)."""


@dataclass
class BuildOutput:
    """What a build hands to a backend to make live in one step."""

    manifest: dict  # settings fingerprint, files, problems; the backend adds what it needs
    new: dict[str, tuple[list[Chunk], np.ndarray]] = field(default_factory=dict)  # source -> chunks, unit rows
    previous: Store | None = None  # the live store; sources in the manifest but not in `new` keep its chunks

    def chunks_and_units(self) -> Iterator[tuple[str, list[Chunk], np.ndarray]]:
        """Every source of the manifest in order, with its chunks and unit vectors, new or kept."""
        by_source: dict[str, list[int]] = {}
        if self.previous is not None:
            for i, chunk in enumerate(self.previous.chunks):
                by_source.setdefault(chunk.source, []).append(i)
        for source in sorted(self.manifest["files"]):
            if source in self.new:
                yield source, *self.new[source]
            else:
                kept = by_source.get(source, [])
                units = [np.asarray(self.previous.units_of(i)) for i in kept]
                yield source, [self.previous.chunks[i] for i in kept], \
                    np.concatenate(units) if units else np.zeros((0, 0), np.float16)


class Backend(ABC):
    """Where an index lives: read its manifest, open it, make a build live, and say what it is."""

    name: str = ""

    def __init__(self, settings: Settings):
        self.settings = settings

    def describe(self) -> dict:
        """What `status --json` shows about where the index lives (never a credential)."""
        return {"backend": self.name}

    @abstractmethod
    def read_manifest(self) -> dict | None:
        """The live build's manifest, or None when there is none (or it cannot be read)."""

    @abstractmethod
    def live_version(self) -> str | None:
        """A cheap token that changes whenever another build becomes live; None when there is no index."""

    @abstractmethod
    def problem(self) -> str | None:
        """Why the live index cannot be used (missing, other model or format, damaged), or None."""

    @abstractmethod
    def open(self, verify: bool = True) -> Store:
        """The live index, or IndexError_ saying how to fix it."""

    @abstractmethod
    def write(self, build: BuildOutput) -> None:
        """Make the build live in one step: until then questions see the previous index, whatever happens."""

    def clean_leftovers(self) -> None:
        """Remove what a killed build left behind (never visible to questions, but it takes space)."""

    @contextlib.contextmanager
    def lock(self, wait: bool = False):
        """One build at a time, across processes on this machine (a lock file in the index folder)."""
        from filelock import FileLock, Timeout

        self.settings.index.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.settings.index / LOCK))
        try:
            lock.acquire(timeout=-1 if wait else 0)
        except Timeout:
            raise BuildBusy("An index build is already running; wait for it to finish, then try again.") from None
        try:
            yield
        finally:
            lock.release()


def backend_for(settings: Settings) -> Backend:
    """Milvus when the settings name a Milvus URI, else the files in the index folder."""
    if settings.milvus_uri:
        from .milvus_store import MilvusBackend

        return MilvusBackend(settings)
    from .faiss_store import FaissBackend

    return FaissBackend(settings)


def check_manifest(manifest: dict, settings: Settings) -> Said | None:
    """Why this manifest cannot be used with these settings (a messages.Said: its English is what the command line
    and the errors show, and a page writes it in its own language), or None."""
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return Said("index_format", found=manifest.get("format_version"), expected=INDEX_FORMAT_VERSION)
    expected = settings.fingerprint()
    if manifest.get("model") != expected["model"] or manifest.get("dimension") != expected["dimension"]:
        return Said("index_model", found=manifest.get("model"), expected=expected["model"])
    if manifest.get("chunking") != expected["chunking"]:
        return Said("index_chunking")
    if manifest.get("pdf_reader") != expected["pdf_reader"]:
        return Said("index_pdf_reader")
    return None


def chunk_vectors(chunks: list[Chunk], units: np.ndarray) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentence vectors (computed once, at build)."""
    counts = np.array([len(c.units) for c in chunks], dtype=np.int64)
    if not len(chunks):
        return np.zeros((0, units.shape[1] if units.ndim == 2 else 0), np.float32)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sums = np.add.reduceat(units.astype(np.float32), starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


def bm25_search(bm25, tokens: list[str], k: int, within: np.ndarray | None = None) -> Scored:
    """The k best chunks of a bm25s index for tokens it knows; within, if given, limits them to those positions."""
    scores = bm25.get_scores(tokens)
    if within is not None:
        masked = np.zeros_like(scores)
        masked[within] = scores[within]
        scores = masked
    return top_k(scores, k)


def top_k(scores: np.ndarray, k: int) -> Scored:
    """The k best positive scores of an array over chunk positions, best first (ties by position)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
