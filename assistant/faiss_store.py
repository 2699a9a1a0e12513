"""The default backend: the index as files on this disk (FAISS over chunk vectors, bm25s, chunks as JSON lines).

A build writes a new folder beside the live one and swaps a symlink to it in one rename; loads verify checksums.
What to write is decided by the build pipeline (assistant/build.py); the interface is assistant/store.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .config import Settings
from .ingest import sha256_file
from .messages import Said
from .schema import Chunk
from .store import Backend, BuildOutput, IndexError_, Scored, Store, bm25_search, check_manifest, chunk_vectors

MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest_sha256"  # the manifest's own checksum, over all its other keys
CHUNKS = "chunks.jsonl"
UNITS = "units.npy"
VECTORS = "vectors.faiss"
BM25_DIR = "bm25"
CURRENT = "current"  # symlink to the live build folder; swapping it is the atomic step
BUILD_PREFIX = "build-"


# --- reading ----------------------------------------------------------------------------------

def live_dir(index: Path) -> Path | None:
    link = index / CURRENT
    if not link.exists():
        return None
    return link.resolve()


def read_manifest(index: Path) -> dict | None:
    folder = live_dir(index)
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _index_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != MANIFEST_CHECKSUM}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def damaged_files(folder: Path, manifest: dict) -> list[str]:
    """Index files whose content no longer matches the checksums the manifest recorded at build time."""
    checksums = manifest.get("checksums")
    recorded = manifest.get(MANIFEST_CHECKSUM)
    # Indexes written before the manifest carried its own checksum are still checked file by file.
    if (recorded is not None and recorded != manifest_digest(manifest)) or not isinstance(checksums, dict):
        return [MANIFEST]  # its list of checksums cannot be trusted either
    root = folder.resolve()
    bad = []
    for name, expected in checksums.items():
        path = folder / name
        # An edited manifest must not make us read outside the build folder or open a pipe.
        if not path.resolve().is_relative_to(root) or not path.is_file() or sha256_file(path) != expected:
            bad.append(name)
    return bad


_verified: dict[tuple, str | None] = {}


def verify_index(settings: Settings) -> str | None:
    """Why the live index cannot be used (missing, other model or format, damaged), or None if it is sound.

    Checksums are read once per state of the index files (their names, sizes and mtimes): the chat asks on
    every interaction, and hashing a large index each time would make every click slow.
    """
    folder = live_dir(settings.index)
    key = (str(folder), settings.fingerprint_key(), _file_states(folder)) if folder else None
    if key is not None and key in _verified:
        return _verified[key]
    try:
        checked_manifest(settings, verify=True)
        problem = None
    except IndexError_ as exc:
        problem = exc.said or str(exc)  # a messages.Said (its English a str) that a page writes in its language
    if key is not None:
        if len(_verified) > 64:
            _verified.clear()
        _verified[key] = problem
    return problem


def _file_states(folder: Path) -> tuple:
    try:
        return tuple(sorted((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                            for p in folder.rglob("*") if p.is_file()))
    except OSError:
        return ()


class FaissStore(Store):
    """A loaded build folder: chunks, their unit (sentence/row) vectors, FAISS over chunk vectors, bm25s."""

    backend = "faiss"

    def __init__(self, folder: Path, manifest: dict, chunks: list[Chunk], unit_vectors: np.ndarray,
                 unit_offsets: np.ndarray, faiss_index, bm25):
        super().__init__(manifest, chunks, version=str(folder))
        self.folder = folder
        self.unit_vectors = unit_vectors  # float16, one row per (chunk, unit) pair, in chunk order
        self.unit_offsets = unit_offsets  # chunk i's rows are unit_vectors[unit_offsets[i]:unit_offsets[i+1]]
        self.faiss_index = faiss_index
        self.bm25 = bm25
        self._df = self._document_frequencies()

    def units_of(self, i: int) -> np.ndarray:
        return self.unit_vectors[self.unit_offsets[i]:self.unit_offsets[i + 1]]

    def _document_frequencies(self) -> dict[str, int]:
        if self.bm25 is None:
            return {}
        indptr = np.asarray(self.bm25.scores["indptr"])
        counts = np.diff(indptr)
        return {token: int(counts[i]) for token, i in self.bm25.vocab_dict.items() if i < len(counts) and token}

    def document_frequency(self, token: str) -> int:
        return self._df.get(token, 0)

    def dense_search(self, vectors: np.ndarray, k: int, within: np.ndarray | None = None) -> list[Scored]:
        if not self.chunks:
            return [[] for _ in range(len(vectors))]
        import faiss

        # One question is one row: a second OpenMP thread does not help, and with other work on the cores it
        # waits to be scheduled (exact search of 100k vectors with both cores busy: p50 ~5 ms on one thread,
        # ~36 ms on two; docs/benchmarks.md). The setting is per calling thread: a build elsewhere keeps its own.
        faiss.omp_set_num_threads(1)
        index = self.faiss_index
        params = None
        if within is not None:
            selector = faiss.IDSelectorBatch(within)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe) if hasattr(index, "nprobe") \
                else faiss.SearchParameters(sel=selector)
        scores, ids = index.search(np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1), k, params=params)
        return [[(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i >= 0]
                for row_ids, row_scores in zip(ids, scores)]

    def lexical_search(self, tokens: list[str], k: int, within: np.ndarray | None = None) -> Scored:
        known = [t for t in tokens if t in self._df]
        if not known or self.bm25 is None:
            return []
        return bm25_search(self.bm25, known, k, within)


def _index_error(problem: Said, fix: str = "fix_rebuild") -> Said:
    """What is wrong and how to fix it, as an IndexError_ says it ("...; rebuild with `python -m assistant build`.")."""
    return Said("index_error", problem=problem, fix=Said(fix, command="python -m assistant build"))


def checked_manifest(settings: Settings, verify: bool = True) -> tuple[Path, dict]:
    """The live build folder and its manifest, or IndexError_ if it is missing, foreign or (verify) damaged."""
    folder = live_dir(settings.index)
    if folder is None:
        raise IndexError_(_index_error(Said("index_missing", where=str(settings.index)), "fix_build"))
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        raise IndexError_(_index_error(Said("index_manifest_damaged")))
    problem = check_manifest(manifest, settings)
    if problem:
        raise IndexError_(_index_error(Said("index_cannot_be_used", problem=problem)))
    if verify:
        bad = damaged_files(folder, manifest)
        if bad:
            raise IndexError_(_index_error(Said("index_file_damaged", file=str(bad[0]))))
    return folder, manifest


def load_store(settings: Settings, verify: bool = True) -> FaissStore:
    """Load the live index, refusing one that is missing, damaged or from another model or format."""
    import bm25s
    import faiss

    folder, manifest = checked_manifest(settings, verify)
    try:
        with (folder / CHUNKS).open(encoding="utf-8") as handle:
            chunks = [Chunk.from_dict(json.loads(line)) for line in handle if line.strip()]
        units = np.load(folder / UNITS, mmap_mode="r")
        big = (folder / VECTORS).stat().st_size > 256 * 1024 * 1024
        faiss_index = faiss.read_index(str(folder / VECTORS), faiss.IO_FLAG_MMAP if big else 0)
        bm25 = bm25s.BM25.load(str(folder / BM25_DIR), mmap=big, show_progress=False) if chunks else None
    except Exception as exc:  # noqa: BLE001 - any unreadable file means the same thing to the user
        raise IndexError_(_index_error(Said("index_unreadable", error=exc.__class__.__name__))) from exc
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c.units) for c in chunks], out=offsets[1:])
    if faiss_index.ntotal != len(chunks) or units.shape[0] != offsets[-1]:
        raise IndexError_(_index_error(Said("index_files_disagree")))
    if not big:
        units = np.ascontiguousarray(units)
    return FaissStore(folder, manifest, chunks, units, offsets, faiss_index, bm25)


def make_faiss_index(vectors: np.ndarray, approximate_above: int):
    """Exact inner product up to approximate_above vectors, IVF above (see docs/benchmarks.md)."""
    import faiss

    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= approximate_above:
        index = faiss.IndexFlatIP(dim)
    else:
        # IVF rather than HNSW: on 1M clustered vectors it trains and fills in about a minute where HNSW
        # took four, at recall@10 >= 0.95 for about a millisecond a search. 4*sqrt(n) lists, 10 k-means
        # rounds on 40 vectors a list (25 rounds gave the same recall), and nprobe for recall with margin.
        nlist = max(1, min(int(4 * np.sqrt(len(vectors))), len(vectors) // 40))
        index = faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 10
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)
        index.train(vectors[np.sort(sample)])
        index.nprobe = min(nlist, max(32, nlist // 64))
    if len(vectors):
        index.add(vectors)
    return index


def _write_build(settings: Settings, chunks: list[Chunk], units: np.ndarray, manifest: dict) -> Path:
    import bm25s
    import faiss

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = settings.index / f"{BUILD_PREFIX}{stamp}-{os.getpid()}"
    folder.mkdir()
    try:
        with (folder / CHUNKS).open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        np.save(folder / UNITS, units)
        faiss.write_index(make_faiss_index(chunk_vectors(chunks, units), settings.approximate_above),
                          str(folder / VECTORS))
        bm25 = bm25s.BM25()
        bm25.index([c.index_tokens() or ["\x00empty"] for c in chunks], show_progress=False)
        bm25.save(str(folder / BM25_DIR))
        manifest = dict(manifest, faiss_index="ivf" if len(chunks) > settings.approximate_above else "flat")
        manifest["checksums"] = {p.relative_to(folder).as_posix(): sha256_file(p) for p in _index_files(folder)}
        manifest[MANIFEST_CHECKSUM] = manifest_digest(manifest)
        _write_json_durably(folder / MANIFEST, manifest)
        _fsync_tree(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _write_json_durably(path: Path, data: dict) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap_in(index: Path, folder: Path) -> None:
    """Point index/current at the new build with one atomic rename; keep the previous build for readers."""
    tmp_link = index / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    previous = live_dir(index)
    os.symlink(folder.name, tmp_link)
    os.replace(tmp_link, index / CURRENT)
    dir_fd = os.open(index, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    for old in index.glob(f"{BUILD_PREFIX}*"):
        # Readers that loaded the previous build may still be reading it: keep it until the next build.
        if old.resolve() not in (folder.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


def _clean_leftovers(index: Path) -> None:
    """Remove what a killed build left: unfinished build folders and temporary links."""
    live = live_dir(index)
    for path in index.glob(f".{CURRENT}.*.tmp"):
        path.unlink(missing_ok=True)
    builds = sorted(index.glob(f"{BUILD_PREFIX}*"))
    for build in builds:
        if build.resolve() == live:
            continue
        if not (build / MANIFEST).is_file():
            shutil.rmtree(build, ignore_errors=True)


class FaissBackend(Backend):
    """The index folder on this disk: build-*/ folders and the `current` link to the live one."""

    name = "faiss"

    def describe(self) -> dict:
        return {"backend": self.name, "uri": str(self.settings.index)}

    def read_manifest(self) -> dict | None:
        return read_manifest(self.settings.index)

    def live_version(self) -> str | None:
        folder = live_dir(self.settings.index)
        return str(folder) if folder else None

    def problem(self) -> str | None:
        return verify_index(self.settings)

    def open(self, verify: bool = True) -> FaissStore:
        return load_store(self.settings, verify)

    def write(self, build: BuildOutput) -> None:
        chunks: list[Chunk] = []
        units: list[np.ndarray] = []
        for _source, its_chunks, its_units in build.chunks_and_units():
            chunks.extend(its_chunks)
            if len(its_chunks):
                units.append(its_units)
        dim = self.settings.fingerprint()["dimension"]
        folder = _write_build(self.settings, chunks, np.concatenate(units) if units else
                              np.zeros((0, dim), np.float16), build.manifest)
        _swap_in(self.settings.index, folder)

    def clean_leftovers(self) -> None:
        _clean_leftovers(self.settings.index)
