"""The build pipeline: scan, read (PDFs in worker processes), chunk and embed as the files arrive, write.

Reading, chunking and embedding overlap: PDFs are read a run of pages at a time (assistant.pdf.PART_PAGES) in
worker processes while this process chunks what has arrived and embeds it in batches, so a folder of reports
is not read first and embedded after, and a 1,000-page report is never held as one piece. What the index
guarantees stays here: incremental by sha256, handed to the backend (assistant/store.py: FAISS files or
Milvus) to be made live only when complete, and one sentence of reason for every file that was not indexed.
"""

from __future__ import annotations

import logging
import multiprocessing
import stat as stat_
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .chunking import chunk_document
from .config import Settings
from .documents import describe, label
from .messages import Said, said_from_json
from .ingest import (PDF_SUFFIXES, FileContent, IngestError, Problem, SourceFile, load_document, read_file,
                     scan_corpus, sha256_file)
from .schema import Chunk, Document
from .store import Backend, BuildOutput, IndexError_, NothingToIndex, Store, backend_for, check_manifest
from .translate import ENGLISH, TRANSLATION_VERSION, TranslationUnavailable, apertium_available, mark_languages, \
    translate_chunks

StatusFn = Callable[[str], None]
ProgressFn = Callable[[int, int], None]

EMBED_BATCH = 512  # sentences and rows per encode call: large enough to keep the encoder busy, small enough to stream
PARALLEL_PDF_BYTES = 512 * 1024  # below this much PDF to read, starting worker processes costs more than it saves
IN_FLIGHT_PER_WORKER = 2  # runs of pages queued per worker: workers never wait for the embedder, memory stays bounded

log = logging.getLogger(__name__)


# --- what changed since the last build ---------------------------------------------------------

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
        if _translated_before(entry):  # the same file, but its English would read differently now
            diff.changed.append(file.source)
            continue
        if entry.get("size") == file.size and entry.get("mtime_ns") == file.mtime_ns:
            diff.unchanged.append(file.source)
            continue
        try:
            digest = sha256_file(file.path)
        except OSError:
            diff.changed.append(file.source)
            continue
        diff.hashes[file.source] = digest
        (diff.unchanged if digest == entry.get("sha256") else diff.changed).append(file.source)
    present = set(diff.files)
    passed_over = {p.source for p in skipped}  # still there, but refused by the scan (too large, link...)
    diff.removed = sorted((set(known) - present) | (set(failed_before) - present - passed_over))
    return diff


def _translated_before(entry: dict) -> bool:
    """Whether a document not in English was indexed with translations another version of the translator made,
    or without any for want of Apertium, which is there now ("translation" in its manifest entry)."""
    if "translation" not in entry:
        return False
    made = entry["translation"]
    return apertium_available() if made is None else made != TRANSLATION_VERSION


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
    full_reason: str = ""  # why the build started from nothing, a messages.Said ("" when it did not)

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


def _nothing_to_do(diff: CorpusDiff, old_files: dict, manifest: dict) -> bool:
    """True when the live index already reflects the corpus exactly, so no new build folder is written.

    Every file matched by size and mtime (none needed hashing), none is new, changed, removed or waiting
    to be retried (a file that failed is read again), and the files the scan passes over are the ones the manifest
    already reports. A file skipped when it was read (empty, password-protected) and unchanged since is skipped
    again without reading it, so it does not make every build write a new index.
    """
    skipped_before = {p.get("path") for p in _list_of(manifest, "skipped") if isinstance(p, dict)}
    read_and_skipped = {p.get("path") for p in _list_of(manifest, "skipped") if isinstance(p, dict) and p.get("read")}
    return (not diff.stale and not diff.hashes and set(diff.files) - set(old_files) <= read_and_skipped
            and {p.source for p in diff.skipped} == skipped_before - set(diff.files))




def _manifest(settings: Settings, files: dict, report: BuildReport, chunks_total: int,
              passed_over: set[str] = frozenset()) -> dict:
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
        "chunks": chunks_total,
        "libraries": {n: ver(n) for n in ("sentence-transformers", "torch", "faiss-cpu", "bm25s", "pypdf",
                                          "numpy")},
        "files": files,
        "failed": [{"path": p.source, "error": p.reason, **_said_of(p),
                    **_stat_of(settings.corpus, p.source, settings.max_file_bytes)} for p in report.failed],
        # "read": skipped once read (empty, password-protected), not passed over by the scan (too large, unsupported)
        "skipped": [{"path": p.source, "reason": p.reason, **_said_of(p), "read": p.source not in passed_over,
                     **_stat_of(settings.corpus, p.source, settings.max_file_bytes)} for p in report.skipped],
        "warnings": [p.to_dict("warning") for p in report.warnings],
    }


def _said_of(problem: Problem) -> dict:
    """Next to a reason's English, its messages.Said as JSON ("said"), so that a page can write it in its own
    language when it reads the manifest back (manifest_problems); nothing for a reason that is plain text."""
    return {"said": problem.reason.to_json()} if isinstance(problem.reason, Said) else {}


def manifest_problems(manifest: dict | None, key: str) -> list[Problem]:
    """The files a manifest lists as "failed" or "skipped", each with its reason: the messages.Said its "said"
    keeps, or (a manifest written before there was one, or one this version cannot read) the English it keeps."""
    english = "error" if key == "failed" else "reason"
    problems = []
    for entry in _list_of(manifest, key):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        reason = entry.get(english)
        reason = reason if isinstance(reason, str) else ""
        if "said" in entry:
            try:
                reason = said_from_json(entry["said"])
            except ValueError:
                pass
        problems.append(Problem(entry["path"], reason))
    return problems


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
            entry["sha256"] = sha256_file(path)
        return entry
    except OSError:
        return {}


# --- what the reader hands to the build --------------------------------------------------------

@dataclass
class FileChunks:
    """New chunks of a file (a PDF arrives in several of these, in page order)."""

    source: str
    chunks: list[Chunk]


@dataclass
class FileRead:
    """A file read to its end."""

    source: str
    content: FileContent
    document: Document  # for a PDF its text and blocks; the chunks were already handed over
    record: dict


@dataclass
class FileFailed:
    source: str
    error: BaseException


Event = FileChunks | FileRead | FileFailed


def _translated(chunks: list[Chunk]) -> tuple[list[Chunk], str]:
    """Chunks with the English translations of any Spanish units, and a warning when they cannot be made."""
    try:
        return translate_chunks(chunks), ""
    except TranslationUnavailable as exc:
        return chunks, Said("untranslated", problem=str(exc))


def _failure_reason(exc: BaseException) -> str:
    """Why a file could not be read, a messages.Said (its English is what the command line and reports show)."""
    if isinstance(exc, IngestError):
        return exc.message
    if isinstance(exc, BrokenProcessPool):
        return Said("reader_crashed")
    return Said("file_unreadable", error=f"{exc.__class__.__name__}: {_short(exc)}")


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --- reading ------------------------------------------------------------------------------------

def _pool_context():
    # forkserver: workers are forked from a small clean server, not from this process with its model threads
    # (forking a multi-threaded process can deadlock); the PDF reader is imported there once.
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["assistant.pdf"])
        return context
    return multiprocessing.get_context("spawn")


def read_workers(settings: Settings, pdf_bytes: int, pdf_files: int) -> int:
    """How many worker processes read PDFs: none for a little PDF, else one per core (at most one per file)."""
    if settings.read_workers is not None:
        return max(0, settings.read_workers)
    if pdf_files == 0 or pdf_bytes < PARALLEL_PDF_BYTES:
        return 0
    from .embedding import cpu_threads

    return cpu_threads()


class CorpusReader:
    """Reads files and yields FileChunks / FileRead / FileFailed events, PDFs in worker processes."""

    def __init__(self, settings: Settings, files: list[SourceFile]):
        from .pdf import PART_PAGES

        self.settings = settings
        self.files = files
        self.part_pages = PART_PAGES
        self.pdfs = [f for f in files if f.path.suffix.lower() in PDF_SUFFIXES]
        self.texts = [f for f in files if f.path.suffix.lower() not in PDF_SUFFIXES]
        self.workers = read_workers(settings, sum(f.size for f in self.pdfs), len(self.pdfs))

    def __iter__(self) -> Iterator[Event]:
        if self.workers:
            yield from self._parallel()
        else:
            for file in self.pdfs:
                yield from self._pdf_inline(file)
        for file in self.texts:
            yield from self._text(file)

    def _text(self, file: SourceFile) -> Iterator[Event]:
        try:
            content = read_file(file)
            document = mark_languages(load_document(file.source, content.data))
            chunks, problem = _translated(chunk_document(document, self.settings.chunking))
            if problem:
                document = replace(document, warnings=document.warnings + (problem,))
        except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
            yield FileFailed(file.source, exc)
            return
        yield FileChunks(file.source, chunks)
        yield FileRead(file.source, content, document, describe(document, []))

    def _pdf_inline(self, file: SourceFile) -> Iterator[Event]:
        from .pdf import PdfAssembler, read_part

        try:
            content = read_file(file)
            assembler = PdfAssembler(file.source)
            while True:
                blocks = assembler.add(read_part(file.source, content.data, assembler.next_page, self.part_pages))
                yield FileChunks(file.source, self._chunk(assembler, blocks))
                if assembler.complete:
                    break
            document = assembler.document()
        except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
            yield FileFailed(file.source, exc)
            return
        yield FileRead(file.source, content, document, describe(document, assembler.cover, assembler.metadata))

    def _chunk(self, assembler, blocks) -> list[Chunk]:
        partial = mark_languages(Document(assembler.source, assembler.text, "", tuple(blocks)))  # per page
        chunks, problem = _translated(chunk_document(partial, self.settings.chunking))
        if problem:
            log.warning("%s: %s", assembler.source, problem)
        return chunks

    def _parallel(self) -> Iterator[Event]:
        """PDF runs of pages in worker processes, assembled here in page order as they arrive; text files are
        read here meanwhile."""
        queue = list(self.pdfs)  # PDFs not started yet
        texts = list(self.texts)
        self.texts = []  # read here, between waits for the workers
        states: dict[str, dict] = {}  # source -> content, assembler, runs that arrived early, next page to ask
        running: dict[Future, tuple[str, int]] = {}
        crashed: set[str] = set()  # files in flight when a worker died: retried alone, one run at a time
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_pool_context())
        try:
            while queue or running or any(s["asked"] <= s["pages"] for s in states.values()):
                failed = yield from self._submit(pool, queue, states, running, crashed)
                if failed:
                    continue
                if texts and running:
                    yield from self._text(texts.pop(0))
                    continue
                if not running:
                    continue
                done, _ = wait_for(list(running), return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    source, first = running.pop(future)
                    state = states.get(source)
                    if state is None:
                        continue  # the file already failed
                    try:
                        part = future.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        if source in crashed:  # it crashed again while running alone: it is the cause
                            states.pop(source)
                            crashed.discard(source)
                            yield FileFailed(source, exc)
                        else:
                            crashed.add(source)
                            state["asked"] = min(state["asked"], first)
                        continue
                    except Exception as exc:  # noqa: BLE001 - reported, the others go on
                        states.pop(source)
                        crashed.discard(source)
                        yield FileFailed(source, exc)
                        continue
                    crashed.discard(source)
                    state["pages"] = part.page_count
                    state["early"][part.first] = part
                    yield from self._assemble(source, state, states)
                if broken:
                    # A worker died (pdfium crashed): the pool cannot be used again. A fresh one retries the
                    # files that were in flight one run at a time, so the file that crashes it is the one reported.
                    for source, first in running.values():
                        if source in states:
                            crashed.add(source)
                            states[source]["asked"] = min(states[source]["asked"], first)
                    running.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_pool_context())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for file in texts:
            yield from self._text(file)

    def _submit(self, pool, queue: list[SourceFile], states: dict, running: dict, crashed: set[str]):
        """Keep the workers fed: further runs of files already started, then new files. While a crash is
        being traced, one run at a time. Returns whether a file failed to be read (an event was yielded)."""
        from .pdf import PdfAssembler, read_part

        limit = self.workers * IN_FLIGHT_PER_WORKER
        suspects = [s for s in states if s in crashed and states[s]["asked"] <= states[s]["pages"]]
        if suspects or any(source in crashed for source, _ in running.values()):
            if suspects and not running:
                state = states[suspects[0]]
                first = state["asked"]
                state["asked"] = first + self.part_pages
                running[pool.submit(read_part, suspects[0], state["content"].data, first, self.part_pages)] = \
                    (suspects[0], first)
            return False
        for source, state in states.items():
            while len(running) < limit and state["asked"] <= state["pages"]:
                first = state["asked"]
                state["asked"] += self.part_pages
                running[pool.submit(read_part, source, state["content"].data, first, self.part_pages)] = \
                    (source, first)
        failed = False
        while queue and len(running) < limit:
            file = queue.pop(0)
            try:
                content = read_file(file)
            except Exception as exc:  # noqa: BLE001 - reported, the others go on
                yield FileFailed(file.source, exc)
                failed = True
                continue
            # "pages" is 1 until the first run says how many there are: no second run is asked before that.
            states[file.source] = {"content": content, "assembler": PdfAssembler(file.source), "early": {},
                                   "asked": 1 + self.part_pages, "pages": 1}
            running[pool.submit(read_part, file.source, content.data, 1, self.part_pages)] = (file.source, 1)
        return failed

    def _assemble(self, source: str, state: dict, states: dict) -> Iterator[Event]:
        assembler = state["assembler"]  # a PdfAssembler
        while assembler.next_page in state["early"]:
            part = state["early"].pop(assembler.next_page)
            try:
                blocks = assembler.add(part)
                chunks = self._chunk(assembler, blocks)
            except Exception as exc:  # noqa: BLE001 - reported, the others go on
                states.pop(source, None)
                yield FileFailed(source, exc)
                return
            yield FileChunks(source, chunks)
        if assembler.complete:
            states.pop(source, None)
            try:
                document = assembler.document()
            except Exception as exc:  # noqa: BLE001 - e.g. a scan without text
                yield FileFailed(source, exc)
                return
            yield FileRead(source, state["content"], document,
                           describe(document, assembler.cover, assembler.metadata))


# --- embedding ----------------------------------------------------------------------------------

class StreamingEmbedder:
    """Embeds chunks' sentences and rows in batches as they arrive; each distinct text is encoded once."""

    def __init__(self, embedder, progress: ProgressFn | None):
        self.embedder = embedder
        self.progress = progress
        self.queue: list[str] = []
        self.vectors: dict[str, np.ndarray] = {}  # text -> float16 vector
        self.total = 0
        self.done = 0

    def add(self, chunks: list[Chunk]) -> None:
        for chunk in chunks:
            for text in chunk.embedding_texts():
                self.total += 1
                if text not in self.vectors:
                    self.vectors[text] = None  # reserved: encoded with the next batch
                    self.queue.append(text)
                else:
                    self.done += 1
        while len(self.queue) >= EMBED_BATCH:
            self._encode(self.queue[:EMBED_BATCH])
            del self.queue[:EMBED_BATCH]

    def flush(self) -> None:
        if self.queue:
            self._encode(self.queue)
            self.queue = []

    def _encode(self, texts: list[str]) -> None:
        vectors = self.embedder.encode_documents(texts)
        for text, vector in zip(texts, vectors):
            self.vectors[text] = vector.astype(np.float16)
        self.done += len(texts)
        if self.progress:
            self.progress(min(self.done, self.total), self.total)

    def units(self, chunk: Chunk) -> np.ndarray:
        return np.stack([self.vectors[t] for t in chunk.embedding_texts()])


# --- the build ----------------------------------------------------------------------------------

def build_index(settings: Settings, embedder, full: bool = False, status: StatusFn | None = None,
                progress: ProgressFn | None = None, wait: bool = False) -> BuildReport:
    """Build the index incrementally under a lock; it becomes live only when complete (see Backend.write)."""
    backend = backend_for(settings)
    with backend.lock(wait):
        return _build_locked(settings, backend, embedder, full, status or (lambda _m: None), progress)


@dataclass
class _Plan:
    report: BuildReport
    old: Store | None
    manifest: dict | None
    diff: CorpusDiff
    previous_files: dict
    old_files: dict


def _plan(settings: Settings, backend: Backend, full: bool, status: StatusFn) -> _Plan:
    report = BuildReport()
    old: Store | None = None
    manifest = backend.read_manifest()
    if full:
        report.full_reason = Said("full_requested")
    elif manifest is None:
        report.full_reason = Said("full_no_index") if backend.live_version() is None else Said("full_unreadable")
    else:
        reason = check_manifest(manifest, settings)
        if reason:
            report.full_reason = reason
        else:
            try:
                old = backend.open(verify=True)
            except IndexError_ as exc:  # what is wrong, without how to fix it, in the reader's language too
                said = exc.said
                problem = said.values["problem"] if said is not None and said.key == "index_error" else \
                    str(exc).split(";")[0].rstrip(".")
                report.full_reason = Said("full_damaged", problem=problem)
    if report.full_reason and manifest is not None:
        status(Said("full_rebuild", reason=report.full_reason))
    # Files are compared with the previous index even when its vectors cannot be reused (full rebuild),
    # so the report still says what was added, changed and removed since then.
    diff = diff_corpus(settings, manifest)
    report.skipped = list(diff.skipped)
    report.removed = list(diff.removed)
    return _Plan(report, old, manifest, diff, manifest_files(manifest), old.manifest["files"] if old else {})


def _build_locked(settings: Settings, backend: Backend, embedder, full: bool, status: StatusFn,
                  progress: ProgressFn | None) -> BuildReport:
    started = time.perf_counter()
    backend.clean_leftovers()
    plan = _plan(settings, backend, full, status)
    report, old, diff = plan.report, plan.old, plan.diff
    if old and _nothing_to_do(diff, plan.old_files, old.manifest):
        report.unchanged = sorted(plan.old_files)
        report.skipped = manifest_problems(old.manifest, "skipped")  # (still passed over, for the same reasons)
        report.chunks_total = len(old.chunks)
        report.seconds = time.perf_counter() - started
        status(Said("up_to_date_counts", chunks=report.chunks_total, documents=len(plan.old_files)))
        old.close()
        return report

    new_files: dict[str, dict] = {}
    to_read: list[SourceFile] = []
    for source in sorted(diff.files):
        file = diff.files[source]
        if source in diff.unchanged and source in plan.old_files:
            new_files[source] = dict(plan.old_files[source], size=file.size, mtime_ns=file.mtime_ns)
            report.unchanged.append(source)
        else:
            to_read.append(file)

    streaming = StreamingEmbedder(embedder, progress)
    new_chunks: dict[str, list[Chunk]] = {}
    if to_read:
        status(Said("reading_one") if len(to_read) == 1 else Said("reading_many", n=len(to_read)))
    for event in CorpusReader(settings, to_read):
        if isinstance(event, FileChunks):
            new_chunks.setdefault(event.source, []).extend(event.chunks)
            streaming.add(event.chunks)
        elif isinstance(event, FileFailed):
            new_chunks.pop(event.source, None)
            _report_failure(event, plan, new_files)
        else:
            _report_read(event, plan, new_chunks, new_files)
    streaming.flush()
    report.chunks_embedded = sum(len(v) for v in new_chunks.values())

    # A file that is now empty, unsupported or gone is dropped from the index, and said so.
    for problem in report.failed + report.skipped:
        if problem.source in plan.previous_files and problem.source not in new_files \
                and problem.source not in report.removed:
            report.removed.append(problem.source)
    for key in ("added", "changed", "unchanged"):
        getattr(report, key).sort()
    if not new_files:
        problems = report.failed + report.skipped
        reasons = tuple(Said("file_reason", source=p.source, reason=p.reason) for p in problems[:5]) or \
            Said("no_files")
        more = Said("more_reasons", n=len(problems) - 5) if len(problems) > 5 else ""
        raise NothingToIndex(Said("nothing_to_index", corpus=str(settings.corpus), reasons=reasons, more=more))

    status(Said("writing"))
    kept = [c for c in old.chunks if c.source in new_files and c.source not in new_chunks] if old else []
    report.chunks_total = sum(len(new_chunks[s]) for s in new_files if s in new_chunks) + len(kept)
    build = BuildOutput(_manifest(settings, new_files, report, report.chunks_total, {p.source for p in diff.skipped}),
                        {s: (new_chunks[s], np.concatenate([streaming.units(c) for c in new_chunks[s]]))
                         for s in new_files if s in new_chunks},
                        old if kept else None)
    backend.write(build)
    if old:
        old.close()
    report.seconds = time.perf_counter() - started
    status(Said("ready", chunks=report.chunks_total, documents=len(new_files)))
    return report


def _report_failure(event: FileFailed, plan: _Plan, new_files: dict) -> None:
    """A file that cannot be read: skipped (nothing to index) or failed; a failed file that was indexed
    before keeps its previous chunks (nothing lost), and status shows it as changed until it reads again."""
    report, source = plan.report, event.source
    reason = _failure_reason(event.error)
    if isinstance(event.error, IngestError) and event.error.skipped:
        report.skipped.append(Problem(source, reason))
        return
    report.failed.append(Problem(source, reason))
    if source in plan.old_files:
        new_files[source] = plan.old_files[source]
        report.warnings.append(Problem(source, Said("kept_previous")))


def _report_read(event: FileRead, plan: _Plan, new_chunks: dict, new_files: dict) -> None:
    report, source, document = plan.report, event.source, event.document
    about = label(event.record)
    chunks = [replace(c, document=about) for c in new_chunks.get(source, [])] if about else \
        new_chunks.get(source, [])
    if source in new_chunks:
        new_chunks[source] = chunks
    if not chunks:
        new_chunks.pop(source, None)
        report.skipped.append(Problem(source, Said("no_text")))
        return
    report.warnings.extend(Problem(source, w) for w in document.warnings)
    if source not in plan.previous_files:
        report.added.append(source)
    else:
        (report.unchanged if source in plan.diff.unchanged else report.changed).append(source)
    content = event.content
    new_files[source] = {"sha256": content.sha256, "size": content.size, "mtime_ns": content.mtime_ns,
                         "title": document.title, "chunk_ids": [c.id for c in chunks],
                         "pages": max((b.page or 0) for b in document.blocks) or None,
                         "warnings": list(document.warnings), "record": event.record}
    foreign = [c for c in chunks if c.language != ENGLISH]
    if foreign:  # the translator's version, or None when Apertium was missing
        new_files[source]["translation"] = TRANSLATION_VERSION if all(c.translations for c in foreign) else None
