"""What one chat server shares between its visitors: the facade, warmed up in the background, and indexing
runs that go on outside any page's script run, with progress every page can show."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Sequence

from . import messages, ui
from .messages import Said
from .assistant import Assistant
from .build import BuildReport
from .config import Settings
from .embedding import ModelUnavailable
from .schema import Answer
from .store import BuildBusy, IndexError_, NothingToIndex, backend_for
from .translate import SPANISH, apertium_available

log = logging.getLogger(__name__)

BUILD_ERRORS = (BuildBusy, NothingToIndex, FileNotFoundError, IndexError_, ModelUnavailable)
WORKER_PREFIX = "assistant-"  # every thread this module starts is named so (tests wait for them by name)
_MODEL_LOCK = threading.Lock()  # services may share one embedder: it is loaded once, by one of them
Lines = tuple[tuple[str, str], ...]  # (kind, line) pairs, kind "ok", "warning" or "error"


@dataclass(frozen=True)
class Job:
    """One indexing run as the pages show it: what it is doing while it runs, and how it ended."""

    number: int
    title: str  # a page's title in that page's words, or one of the service's own (a Said): see title_in
    lines: Lines = ()  # what led to it (files saved or deleted), then its outcome
    running: bool = True
    message: str = Said("starting")
    done: int = 0  # sentences embedded so far, of total
    total: int = 0
    started: float = 0.0  # time.time()
    finished: float | None = None
    outcome: str = ""  # Said: "Index updated in 2.1 s", "The index was not updated" (ui.job_outcome)
    ok: bool | None = None
    given: int = 0  # how many of `lines` came with the request (in the language of the page that made it)
    report: BuildReport | None = None  # what the build did, which a page writes out in its own language

    def title_in(self, language: str) -> str:
        """The run's title in the language asked for: one the service gave it (a Said, "Indexing the changes made
        meanwhile") in that language; one a page gave it stays in that page's words."""
        return messages.in_language(self.title, language)

    def progress_in(self, language: str) -> str:
        """What the run is doing, in the language asked for (a message that is no Said stays as it is)."""
        message = messages.in_language(self.message, language)
        if self.total:
            return messages.text("embedded", language, message=message, done=ui.count(self.done, language),
                                 total=ui.count(self.total, language))
        return message


class ChatService:
    """The facade, loaded in the background, and at most one indexing run at a time.

    Pages read `version` at the start of each script run and rerun when it has changed: it moves when an
    indexing run starts or ends, when the model is ready and when suggested questions are.
    """

    def __init__(self, settings: Settings, embedder, suggestions: int = 4):
        self.settings = settings
        self.assistant = Assistant(settings, embedder)
        self.n_suggestions = suggestions
        self.version = 0
        self.model_ready = threading.Event()
        self.model_error = ""
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._job: Job | None = None
        self._queued: list[tuple[str, Lines]] = []  # runs asked for while one was going on
        self._jobs_started = 0
        self._auto_key: object = None
        self._suggestions: tuple[str, dict[str, list[str]]] | None = None  # (index version, questions by language)
        self._suggesting = False
        self._start_thread(self._warm_up, "warm-up")

    # --- background work ----------------------------------------------------------------------

    @staticmethod
    def _start_thread(target, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=WORKER_PREFIX + name, daemon=True)
        thread.start()
        return thread

    def _bump(self) -> None:
        with self._lock:
            self.version += 1

    def _warm_up(self) -> None:
        """Load the model, then the index and suggested questions, so the first visitor does not wait for them."""
        try:
            with _MODEL_LOCK:
                self.assistant.embedder.encode_query("warm up")
        except Exception as exc:  # noqa: BLE001 - a model that cannot load is reported to every page
            self.model_error = str(exc) if isinstance(exc, ModelUnavailable) else \
                Said("model_unloadable", kind=exc.__class__.__name__, error=_what_it_says(exc))
            log.exception("the model could not be loaded")
        finally:
            self.model_ready.set()
            self._bump()
        if not self.model_error:
            self._suggest()

    def _live_version(self) -> str | None:
        """What identifies the live index now (Backend.live_version), None when there is none or it is unreachable."""
        try:
            return backend_for(self.settings).live_version()
        except IndexError_:
            return None

    def sync_index(self) -> bool:
        """Serve the live index (it may have been rebuilt by another process); False if there is none usable."""
        version = self._live_version()
        if version is None:
            return False
        with self._load_lock:
            try:
                if self.assistant.store.version != version:
                    self.assistant.reload()
            except IndexError_:
                return False
        return True

    def _suggest(self) -> None:
        """Suggested questions for the live index, kept only if it answers them."""
        with self._lock:
            if self._suggesting:
                return
            self._suggesting = True
        key, picked = None, {}
        try:
            if self.sync_index():
                store = self.assistant.store
                key = store.version
                english = self._answered(ui.suggested_questions(store.chunks, limit=3 * self.n_suggestions))
                spanish = self._answered(ui.suggested_questions(store.chunks, 3 * self.n_suggestions, SPANISH)) \
                    if apertium_available() else []
                # One of the English ones in Spanish too, to show that Spanish questions work.
                picked = {"en": english[:self.n_suggestions - 1] + spanish[:1] if spanish else english,
                          "es": spanish or english}
        except Exception:  # noqa: BLE001 - suggestions are a nicety; a page without them still works
            log.exception("suggested questions could not be prepared")
        with self._lock:
            self._suggesting = False
            if key is not None:
                self._suggestions = (key, picked)
            self.version += 1

    def _answered(self, questions: list[str]) -> list[str]:
        """The first n_suggestions of the questions that the index answers."""
        out = []
        for question in questions:
            if len(out) == self.n_suggestions:
                break
            if not self.assistant.ask(question).abstained:
                out.append(question)
        return out

    def suggestions(self, language: str = "en") -> list[str] | None:
        """Questions the live index answers, or None while they are being found (which this starts if needed). In
        English, one of them is asked in Spanish; in Spanish, all that the index answers in Spanish are."""
        version = self._live_version()
        with self._lock:
            if self._suggestions and version is not None and self._suggestions[0] == version:
                return list(self._suggestions[1].get(language, []))
            idle = not self._suggesting and not (self._job is not None and self._job.running)
        if idle and version is not None and self.model_ready.is_set() and not self.model_error:
            self._start_thread(self._suggest, "suggestions")
        return None

    # --- questions ----------------------------------------------------------------------------

    def ask(self, question: str, history: Sequence[str] = (), language: str = "en") -> tuple[Answer, str]:
        """The answer, and a one-line note in the page's language when an indexing run was going on (the answer is
        from the index as it was). Waits for the model if it is still loading; QuestionError for an unaskable
        question."""
        job = self.job()
        note = ""
        if job is not None and job.running:
            title = job.title_in(language)
            note = messages.text("still_indexing", language, title=title[:1].lower() + title[1:])
        self.model_ready.wait()
        if self.model_error:
            raise ModelUnavailable(self.model_error)
        self.sync_index()  # another process (the command line) may have rebuilt it
        return self.assistant.ask(question, history=list(history)), note

    # --- indexing -----------------------------------------------------------------------------

    def job(self) -> Job | None:
        """The running indexing run, or the last one to end, or None."""
        with self._lock:
            return self._job

    def busy(self) -> bool:
        """True while something a page shows is still on its way: the model, an indexing run, suggestions."""
        with self._lock:
            running = self._job is not None and self._job.running
            return running or self._suggesting or not self.model_ready.is_set()

    def start_indexing(self, title: str, lines: Lines = ()) -> bool:
        """Start an incremental build in the background; True if it started now, False if it will run as soon
        as the one going on ends (so changes made meanwhile are indexed too)."""
        with self._lock:
            if self._job is not None and self._job.running:
                self._queued.append((title, tuple(lines)))
                return False
            self._new_job(title, tuple(lines))
        self._start_thread(self._run_jobs, "indexing")
        return True

    def start_automatic_build(self, title: str, key: object) -> bool:
        """A build the page starts by itself (no index yet, or a damaged one), once per state of the corpus:
        a build that failed is not retried until something changed."""
        with self._lock:
            if key == self._auto_key or (self._job is not None and self._job.running):
                return False
            self._auto_key = key
        return self.start_indexing(title)

    def _new_job(self, title: str, lines: Lines) -> None:
        """Called with the lock held."""
        self._jobs_started += 1
        self._job = Job(self._jobs_started, title, lines, started=time.time(), given=len(lines))
        self.version += 1

    def _update(self, **changes) -> None:
        with self._lock:
            if self._job is not None:
                self._job = replace(self._job, **changes)

    def _run_jobs(self) -> None:
        while True:
            built = self._run_job()
            if built:
                self._suggest()
            with self._lock:
                if not self._queued:
                    return
                titles = [t for t, _ in self._queued]
                lines = tuple(line for _, ls in self._queued for line in ls)
                self._queued.clear()
                self._new_job(titles[0] if len(titles) == 1 else Said("indexing_meanwhile"), lines)

    def _run_job(self) -> bool:
        self._update(message=Said("waiting_model"))
        self.model_ready.wait()
        self._update(message=Said("waiting_build"))
        try:
            if self.model_error:
                raise ModelUnavailable(self.model_error)
            report = self.assistant.rebuild(status=lambda message: self._update(message=message),
                                            progress=lambda done, total: self._update(done=done, total=total),
                                            wait=True)
        except BUILD_ERRORS as exc:  # a Said (NothingToIndex, IndexError_) stays one, for each page's language
            self._finish(Said("index_not_updated"), False, (("error", _what_it_says(exc)),))
            return False
        except Exception as exc:  # noqa: BLE001 - a run must never be left showing as running
            log.exception("indexing failed")
            self._finish(Said("index_not_updated"), False,
                         (("error", Said("indexing_failed", kind=exc.__class__.__name__, error=_what_it_says(exc))),))
            return False
        self._finish(Said("index_updated", seconds=f"{report.seconds:.1f}"), True,
                     tuple(ui.build_summary(report)), report)
        return True

    def _finish(self, outcome: str, ok: bool, lines: Lines, report: BuildReport | None = None) -> None:
        with self._lock:
            job = self._job
            self._job = replace(job, running=False, finished=time.time(), outcome=outcome, ok=ok,
                                lines=job.lines + lines, report=report)
            self.version += 1


def _what_it_says(exc: BaseException) -> str:
    """An exception's sentence: the Said it carries (NothingToIndex, IndexError_, a ModelUnavailable made of one),
    which each page writes in its language, else its text as it is."""
    return getattr(exc, "said", None) or (
        exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Said) else str(exc))
