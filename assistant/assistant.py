"""The facade views use: load or build the index, ask questions, rebuild, report status."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .answer_model import AnswerModel, load_answer_model
from .candidates import Query
from .reader import Reader, ReaderSettings
from .retrieval import Retriever
from . import messages
from .schema import Answer, Citation, Translation
from .build import BuildReport, CorpusDiff, build_index, diff_corpus, manifest_problems
from .ingest import Problem
from .store import Store, backend_for
from .nlp import (AMPERSAND_ACRONYM, BARE_NOUN, PRONOUNS, UNWRITTEN_ACRONYM, ampersand_spellings, defined_acronyms,
                  determines_a_noun, keyword_query, names_a_subject, names_nothing, only_a_period, possessor, referents,
                  spelled_out)
from .text import is_number, named_terms, search_tokens, spanish_tokens
from .row_translation import translate_row
from .about import about_kind
from .going_on import earlier_question, is_request_to_go_on, next_section, unit_after
from .small_talk import small_talk
from .translate import (ENGLISH, back_translations, cognate_index, detect_language, reads_latin, translator,
                        vocabulary, word_choices, words_of)

_SELF_REFERENCE = re.compile(r"\b(this|the) (paper|document|study|report|article|text|research)\b", re.I)
MAX_FOLLOWUP_TERMS = 3  # a question with more terms of its own stands alone
# Acronyms spelled out per question (each is one pass over the passages, about 50 ms on 3.4 MB of text), and
# how many answers are kept before the cache starts again.
MAX_SPELLED, MAX_SPELLED_KEPT = 4, 2000
_POSSESSIVE = {"its", "their", "theirs", "his", "her", "hers"}
_PLURAL = {"they", "them", "their", "theirs", "these", "those"}
_DEMONSTRATIVE = {"this", "that", "these", "those"}
# "When did that happen?": the pronoun stands for the event the earlier turn asked about, not for one of its
# noun phrases ("What did the guild ban?" then "Why did this happen?" is not "Why did the guild happen?").
# Apertium's English of a Spanish one puts the pronoun after the verb: "In which year occurred this?".
_HAPPEN = r"(?:happen|happens|happened|occur|occurs|occurred|take place|takes place|took place|taken place)"
# ("When did it happen?" keeps its noun phrase: "it" is more often a thing that happened, such as a battle.)
_EVENT = re.compile(rf"\b(?:this|that)\s+(?:(?:had|has)\s+)?{_HAPPEN}\b|\b{_HAPPEN}\s+(?:this|that)\b", re.I)
# A subject pronoun and an object pronoun after it are two referents: "What are they using them for?" ("her"
# may be a possessive, "it" either: neither counts).
_SUBJECTS = {"they", "he", "she"}
_OBJECT = re.compile(r"\b(them|him)\b", re.I)


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


def resolve_followup(question: str, history: tuple[str, ...] | list[str], pro_drop: bool = False) -> str:
    """The question as it is to be read: a follow-up's pronoun or bare noun replaced by what it points at.

    "What did it regulate?" after "When was the Federal Radio Commission created?" reads "What did the Federal
    Radio Commission regulate?". The referent is the earlier turn's subject (spaCy: its
    longest named entity, else its longest noun phrase). When no subject can be named, the earlier question
    is put in front instead, as it is for a question that asks for nothing but another period ("And for the
    whole year?"). A question that stands on its own (no pronoun, or more than MAX_FOLLOWUP_TERMS terms of its own)
    is left as it is, so it is not dragged toward the previous topic.

    pro_drop: the questions were asked in a language that leaves a subject unstated (Spanish) and are read in
    translation. A question whose translation names no subject (nlp.names_a_subject) needs no pronoun to point
    back then: "¿Con quién colabora?" (Apertium's "With who collaborates?") asks about the earlier subject, and
    the object pronoun of "¿Para qué los compran?" ("For what buy them?") is the earlier turn's next referent,
    the unstated subject being its first.
    """
    history = [h for h in history if h and h.strip()]
    if not history:
        return question
    probe = _SELF_REFERENCE.sub(lambda m: " " * len(m.group(0)), question)  # "this paper" points at no turn
    period = PRONOUNS.search(probe) is None and only_a_period(question)  # "And in the nine months ended ...?"
    if len(set(search_tokens(probe))) > MAX_FOLLOWUP_TERMS and not period:
        return question
    previous = resolve_followup(history[-1], history[:-1], pro_drop)
    if _EVENT.search(probe) or period:
        # "Why did this happen?", or another period of what the earlier question asked: it, asked again of this.
        return f"{previous} {question}"
    pronoun = PRONOUNS.search(probe)
    plural = None if pronoun is None else pronoun.group(0).lower() in _PLURAL
    found = referents(previous, plural)
    subject = found[0] if found else None
    leaned = f"{previous} {question}"
    # A demonstrative that determines a noun ("this program", "these companies") is part of a noun phrase.
    demonstrative = pronoun is not None and pronoun.group(0).lower() in _DEMONSTRATIVE \
        and determines_a_noun(question, pronoun.start())
    if (pronoun is None or demonstrative) and subject:
        # A bare noun that names the earlier subject by its kind: "the programme" after "the Apollo program" (and
        # "this program" is replaced whole, not read "the Apollo program program").
        words = {w[:5] for w in search_tokens(subject) if len(w) >= 5}
        for match in BARE_NOUN.finditer(probe):
            if match.group(1)[:5] in words:
                return question[:match.start()] + subject + question[match.end():]
    if pronoun is None:  # (a keyword query has no verb, so no subject is left unstated: it names its own topic)
        return leaned if pro_drop and not names_a_subject(question) and not keyword_query(question) else question
    if not subject:
        return leaned
    replacement = subject
    if pro_drop and _OBJECT.fullmatch(pronoun.group(0)) and not names_a_subject(question):
        # "For what buy them?": the unstated subject is the earlier turn's, the object another of its referents.
        unstated = next(iter(referents(previous)), None)
        replacement = next((r for r in found if r != unstated), subject)
    if pronoun.group(0).lower() in _POSSESSIVE:
        # What owns something owns the next thing too: "And its profit?" after "What was Acme's total revenue?"
        # asks for Acme's, not for the revenue's.
        replacement = possessor(subject) or subject
        replacement += "'" if replacement.endswith("s") else "'s"
    rest = question[pronoun.end():]
    second = _OBJECT.search(rest) if pronoun.group(0).lower() in _SUBJECTS else None
    if second:  # the object pronoun is the earlier turn's next referent, of its number first
        others = [r for r in referents(previous, second.group(0).lower() in _PLURAL) if r != subject]
        if others:
            rest = rest[:second.start()] + others[0] + rest[second.end():]
    return question[:pronoun.start()] + replacement + rest


def asked_documents(reader: Reader, typed: str, tokens: list[str], history: list[str]) -> tuple[str, ...]:
    """The documents a question asks about, the conversation considered: those the question as typed names, or,
    when it names none, those of the latest earlier question that named some; else those its reading (tokens)
    names. "What about staff costs?" goes on with the report the conversation is about, and "What was its
    margin?", read as "What was Acme's margin?", stays with the quarter asked about before, while "How has
    Acme's margin changed over time?" asks about every report of Acme's."""
    if not reader.retriever.named_documents(search_tokens(typed)):
        for earlier in reversed(history):
            named = reader.retriever.named_documents(search_tokens(earlier))
            if named:
                return tuple(named)
    return tuple(reader.retriever.named_documents(tokens))


@dataclass
class Status:
    exists: bool
    stale: bool
    diff: CorpusDiff | None
    manifest: dict | None
    problem: str = ""
    where: dict | None = None  # the backend and its URI, without credentials (Backend.describe)

    def to_dict(self) -> dict:
        m = self.manifest or {}
        d = self.diff
        return {
            **(self.where or {}),
            "index_exists": self.exists, "stale": self.stale, "problem": self.problem,
            "documents": m.get("documents", 0), "chunks": m.get("chunks", 0), "model": m.get("model"),
            "built_at": m.get("built_at"),
            "new": d.added if d else [], "changed": d.changed if d else [], "removed": d.removed if d else [],
            "failed": [{"path": p.get("path"), "error": p.get("error")} for p in m.get("failed", [])],
            "skipped": [{"path": p.get("path"), "reason": p.get("reason")} for p in m.get("skipped", [])],
            "warnings": m.get("warnings", []),
        }

    def problems(self, key: str) -> list[Problem]:
        """The files the index lists as "failed" or "skipped", with why: a messages.Said, which a page writes in
        its own language, or the English of a manifest that does not keep one (build.manifest_problems)."""
        return manifest_problems(self.manifest, key)


def _english_texts(chunks):
    """The passages as the reader reads them: English text, or a Spanish passage's translation."""
    for chunk in chunks:
        yield chunk.text if chunk.language == ENGLISH or not chunk.translations else " ".join(chunk.translations)


def index_status(settings: Settings) -> Status:
    """Cheap: reads the manifest and stats the corpus; never imports the model."""
    backend = backend_for(settings)
    manifest = backend.read_manifest()
    try:
        diff = diff_corpus(settings, manifest)
    except FileNotFoundError as exc:
        return Status(manifest is not None, True, None, manifest, str(exc), backend.describe())
    # A damaged or foreign index counts as stale, so `make run` and Assistant.load rebuild it.
    problem = backend.problem() if manifest else "no index has been built yet"
    return Status(manifest is not None, diff.stale or bool(problem), diff, manifest, problem or "",
                  backend.describe())


class Assistant:
    """Load once, then ask many questions; rebuilding swaps in the new index when it is complete."""

    def __init__(self, settings: Settings, embedder=None, reader_settings: ReaderSettings = ReaderSettings(),
                 answer_model: AnswerModel | None = None):
        self.settings = settings
        if embedder is None:
            from .embedding import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder(batch_size=settings.batch_size)
        self.embedder = embedder
        self.reader_settings = reader_settings
        self._answer_model = answer_model
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._reader: Reader | None = None
        self._acronyms: dict[str, str] = {}
        self._spelled: tuple = (None, {})  # (the store, {(finder, acronym): what the finder found in its passages})
        # (the store, back_translations and cognate_index of its words), made on the first Spanish question
        self._back_translations = None

    @classmethod
    def load(cls, corpus: str | Path | None = None, index: str | Path | None = None, embedder=None,
             build_if_needed: bool = True, status=None, progress=None, settings: Settings | None = None) -> "Assistant":
        assistant = cls(settings or Settings.from_env(corpus, index), embedder)
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

    @property
    def answer_model(self) -> AnswerModel:
        if self._answer_model is None:
            self._answer_model = load_answer_model()
        return self._answer_model

    def reload(self) -> None:
        store = backend_for(self.settings).open()
        acronyms = defined_acronyms("\n".join(c.text for c in store.chunks))
        reader = Reader(Retriever(store, self.settings.top_k), self.answer_model, self.reader_settings, acronyms)
        with self._lock:  # questions in flight keep the old store; new ones see the new one
            self._store, self._reader, self._acronyms = store, reader, acronyms

    def rebuild(self, full: bool = False, status=None, progress=None, wait: bool = False) -> BuildReport:
        report = build_index(self.settings, self.embedder, full=full, status=status, progress=progress, wait=wait)
        self.reload()
        return report

    def status(self) -> Status:
        return index_status(self.settings)

    def _expansions(self, question: str, acronyms: dict[str, str]) -> list[str]:
        """Search tokens for the other form of each acronym the documents define: "FAA" also finds "Federal
        Aviation Administration" and the long form also finds "FAA"."""
        extra: list[str] = []
        words = set(re.findall(r"[A-Za-z][\w&]*", question))
        lowered = question.lower()
        for short, long in acronyms.items():
            if short in words:
                extra.extend(search_tokens(long))
            elif long.lower() in lowered:
                extra.extend(search_tokens(short))
        return extra

    def _retrieve(self, question: str, history: list[str], follow_on: bool = True,
                  extra_tokens: list[str] = (), pro_drop: bool = False, typed: str = "",
                  apart: frozenset[str] = frozenset()) -> tuple[Reader, Query, list]:
        """The reader, the query and its hits. With follow_on, a follow-up's query also knows the answer the
        previous question got (what the user has just read); the hits do not depend on it. pro_drop: the
        conversation is read in translation from a language that leaves subjects unstated (resolve_followup).
        typed: the question as the user wrote it, when question is its translation (Query.typed). apart: its own
        words that the translation lacks, searched apart (Retriever.search)."""
        if self._reader is None:
            self.reload()
        with self._lock:
            reader, acronyms = self._reader, self._acronyms
        read_as = resolve_followup(question, history, pro_drop)
        long_forms = self._long_forms(read_as, reader)
        if long_forms:  # "the EU" in a folder that only says "the European Union" is read as that
            question, read_as = (UNWRITTEN_ACRONYM.sub(lambda m: long_forms.get(m.group(0), m.group(0)), text)
                                 for text in (question, read_as))
        vector = self.embedder.encode_query(read_as)
        # When no referent could be named, the earlier question was put in front: its words count half.
        leaned = read_as.endswith(question) and read_as != question
        own = question if leaned else read_as
        tokens = search_tokens(own)
        spelling_tokens, spelled = self._ampersand_spellings(own, reader)
        tokens += [t for t in self._expansions(own, acronyms) + spelling_tokens + list(extra_tokens)
                   if t not in tokens]
        history_tokens = [t for t in search_tokens(read_as[:len(read_as) - len(question)]) if t not in tokens] \
            if leaned else []
        said: tuple = ()
        if follow_on and read_as != question:
            _, previous, previous_hits = self._retrieve(history[-1], history[:-1], pro_drop=pro_drop)
            reading = reader.read(previous, previous_hits[:self.settings.read_k])
            if not reading.abstained:
                said = tuple((c.source, c.start, c.end) for c in reading.citations[:1])
        query = Query(read_as, vector, tokens, history_tokens, said, asked=question, typed=typed,
                      documents=asked_documents(reader, question, tokens, history), spelled=spelled,
                      keyword=read_as == question and keyword_query(question))
        hits = reader.retriever.search(vector, tokens + history_tokens, question=own,
                                       encode=self.embedder.encode_query, documents=query.documents, apart=apart)
        return reader, query, hits

    def _long_forms(self, question: str, reader: Reader) -> dict[str, str]:
        """{acronym: long form} for each acronym of the question that no passage writes but some passage spells
        out (nlp.spelled_out)."""
        retriever = reader.retriever
        wanted = [a for a in dict.fromkeys(UNWRITTEN_ACRONYM.findall(question))
                  if (tokens := search_tokens(a)) and not retriever.document_frequency(tokens[0])][:MAX_SPELLED]
        return {a: long for a, long in self._in_passages(retriever.store, wanted, spelled_out).items() if long}

    def _ampersand_spellings(self, question: str, reader: Reader) -> tuple[list[str], frozenset[str]]:
        """(search tokens of the words the documents write for each acronym with an ampersand the question uses,
        the search tokens of those acronyms' letters): "R&D" also finds "Research and development", and names a
        table row labelled so (table_rows.py); and "SG" of "SG&A" is a term the documents mention (Query.spelled)
        where they write "Sales, general and administrative". The acronym's own letters stay searched: a folder
        may write it too."""
        wanted = list(dict.fromkeys(AMPERSAND_ACRONYM.findall(question)))[:MAX_SPELLED]
        found = {a: spellings for a, spellings in
                 self._in_passages(reader.retriever.store, wanted, ampersand_spellings).items() if spellings}
        tokens = [t for spellings in found.values() for spelling in spellings for t in search_tokens(spelling)]
        return tokens, frozenset(t for acronym in found for t in search_tokens(acronym.replace("&", " ")))

    def _in_passages(self, store: Store, acronyms: list[str], find) -> dict:
        """{acronym: find(acronym, the text of every passage)}, each acronym searched once per store and finder."""
        if not acronyms:
            return {}
        with self._lock:
            kept, known = self._spelled
        if kept is not store or len(known) > MAX_SPELLED_KEPT:
            kept, known = store, {}
        missing = [a for a in acronyms if (find, a) not in known]
        if missing:
            text = "\n".join(c.text for c in store.chunks)
            known = {**known, **{(find, a): find(a, text) for a in missing}}
            with self._lock:
                self._spelled = (store, known)
        return {a: known[find, a] for a in acronyms}

    def prepare(self, questions: list[str]) -> None:
        """Encode a batch of standalone questions in one call and search the store for all of them in one call
        (`ask --jsonl`, `eval`): with Milvus across a network that is one round trip for the batch. Answers are
        the same as without it; questions that are not plain English are left to ask()."""
        texts = []
        for question in questions:
            try:
                question = validate_question(question, self.settings.max_question_chars)
            except QuestionError:
                continue
            if reads_latin(question) and detect_language(question) == ENGLISH:
                texts.append(question)
        encode_many = getattr(self.embedder, "encode_queries", None)
        if not texts or encode_many is None:
            return
        if self._reader is None:
            self.reload()
        with self._lock:
            reader = self._reader
        reader.retriever.prefetch(encode_many(texts))

    def retrieve(self, question: str, history: tuple[str, ...] | list[str] = ()) -> list:
        """The ranked hits for a question, as ask() sees them (used by eval for recall): a Spanish question is
        searched in its English translation with its own names and words, as ask() searches it."""
        question = validate_question(question, self.settings.max_question_chars)
        history = [h for h in history if h and h.strip()]
        return self.read_question(question, history, follow_on=False)[4]

    def read_question(self, question: str, history: list[str], follow_on: bool = True
                      ) -> tuple[str, str, Reader, Query, list]:
        """(language, the question in English, the reader, the query, its hits) for a question as asked: a Spanish
        one read in translation (in_english), its conversation as a Spanish one is (resolve_followup's pro_drop)."""
        language, english, english_history, extra = self.in_english(question, history)
        reader, query, hits = self._search_english(question, language, english, english_history, extra, follow_on)
        return language, english, reader, query, hits

    def _search_english(self, question: str, language: str, english: str, english_history: list[str],
                        extra: list[str], follow_on: bool = True) -> tuple[Reader, Query, list]:
        """(the reader, the query, its hits) for a question already read in English (in_english). Its own words
        that neither the translation nor its names have are searched apart (Retriever.search)."""
        apart = frozenset() if language == ENGLISH else frozenset(spanish_tokens(question)) - set(
            search_tokens(english)) - set(search_tokens(" ".join(named_terms(question))))
        return self._retrieve(english, english_history, follow_on, extra, pro_drop=language != ENGLISH,
                              typed="" if language == ENGLISH else question, apart=apart)

    def in_english(self, question: str, history: list[str]) -> tuple[str, str, list[str], list[str]]:
        """(the question's language, the question and the history in English, extra search tokens): a Spanish
        question is read in Apertium's translation, and searched with its names, acronyms and numbers as typed
        (translation mangles them) and its Spanish words (which find Spanish documents). Where Apertium's
        dictionary gives a word several translations, the ones the documents use are preferred ("receta" is a
        prescription in a folder about health records, a recipe in a cookbook)."""
        language = detect_language(question)
        if language == ENGLISH:
            return language, question, history, []
        known, alternatives = self._document_words()
        english = translator().translate(question, language, ENGLISH, known, alternatives, question=True)
        if about_kind(english, alone=not history) is None:
            # A question about the document itself asks nothing of its words, so they do not choose its senses:
            # "¿Quién escribió esta guía?" read "Who typed this guide?" over a text that speaks of a type of error
            # and never of writing. Apertium's own reading is taken when that one is about the document (R93e).
            own = translator().translate(question, language, ENGLISH, question=True)
            if about_kind(own, alone=not history) is not None:
                english = own
        # Spanish leaves a subject unstated and Apertium writes "it" for it ("¿Cuándo murió Pedro Ruiz?": "When it
        # died Pedro Ruiz?"), which would read as a pronoun pointing at the earlier turn. A question that names a
        # name or acronym of its own asks about that: it stands alone.
        terms = named_terms(question)
        names = [t for t in terms if not is_number(t)]
        english_history = [] if names else [translator().translate(h, detect_language(h), ENGLISH, known,
                                                                   alternatives, question=True) for h in history]
        extra = [t for t in search_tokens(" ".join(terms)) if t not in search_tokens(english)]
        return language, english, english_history, extra + spanish_tokens(question)

    def _document_words(self):
        """(known, alternatives) for prefer_senses over the indexed passages (translate.word_choices); the table
        of their words' Spanish translations is made on the first Spanish question a store gets."""
        if self._reader is None:
            self.reload()
        with self._lock:
            retriever, store, table = self._reader.retriever, self._store, self._back_translations
        if table is None or table[0] is not store:
            words = vocabulary(_english_texts(store.chunks))
            table = (store, back_translations(words), cognate_index(words))
            with self._lock:
                if self._store is store:
                    self._back_translations = table
        return word_choices(retriever.document_frequency, table[1], table[2])

    def _go_on(self, question: str, history: list[str], started: float) -> Answer:
        """The answer to a request to go on ("Tell me more", "¿Qué más?"): the document's unit after the one the
        earlier answer quoted, under the same heading (going_on). The earlier answer is asked again: history
        holds the questions, and the same index answers them the same way."""
        language = detect_language(question)

        def declined(key: str, **values) -> Answer:
            return Answer(question=question, answer=None, abstained=True, score=0.0, message=messages.text(
                key, language, **values), timings_ms={"total": (time.perf_counter() - started) * 1000},
                language=language)

        earlier = earlier_question(history)
        if earlier is None:
            return declined("go_on_nothing")
        at, steps = earlier
        previous = self.ask(history[at], history[:at])
        if previous.abstained or not previous.citations:
            return declined("go_on_unanswered")
        with self._lock:
            reader = self._reader
        quoted = previous.citations[0]
        if quoted.kind == "row":
            # A table row tells more about itself in the text around the table: "1950 | Crane hall built" in a
            # timeline, and the paragraph on the hall. The earlier question read in the text alone is the first
            # step; without one, the request reads on down the table.
            in_text = self._read_in_text(history[at], history[:at])
            if in_text is not None:
                quoted, steps = in_text, steps - 1
        found = unit_after(reader.retriever.store, quoted, steps) if steps else (None, quoted.start, quoted.end)
        if found is None:  # the section ends: name the next one, which the asker may want instead
            section = next_section(reader.retriever.store, quoted)
            return declined("go_on_end_next", section=section) if section else declined("go_on_end")
        chunk, start, end = found
        citation = quoted if chunk is None else reader.citation(1, chunk, start, end, previous.score)
        citation = reader.retriever.with_printed_pages([citation])[0]
        return Answer(question=question, answer=citation.quote, abstained=False, score=previous.score,
                      citations=(citation,), timings_ms={"total": (time.perf_counter() - started) * 1000},
                      language=language, translation=_translation(citation, question, language))

    def _read_in_text(self, question: str, history: list[str]) -> Citation | None:
        """The first citation of a question's answer read in text passages alone (no table row); None when that
        reading declines."""
        language, english, english_history, extra = self.in_english(question, history)
        reader, query, hits = self._search_english(question, language, english, english_history, extra)
        reading = reader.read(query, [h for h in hits if h.chunk.kind != "row"][:self.settings.read_k])
        return None if reading.abstained or not reading.citations else reading.citations[0]

    def ask(self, question: str, history: tuple[str, ...] | list[str] = ()) -> Answer:
        """The answer to a question (English or Spanish), in the document's words, with its citations.

        A Spanish question is translated to English for retrieval and reading, and its names, acronyms and
        numbers are searched as typed too; fixed texts follow the question's language, and an answer in
        another language than the question's comes with a labelled machine translation.
        """
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        history = [validate_question(h, self.settings.max_question_chars, need_words=False)
                   for h in history if h and h.strip()]
        if not reads_latin(question):  # neither English nor Spanish: no model here reads it
            return Answer(question=question, answer=None, abstained=True, score=0.0,
                          timings_ms={"total": (time.perf_counter() - started) * 1000},
                          message="questions can be asked in English or Spanish")
        # "Tell me more": what the document says after the last answer's quote. One word alone opening a
        # conversation ("continue", "more") is searched as any keyword is: a manual may explain it.
        if is_request_to_go_on(question) and (history or len(question.split()) > 1):
            return self._go_on(question, history, started)
        talk = small_talk(question)
        if talk is not None:  # "Hi", "Thanks", "What can you do?": a reply of our own, no search
            language = detect_language(question)
            return Answer(question=question, answer=None, abstained=True, score=0.0, language=language,
                          message=messages.text(f"small_talk_{talk}", language), conversational=True,
                          timings_ms={"total": (time.perf_counter() - started) * 1000})
        language, english, english_history, extra = self.in_english(question, history)
        if history and names_nothing(english):
            # "Since when?", "¿Por quién?": a fragment has nothing to look for, and read with the earlier question
            # it gets that question's answer back whether or not the documents say (docs/answering.md, section 4).
            return Answer(question=question, answer=None, abstained=True, score=0.0,
                          timings_ms={"total": (time.perf_counter() - started) * 1000},
                          message=messages.text("fragment", language), language=language)
        reader, query, hits = self._search_english(question, language, english, english_history, extra)
        retrieved = time.perf_counter()
        reading = reader.read(query, hits[:self.settings.read_k])
        # Issue 11 wiring (retrieval.py): a question about an organisation no document is about abstains, and
        # citations carry the page number printed on their page.
        unmatched = reader.retriever.unmatched_entities(english)
        # ... and so does one about a quarter no document of the company it names covers.
        uncovered = None if unmatched else reader.retriever.uncovered_quarter(english)
        abstained = reading.abstained or bool(unmatched) or uncovered is not None
        citations = reader.retriever.with_printed_pages(reading.citations)
        done = time.perf_counter()
        text, translation = None, None
        if not abstained:
            text = citations[0].quote
            translation = _translation(citations[0], question, language)
        timings = {"retrieve": (retrieved - started) * 1000, "read": (done - retrieved) * 1000,
                   "total": (time.perf_counter() - started) * 1000}
        if unmatched:
            names = f" {messages.text('or', language)} ".join(unmatched)
            message = messages.text("no_document", language, names=names)
        elif uncovered:
            message = messages.text("no_quarter", language, company=uncovered[0], quarter=uncovered[1])
        elif reading.terms:  # "the documents never mention “Heisenberg”; check the spelling, ..."
            terms = [messages.text("quoted", language, text=t) for t in reading.terms]
            listed = ", ".join(terms[:-1]) + f" {messages.text('nor', language)} " + terms[-1] if len(terms) > 1 \
                else terms[0]  # "“Heisenberg”, “Bohr” or “Copenhagen”"
            # A number is not misspelt: "2031" is a year no document gives, so the advice is what to ask instead.
            key = "unknown_number" if all(is_number(t) for t in reading.terms) else "unknown_named"
            message = messages.text(key, language, terms=listed)
        else:
            message = messages.text(reading.reason, language) if reading.reason else ""
        return Answer(
            question=question, answer=text, abstained=abstained,
            score=0.0 if unmatched or uncovered else reading.score,
            citations=citations, timings_ms=timings, message=message,
            answer_span=None if abstained else reading.span,
            read_as=query.question if query.question != question else "",
            language=language, translation=translation,
        )


def _translation(citation: Citation, question: str, language: str) -> Translation | None:
    """The machine translation of a citation's quote into the asker's language, when the document's differs and
    the translation reads otherwise than the quote (a name or a figure alone reads the same: no line for it)."""
    # The document's language, detected on its text (or its page's): a quote alone can be too short to tell, and
    # lingua takes an English row such as "| Total | $4,514 |" for Spanish.
    source_language = citation.language
    if source_language == language:
        return None
    # The asker's own words choose among a word's translations ("quarter": "trimestre", not "barrio").
    known = words_of(question, language)

    def translate(part: str) -> str:
        return translator().translate(part, source_language, language, known=known)

    # A table row is translated cell by cell: as one text its words move across the cells.
    text = citation.quote
    translated = translate_row(text, translate, language) if citation.kind == "row" else translate(text)
    if translated.split() == text.split():
        return None
    return Translation(translated, source_language, language, messages.text("translation", language))
