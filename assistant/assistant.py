"""The facade views use: load or build the index, ask questions, rebuild, report status."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .reader import Query, Reader, ReaderSettings
from .retrieval import Retriever
from .schema import Answer
from .store import (BuildReport, CorpusDiff, Store, build_index, diff_corpus, load_store,
                    read_manifest)
from .text import search_tokens

_ANAPHORA = re.compile(r"\b(it|its|they|them|their|theirs|this|that|these|those|he|she|his|her|there|"
                       r"the (program|programme|initiative|institute|agency|strategy|project|plan|"
                       r"organisation|organization|body|regulator|sector|company|market|country))\b", re.I)
_SELF_REFERENCE = re.compile(r"\b(this|the) (paper|document|study|report|article|text|research)\b", re.I)
MAX_FOLLOWUP_TERMS = 3


class QuestionError(ValueError):
    """A question that cannot be asked as it is; the message says what to do."""


def validate_question(question: str, max_chars: int, need_words: bool = True) -> str:
    """The question with control characters and runs of white space folded; QuestionError if unaskable."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("The question is empty; type a question about the documents.")
    if len(question) > max_chars:
        raise QuestionError(f"The question is {len(question):,} characters long; keep it under {max_chars:,}.")
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())
    if need_words and not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("The question has no words or numbers in it; type a question about the documents.")
    return cleaned


def resolve_followup(question: str, history: tuple[str, ...] | list[str]) -> str:
    """The question with its referent from earlier turns when it leans on them ("When was it created?").

    A question that stands on its own (no pronoun, or enough terms of its own) is left as it is, so it is
    not dragged toward the previous topic.
    """
    history = [h for h in history if h and h.strip()]
    if not history:
        return question
    probe = _SELF_REFERENCE.sub(" ", question)
    if not _ANAPHORA.search(probe) or len(set(search_tokens(probe))) > MAX_FOLLOWUP_TERMS:
        return question
    previous = resolve_followup(history[-1], history[:-1])
    return f"{previous} {question}"


@dataclass
class Status:
    exists: bool
    stale: bool
    diff: CorpusDiff | None
    manifest: dict | None
    problem: str = ""

    def to_dict(self) -> dict:
        m = self.manifest or {}
        d = self.diff
        return {
            "index_exists": self.exists, "stale": self.stale, "problem": self.problem,
            "documents": m.get("documents", 0), "chunks": m.get("chunks", 0), "model": m.get("model"),
            "built_at": m.get("built_at"),
            "new": d.added if d else [], "changed": d.changed if d else [], "removed": d.removed if d else [],
            "failed": [{"path": p.get("path"), "error": p.get("error")} for p in m.get("failed", [])],
            "skipped": [{"path": p.get("path"), "reason": p.get("reason")} for p in m.get("skipped", [])],
            "warnings": m.get("warnings", []),
        }


def index_status(settings: Settings) -> Status:
    """Cheap: reads the manifest and stats the corpus; never imports the model."""
    manifest = read_manifest(settings.index)
    try:
        diff = diff_corpus(settings, manifest)
    except FileNotFoundError as exc:
        return Status(manifest is not None, True, None, manifest, str(exc))
    from .store import verify_index

    # A damaged or foreign index counts as stale, so `make run` and Assistant.load rebuild it.
    problem = verify_index(settings) if manifest else "no index has been built yet"
    return Status(manifest is not None, diff.stale or bool(problem), diff, manifest, problem or "")


class Assistant:
    """Load once, then ask many questions; rebuilding swaps in the new index when it is complete."""

    def __init__(self, settings: Settings, embedder=None, reader_settings: ReaderSettings = ReaderSettings()):
        self.settings = settings
        if embedder is None:
            from .embedding import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder(batch_size=settings.batch_size)
        self.embedder = embedder
        self.reader_settings = reader_settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._reader: Reader | None = None

    @classmethod
    def load(cls, corpus: str | Path | None = None, index: str | Path | None = None, embedder=None,
             build_if_needed: bool = True, status=None, progress=None) -> "Assistant":
        assistant = cls(Settings.from_env(corpus, index), embedder)
        if build_if_needed and index_status(assistant.settings).stale:
            assistant.rebuild(status=status, progress=progress, wait=True)
        else:
            assistant.reload()
        return assistant

    @property
    def store(self) -> Store:
        if self._store is None:
            self.reload()
        return self._store

    def reload(self) -> None:
        store = load_store(self.settings)
        reader = Reader(Retriever(store, self.settings.top_k), self.reader_settings)
        with self._lock:  # questions in flight keep the old store; new ones see the new one
            self._store, self._reader = store, reader

    def rebuild(self, full: bool = False, status=None, progress=None, wait: bool = False) -> BuildReport:
        report = build_index(self.settings, self.embedder, full=full, status=status, progress=progress, wait=wait)
        self.reload()
        return report

    def status(self) -> Status:
        return index_status(self.settings)

    def _retrieve(self, question: str, history: list[str], follow_on: bool = True) -> tuple[Reader, Query, list]:
        """The reader, the query and its hits. With follow_on, a follow-up's query also knows the answer the
        previous question got (what the user has just read); the hits do not depend on it."""
        if self._reader is None:
            self.reload()
        with self._lock:
            reader = self._reader
        expanded = resolve_followup(question, history)
        question_vector = self.embedder.encode_query(question)
        vector = question_vector if expanded == question else self.embedder.encode_query(expanded)
        tokens = search_tokens(question)
        history_tokens = [t for t in search_tokens(expanded[:len(expanded) - len(question)]) if t not in tokens]
        said: tuple = ()
        if follow_on and expanded != question:
            _, previous, previous_hits = self._retrieve(history[-1], history[:-1])
            reading = reader.read(previous, previous_hits[:self.settings.read_k])
            if not reading.abstained:
                said = tuple((c.source, c.start, c.end) for c in reading.citations[:1])
        query = Query(question, vector, question_vector, tokens, history_tokens, said)
        hits = reader.retriever.search(vector, tokens + history_tokens)
        return reader, query, hits

    def retrieve(self, question: str, history: tuple[str, ...] | list[str] = ()) -> list:
        """The ranked hits for a question, as ask() sees them (used by eval for recall)."""
        question = validate_question(question, self.settings.max_question_chars)
        return self._retrieve(question, [h for h in history if h and h.strip()], follow_on=False)[2]

    def ask(self, question: str, history: tuple[str, ...] | list[str] = ()) -> Answer:
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        history = [validate_question(h, self.settings.max_question_chars, need_words=False)
                   for h in history if h and h.strip()]
        reader, query, hits = self._retrieve(question, history)
        retrieved = time.perf_counter()
        reading = reader.read(query, hits[:self.settings.read_k])
        # Issue 11 wiring (retrieval.py): a question about an organisation no document is about abstains, and
        # citations carry the page number printed on their page.
        unmatched = reader.retriever.unmatched_entities(question)
        abstained = reading.abstained or bool(unmatched)
        citations = reader.retriever.with_printed_pages(reading.citations)
        done = time.perf_counter()
        text = None
        if not abstained:
            text = citations[0].quote
        return Answer(
            question=question, answer=text, abstained=abstained, score=0.0 if unmatched else reading.score,
            citations=citations,
            timings_ms={"retrieve": (retrieved - started) * 1000, "read": (done - retrieved) * 1000,
                        "total": (done - started) * 1000},
            message=reader.retriever.no_document_message(unmatched) if unmatched else reading.reason,
        )
