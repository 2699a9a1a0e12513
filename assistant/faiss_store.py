"""The on-disk index: the files of a build folder, writing one, swapping it in atomically, and verified loads
of FAISS + BM25 + chunk store. The build pipeline that fills it is assistant/build.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat as stat_
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from .config import INDEX_FORMAT_VERSION, Settings
from .ingest import Problem, SourceFile, scan_corpus
from .schema import Chunk

MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest_sha256"  # the manifest's own checksum, over all its other keys
CHUNKS = "chunks.jsonl"
UNITS = "units.npy"
VECTORS = "vectors.faiss"
BM25_DIR = "bm25"
CURRENT = "current"  # symlink to the live build folder; swapping it is the atomic step
BUILD_PREFIX = "build-"
LOCK = ".build.lock"

StatusFn = Callable[[str], None]
ProgressFn = Callable[[int, int], None]


class IndexError_(RuntimeError):
    """The index is missing, damaged or from another model; the message says how to fix it."""


class BuildBusy(RuntimeError):
    """Another build holds the lock."""


class NothingToIndex(RuntimeError):
    """No file in the corpus could be indexed."""


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


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        if not path.resolve().is_relative_to(root) or not path.is_file() or _sha256_file(path) != expected:
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
        problem = str(exc)
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


@dataclass
class Store:
    """A loaded index: chunks, their unit (sentence/row) vectors, FAISS over chunk vectors, BM25."""

    folder: Path
    manifest: dict
    chunks: list[Chunk]
    unit_vectors: np.ndarray  # float16, one row per (chunk, unit) pair, in chunk order
    unit_offsets: np.ndarray  # chunk i's rows are unit_vectors[unit_offsets[i]:unit_offsets[i+1]]
    faiss_index: object
    bm25: object
    by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}

    def units_of(self, i: int) -> np.ndarray:
        return self.unit_vectors[self.unit_offsets[i]:self.unit_offsets[i + 1]]

    @property
    def sources(self) -> list[str]:
        return sorted(self.manifest["files"])


def check_manifest(manifest: dict, settings: Settings) -> str | None:
    """Why this manifest cannot be used with these settings, or None."""
    if manifest.get("format_version") != INDEX_FORMAT_VERSION:
        return (f"the index was written in format {manifest.get('format_version')}, "
                f"this version reads format {INDEX_FORMAT_VERSION}")
    expected = settings.fingerprint()
    if manifest.get("model") != expected["model"] or manifest.get("dimension") != expected["dimension"]:
        return f"the index was built with model {manifest.get('model')}, not {expected['model']}"
    if manifest.get("chunking") != expected["chunking"]:
        return "the chunking settings changed since the index was built"
    if manifest.get("pdf_reader") != expected["pdf_reader"]:
        return "PDFs are read differently since the index was built (tables, sections, page numbers)"
    return None


def checked_manifest(settings: Settings, verify: bool = True) -> tuple[Path, dict]:
    """The live build folder and its manifest, or IndexError_ if it is missing, foreign or (verify) damaged."""
    folder = live_dir(settings.index)
    if folder is None:
        raise IndexError_(f"No index in {settings.index}; build it with `python -m assistant build`.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        raise IndexError_("The index manifest is missing or damaged; rebuild with `python -m assistant build`.")
    problem = check_manifest(manifest, settings)
    if problem:
        raise IndexError_(f"The index cannot be used: {problem}; rebuild with `python -m assistant build`.")
    if verify:
        bad = damaged_files(folder, manifest)
        if bad:
            raise IndexError_(f"The index file {bad[0]} is damaged or was changed since it was built; rebuild "
                              "with `python -m assistant build`.")
    return folder, manifest


def load_store(settings: Settings, verify: bool = True) -> Store:
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
        raise IndexError_(f"The index could not be read ({exc.__class__.__name__}); rebuild with "
                          "`python -m assistant build`.") from exc
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum([len(c.units) for c in chunks], out=offsets[1:])
    if faiss_index.ntotal != len(chunks) or units.shape[0] != offsets[-1]:
        raise IndexError_("The index files disagree with each other; rebuild with `python -m assistant build`.")
    if not big:
        units = np.ascontiguousarray(units)
    return Store(folder, manifest, chunks, units, offsets, faiss_index, bm25)


# --- staleness --------------------------------------------------------------------------------

@dataclass
class CorpusDiff:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)  # sha256 of files hashed during the diff

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def manifest_files(manifest: dict | None) -> dict[str, dict]:
    """The manifest's per-file entries, ignoring any that are malformed (a hand-edited or foreign manifest)."""
    files = (manifest or {}).get("files")
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, dict)}


def _list_of(manifest: dict | None, key: str) -> list:
    value = (manifest or {}).get(key)
    return value if isinstance(value, list) else []


def diff_corpus(settings: Settings, manifest: dict | None) -> CorpusDiff:
    """Compare the corpus with a manifest: size and mtime first, sha256 only when they differ."""
    files, skipped = scan_corpus(settings.corpus, settings.max_file_bytes)
    known = manifest_files(manifest)
    # Files that failed or were skipped last time are remembered with size and mtime, so an unchanged
    # empty or broken file does not make the index look stale forever.
    failed_before = {p["path"]: p for key in ("failed", "skipped") for p in _list_of(manifest, key)
                     if isinstance(p, dict) and isinstance(p.get("path"), str) and "size" in p}
    diff = CorpusDiff(skipped=skipped, files={f.source: f for f in files})
    for file in files:
        entry = known.get(file.source) or failed_before.get(file.source)
        if entry is None:
            diff.added.append(file.source)
            continue
        if entry.get("size") == file.size and entry.get("mtime_ns") == file.mtime_ns:
            diff.unchanged.append(file.source)
            continue
        try:
            digest = _sha256_file(file.path)
        except OSError:
            diff.changed.append(file.source)
            continue
        diff.hashes[file.source] = digest
        (diff.unchanged if digest == entry.get("sha256") else diff.changed).append(file.source)
    present = set(diff.files)
    passed_over = {p.source for p in skipped}  # still there, but refused by the scan (too large, link...)
    diff.removed = sorted((set(known) - present) | (set(failed_before) - present - passed_over))
    return diff


# --- building ---------------------------------------------------------------------------------

@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    full_reason: str = ""

    def to_dict(self) -> dict:
        return {
            "added": self.added, "changed": self.changed, "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [p.to_dict("error") for p in self.failed],
            "skipped": [p.to_dict("reason") for p in self.skipped],
            "warnings": [p.to_dict("warning") for p in self.warnings],
            "chunks_total": self.chunks_total, "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3), "full_rebuild_reason": self.full_reason,
        }


def build_index(settings: Settings, embedder, full: bool = False, status: StatusFn | None = None,
                progress: ProgressFn | None = None, wait: bool = False) -> BuildReport:
    """Build the index incrementally under a lock; swap it in only when complete (see assistant/build.py)."""
    from .build import build_index as run_build

    return run_build(settings, embedder, full=full, status=status, progress=progress, wait=wait)


def _nothing_to_do(diff: CorpusDiff, old_files: dict, manifest: dict) -> bool:
    """True when the live index already reflects the corpus exactly, so no new build folder is written.

    Every file matched by size and mtime (none needed hashing), none is new, changed, removed or waiting
    to be retried, and the files the scan passes over are the ones the manifest already reports.
    """
    skipped_before = {p.get("path") for p in _list_of(manifest, "skipped") if isinstance(p, dict)}
    return (not diff.stale and not diff.hashes and set(diff.files) <= set(old_files)
            and {p.source for p in diff.skipped} == skipped_before)


def chunk_vectors(chunks: list[Chunk], units: np.ndarray) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentence vectors (computed once, at build)."""
    counts = np.array([len(c.units) for c in chunks], dtype=np.int64)
    if not len(chunks):
        return np.zeros((0, units.shape[1]), np.float32)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sums = np.add.reduceat(units.astype(np.float32), starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


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


def _write_build(settings: Settings, chunks: list[Chunk], units: np.ndarray, files: dict,
                 report: BuildReport) -> Path:
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
        manifest = _manifest(settings, files, report, chunks)
        manifest["checksums"] = {p.relative_to(folder).as_posix(): _sha256_file(p) for p in _index_files(folder)}
        manifest[MANIFEST_CHECKSUM] = manifest_digest(manifest)
        _write_json_durably(folder / MANIFEST, manifest)
        _fsync_tree(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _manifest(settings: Settings, files: dict, report: BuildReport, chunks: list[Chunk]) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    fingerprint = settings.fingerprint()
    return {
        **fingerprint,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": str(settings.corpus),
        "documents": len(files),
        "chunks": len(chunks),
        "faiss_index": "ivf" if len(chunks) > settings.approximate_above else "flat",
        "libraries": {n: ver(n) for n in ("sentence-transformers", "torch", "faiss-cpu", "bm25s", "pypdf",
                                          "numpy")},
        "files": files,
        "failed": [{"path": p.source, "error": p.reason,
                    **_stat_of(settings.corpus, p.source, settings.max_file_bytes)} for p in report.failed],
        "skipped": [{"path": p.source, "reason": p.reason,
                     **_stat_of(settings.corpus, p.source, settings.max_file_bytes)} for p in report.skipped],
        "warnings": [p.to_dict("warning") for p in report.warnings],
    }


def _stat_of(corpus: Path, source: str, max_bytes: int) -> dict:
    """Size, mtime and (for regular files within the size limit) sha256, so status can tell when they change.

    Never touches what a link outside the corpus points to, and never hashes a pipe or device (it would
    block) or a huge file (it would be read on every build).
    """
    try:
        path = (corpus / source).resolve()
        if not path.is_relative_to(corpus.resolve()):
            return {}
        info = path.stat()
        entry = {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
        if stat_.S_ISREG(info.st_mode) and info.st_size <= max_bytes:
            entry["sha256"] = _sha256_file(path)
        return entry
    except OSError:
        return {}


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
