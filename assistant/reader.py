"""Extractive reading: choose the sentence or table row that answers, copy it verbatim, or abstain."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .retrieval import Retriever
from .schema import Chunk, Citation, Hit
from .text import STOPWORDS, YEAR, _stem, is_number, raw_tokens, search_tokens

_DANGLING_START = re.compile(r"^(it|its|this|these|they|their|that|those|he|she|such|both)\b", re.I)
# "Who ..." opening the question or a clause of it ("Besides X, who is ..."), not a relative "people who ...".
_CLAUSE_START = r"(?:^\s*|[,;:]\s*|\b(?:and|but|so|then)\s+)"
# Roles only a person fills: "Who is the president of ...?" wants a person's name, not the agency's.
_ROLE_WORDS = (r"president|minister|secretary|director|head|chief|ceo|founder|chair|chairman|chairwoman|chairperson|"
               r"leader|governor|mayor|commissioner|astronaut|author|ambassador|spokesperson|spokesman|spokeswoman")
_PERSON_ROLES = rf"(?:vice[- ]president|prime minister|{_ROLE_WORDS})s?\b"
# The role a person question names, which the answering sentence must name too ("heads" -> head).
_PERSON_ROLE_NOUN = re.compile(rf"\b(?:vice[- ]|prime )?({_ROLE_WORDS}|headed|chaired)s?\b", re.I)
# What kind of value a question asks for, tried in this order; a sentence lacking it cannot answer.
_ANSWER_TYPES = (
    ("when", re.compile(r"^\s*(when|since when|by when|until when)\b|\b(what|which) (year|date|month|decade)\b"
                        r"|\bin what year\b", re.I)),
    ("percent", re.compile(r"\bwhat (percentage|percent|share|proportion|fraction)\b|\bhow much of\b", re.I)),
    ("money", re.compile(r"\b(budget|cost|costs|spend|spending|spent|price|funding|invest(ed|ment)?|revenue|fees?|pays?|paid|"
                         r"salary|worth|gdp)\b|\bhow much (money|does it cost|did it cost)\b|\btotal value\b", re.I)),
    ("count", re.compile(r"\bhow many\b|\bpopulation\b|\bnumber of\b", re.I)),
    ("quantity", re.compile(r"\bhow (much|large|big|fast|far|long|old|often)\b|\bby how much\b|\bwhat (rate|figure|"
                            r"rank|ranking|growth|amount|size|level|total)\b|\bwhich rank\b", re.I)),
    ("person", re.compile(_CLAUSE_START + r"who\s+(?:(?:is|was|are|were|will be)\s+(?:the\s+|its\s+|their\s+|"
                          r"[\w-]+['’]s\s+)?(?:[\w-]+\s+){0,2}?" + _PERSON_ROLES + r"|(?:heads|headed|chairs|chaired|"
                          r"wrote|authored)\b)|\b(?:name|names) of (?:the|its|their) (?:[\w-]+\s+){0,2}?" + _PERSON_ROLES,
                          re.I)),
    ("who", re.compile(_CLAUSE_START + r"(who|whom|whose)\b|\bwhich (body|bodies|agency|institution|institute|"
                       r"organi[sz]ations?)\b", re.I)),
    ("name", re.compile(r"\b(what|which) (is|was|are|were) the names?\b|\bwhat (is|was) (it|he|she) called\b|"
                        r"\bwhich (company|companies|firm|firms|organi[sz]ation|manufacturer|vendor)\b", re.I)),
)
# A question that names where to look: "according to the introduction", "in the closing section".
_SECTION_NAMES = {
    "abstract": ("abstract", "summary"), "summary": ("summary", "abstract", "overview"),
    "introduction": ("introduction", "background"), "intro": ("introduction",), "opening": ("introduction",),
    "background": ("background", "introduction"), "overview": ("overview", "introduction"),
    "conclusion": ("conclusion",), "conclusions": ("conclusion",), "concluding": ("conclusion",),
    "closing": ("conclusion", "closing"), "final": ("conclusion", "final"),
    "methodology": ("methodology", "methods"), "methods": ("methods", "methodology"),
    "results": ("results", "findings"), "findings": ("findings", "results"), "discussion": ("discussion",),
    "recommendations": ("recommendations",), "appendix": ("appendix", "annex"), "annex": ("annex", "appendix"),
}
_SECTION_CUE = re.compile(r"\b(?:according to|in|from|within|per|by) the (\w+)(?: (?:section|part|chapter|paragraph))?\b"
                          r"|\bthe (\w+) (?:section|part|chapter)\b", re.I)
_MONTHS = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|"
                     r"december)\b", re.I)
_MONEY = re.compile(r"[$€£¥]|\b(usd|mxn|eur|gbp|pesos?|dollars?|euros?)\b", re.I)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")

# Features of a candidate sentence, in the order of ReaderSettings.rank_weights.
RANK_FEATURES = ("dense", "dense_question", "coverage", "history_coverage", "type_match", "chunk_prior", "short",
                 "phrase", "chunk_dense", "repeat", "named_section")
HISTORY_WEIGHT = 0.5  # weight of a term that only an earlier question contributes, against the question's own
SHORT_WORDS = 6  # fewer words than this is a heading, a name or a reference, rarely an answer
RARE_SHARE = 0.1  # a named term in at most this share of chunks is specific enough to demand in the answer
# Features of the best candidate that decide abstention. The first three are vetoes: each means the
# documents do not give what the question asks for. The rest are weighed by ReaderSettings.answer_weights.
ANSWER_FEATURES = ("type_missing", "number_missing", "key_missing", "key_elsewhere", "off_topic", "dense",
                   "coverage", "agreement", "short")
VETOES = 5


@dataclass(frozen=True)
class ReaderSettings:
    """Weights and thresholds, fitted on tests/gold/questions.jsonl (see docs/answering.md)."""

    # Grid search for the most gold questions whose top candidate holds the answer (RANK_FEATURES order);
    # the last two (repeat, named_section) were searched with the first nine fixed.
    rank_weights: tuple[float, ...] = (1.0, 0.5, 0.6, 0.2, 0.2, 0.05, 0.0, 0.4, 0.25, -0.2, 0.3)
    # Logistic regression (C=0.3, balanced classes) on the questions no veto decides; ANSWER_FEATURES[VETOES:].
    answer_weights: tuple[float, ...] = (0.3, 0.84, 0.54, -0.2)
    answer_bias: float = -1.0
    answer_threshold: float = 0.2  # answer when the fitted confidence is at least this
    max_missing_keys: float = 0.5  # veto when more than this share of the named terms is absent from the corpus
    off_topic_dense: float = 0.2  # veto when the best sentence is this far from the question in meaning...
    off_topic_coverage: float = 0.5  # ... and shares less than this (idf-weighted) of the question's terms
    support_ratio: float = 0.85  # further citations need this share of the best candidate's rank score
    # When the best sentence of a question for a person names nobody, a sentence of the same passage that
    # names someone answers instead if it scores at least this share of the best ("Who directs X?": "X was
    # founded in 2010. Its director is Jane Roe.").
    typed_ratio: float = 0.6
    max_citations: int = 3


@dataclass(frozen=True)
class Query:
    """A question as the reader sees it: its own terms, and the terms it inherits from earlier turns."""

    question: str
    vector: np.ndarray  # the question with its referent (equal to question_vector for a stand-alone one)
    question_vector: np.ndarray
    tokens: list[str]  # the question's own search tokens
    history_tokens: list[str]  # tokens only the earlier turns contribute
    # (source, start, end) of the answer the previous question got, when this one follows up on it: the user
    # has read that sentence, and "And what's limiting their growth?" asks for something new.
    said: tuple[tuple[str, int, int], ...] = ()

    @cached_property
    def kind(self) -> str:
        return question_kind(self.question)


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    hit: Hit
    start: int
    end: int
    features: np.ndarray
    score: float
    # Where the answer shown for it starts: the sentence before, when this one cannot stand alone ("It ...").
    answer_start: int

    @property
    def text(self) -> str:
        return self.chunk.text[self.start - self.chunk.start:self.end - self.chunk.start]


@dataclass(frozen=True)
class Reading:
    abstained: bool
    score: float  # probability that the answer is right, from the fitted answer model
    citations: tuple[Citation, ...]
    reason: str = ""


def question_kind(question: str) -> str:
    for kind, pattern in _ANSWER_TYPES:
        if pattern.search(question):
            return kind
    return "other"


def has_kind(kind: str, text: str, question: str = "") -> bool:
    """Whether text holds the kind of value the question asks for (always true for open questions)."""
    tokens = raw_tokens(text)
    numbers = [t for t in tokens if is_number(t)]
    if kind == "when":
        return bool(YEAR.search(text) or _MONTHS.search(text))
    if kind == "money":
        return bool(_MONEY.search(text)) and bool(numbers)
    if kind == "percent":
        return any(t.endswith("%") for t in numbers) or bool(re.search(r"\bper ?cent\b|\bhalf\b|\bthird\b", text))
    if kind == "count":
        if any(not t.endswith("%") and not YEAR.fullmatch(t) for t in numbers) or \
                re.search(r"\b(million|billion|thousand|hundred|dozen)\b", text, re.I):
            return True
        # "How many users ..." is answered by "28% of users", not by a share of something else.
        asked = re.search(r"\bhow many (\w+)", question, re.I)
        return bool(asked) and any(_stem(m.lower()) == _stem(asked.group(1).lower())
                                   for m in re.findall(r"\d%\s+of\s+(?:the\s+)?(\w+)", text))
    if kind == "quantity":
        return bool(numbers)
    if kind == "person":
        # Someone the question did not name, and, when it asks for a role, a sentence that names the role:
        # "Who was prime minister in 2007?" is not answered by a sentence that names only an ambassador.
        asked = set(raw_tokens(question))
        role = _PERSON_ROLE_NOUN.search(question)
        if role and _stem(role.group(1).lower()) not in {_stem(w) for w in raw_tokens(text)}:
            return False
        return any(not all(w.lower() in asked for w in name.split()) for name in person_names(text))
    if kind in ("name", "who"):
        # A new name the question did not give; bare acronyms (ISS, IFT) abbreviate things, not names.
        asked = set(raw_tokens(question))
        return any(not (name.isalpha() and name.isupper())
                   for name in proper_names(text) if name.lower() not in asked)
    return True


_FUNCTION_WORDS = frozenset("a an the of in on at to for by with and or is are was were be its it this that what which who "
                            "whom how when where why do does did has have had".split())


def named_sections(question: str) -> tuple[str, ...]:
    """Section words the question points to ("according to the introduction" -> introduction, background)."""
    out: list[str] = []
    for match in _SECTION_CUE.finditer(question):
        out.extend(_SECTION_NAMES.get((match.group(1) or match.group(2)).lower(), ()))
    return tuple(_stem(w) for w in out)


def phrase_tokens(text: str) -> set[tuple[str, str]]:
    """Adjacent word pairs (stemmed, function words dropped): shared phrases, not just shared words."""
    words = [w if not w.isalpha() else _stem(w) for w in raw_tokens(text) if w not in _FUNCTION_WORDS]
    return set(zip(words, words[1:]))


# Words that make a run of capitalised words an organisation, a place or a programme rather than a person.
_NOT_PERSON = frozenset("""
academy access act administration affairs agency agenda alliance america american association authority bank board
broadband bureau business center centre city commerce commission committee communications company cooperation
corporation council court data department development digital division economic economy education energy federal
finance financial forum foundation fund global government group guide health healthcare index industries industry
initiative institute international internet journal kingdom law league market markets ministry mission national
network news north office online organisation organization outlook party plan platform policy press products
program programme project public reform report republic research review school science secretariat service
services solutions south space state states station strategy summit survey system systems technologies technology
telecommunications trade union united university world
african asian cyber eastern european key latin northern new open smart southern western
""".split())
# Common-noun endings (Transformation, Government, Healthcare): names seldom end so.
_NOUN_ENDING = re.compile(r"(tion|sion|ment|ness|ity|ics|ance|ence|ship|ure|ism|ogy|care|ware)$")
# Not "-ing" (Rowling, Fleming, Xi Jinping): the common title-case nouns in -ing are listed instead.
_ING_NOUNS = frozenset("""
accounting advertising banking broadcasting building computing consulting engineering financing funding housing
learning manufacturing marketing mining monitoring networking nursing planning printing processing programming
publishing reporting shopping teaching testing trading training
""".split())
_PARTICLES = frozenset("de del della der di da dos du la le van von y bin al".split())
_NAME_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ɏ'’-]+|[A-Z]\.")


def person_names(text: str) -> list[str]:
    """Runs of two or more capitalised words that could name a person ("Claudia Sheinbaum", "Neri Vela").

    Without a named-entity model this is a heuristic: a run holding a word such as Institute, Agency,
    National or City names an organisation or a place instead.
    """
    names = []
    for piece in re.split(r"(?<=[^\W\d_]{2}[.!?])\s+|[,;:()\[\]\"“”\t\n]", text):  # sentences, clauses, cells
        names.extend(_person_runs(piece))
    return names


def _person_runs(text: str) -> list[str]:
    names = []
    for run in re.finditer(r"(?:[A-ZÀ-ÖØ-Þ][\wÀ-ɏ'’.-]*(?:\s+(?:(?:%s)\s+)*)?)+" % "|".join(_PARTICLES), text):
        words = [w if len(w) <= 2 else w.rstrip(".") for w in run.group(0).split()]  # "J." stays, "Soto." not
        words = [w for w in words if w not in _PARTICLES]
        # A word that cannot be part of a name splits the run: "Education Minister Jaak Aaviksoo".
        part: list[str] = []
        for w in words + [""]:
            if w and _NAME_WORD.fullmatch(w) and w.lower() not in STOPWORDS and not _names_a_thing(w):
                part.append(w)
                continue
            if len(part) >= 2:
                names.append(" ".join(part))
            part = []
    return names


def _names_a_thing(word: str) -> bool:
    word = re.sub(r"['’]s$", "", word).lower()
    return word in _NOT_PERSON or word in _ING_NOUNS or bool(_NOUN_ENDING.search(word))


def proper_names(text: str) -> list[str]:
    """Capitalised words that do not merely start a sentence, line or table cell."""
    names = []
    for piece in re.split(r"[\t\n]|(?<=[.!?:;])\s", text):
        for i, match in enumerate(_WORD.finditer(piece)):
            word = match.group(0)
            if i > 0 and word[0].isupper():
                names.append(re.sub(r"['’]s$", "", word))
    return names


class Reader:
    def __init__(self, retriever: Retriever, settings: ReaderSettings = ReaderSettings()):
        self.retriever = retriever
        self.settings = settings
        self._rank_w = np.asarray(settings.rank_weights, dtype=np.float32)
        self._answer_w = np.asarray(settings.answer_weights, dtype=np.float64)

    def key_terms(self, question: str) -> list[str]:
        """Terms a user names precisely: numbers, acronyms and capitalised names (not the first word)."""
        keys = []
        for pos, word in enumerate(re.findall(r"[\w.%$-]+", question)):
            w = word.strip(".-")
            if w and (is_number(w) or (w.isupper() and len(w) >= 2) or (pos > 0 and w[:1].isupper() and len(w) > 2)):
                keys.extend(search_tokens(w)[:1])
        return [k for k in keys if k]

    def missing_key_share(self, question: str) -> float:
        keys = self.key_terms(question)
        if not keys:
            return 0.0
        return sum(self.retriever.document_frequency(k) == 0 for k in keys) / len(keys)

    def keys_elsewhere(self, question: str, chunk: Chunk) -> list[str]:
        """Named terms of the question that the corpus has, but not the answer's passage: it is about another thing."""
        here = set(search_tokens(chunk.search_text()))
        prefixes = {t[:5] for t in here if len(t) >= 5}  # "Mexican" is there when "Mexico" is, COVID with COVID-19
        rare = max(1.0, RARE_SHARE * self.retriever.n_chunks)  # a common name (the country) names no one thing
        return [k for k in self.key_terms(question)
                if 0 < self.retriever.document_frequency(k) <= rare and k not in here
                and not (len(k) >= 5 and k[:5] in prefixes)]

    def candidates(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        kind = query.kind
        idf = self.retriever.idf
        # A follow-up's own words are few ("What are they using them for?"): its referent's terms count too.
        weights = {t: idf(t) for t in set(query.tokens)}
        weights.update({t: HISTORY_WEIGHT * idf(t) for t in set(query.history_tokens) if t not in weights})
        total = sum(weights.values()) or 1.0
        history = {t: idf(t) for t in set(query.history_tokens)}
        history_total = sum(history.values()) or 1.0
        bigrams = phrase_tokens(query.question)
        sections = set(named_sections(query.question))
        store = self.retriever.store
        out: list[Candidate] = []
        for rank, hit in enumerate(hits):
            chunk = hit.chunk
            units = store.units_of(store.by_id[chunk.id]).astype(np.float32)
            dense = units @ query.vector
            dense_q = units @ query.question_vector
            section_tokens = set(search_tokens(chunk.section))
            context = section_tokens | set(search_tokens(" ".join(chunk.headers)))
            in_named_section = 1.0 if sections & section_tokens else 0.0
            texts = [chunk.text[s - chunk.start:e - chunk.start] for s, e in chunk.units]
            unit_tokens = [set(search_tokens(text)) for text in texts]
            for j, (s, e) in enumerate(chunk.units):
                text = texts[j]
                found = unit_tokens[j] | context
                # "Its director is ..." is shown with the sentence before it, and the words it leans on stand
                # there: the two are matched against the question together.
                leans = j > 0 and chunk.kind == "text" and bool(_DANGLING_START.match(text))
                answer_start = chunk.units[j - 1][0] if leans else s
                matched = chunk.text[answer_start - chunk.start:e - chunk.start]
                leaned = unit_tokens[j - 1] - found if leans else set()
                features = np.array([
                    dense[j], dense_q[j],
                    sum(w if t in found else HISTORY_WEIGHT * w for t, w in weights.items()
                        if t in found or t in leaned) / total,
                    sum(w for t, w in history.items() if t in found) / history_total if history else 0.0,
                    1.0 if kind != "other" and has_kind(kind, text, query.question) else 0.0,
                    1.0 / (1 + rank),
                    1.0 if len(text.split()) < SHORT_WORDS else 0.0,
                    len(bigrams & phrase_tokens(matched)) / len(bigrams) if bigrams else 0.0,
                    hit.dense_score if hit.dense_score is not None else 0.0,
                    1.0 if any(src == chunk.source and a <= s and e <= b for src, a, b in query.said) else 0.0,
                    in_named_section,
                ], dtype=np.float32)
                out.append(Candidate(chunk, hit, s, e, features, float(features @ self._rank_w), answer_start))
        out.sort(key=lambda c: -c.score)
        return out

    def answer_features(self, query: Query, best: Candidate) -> np.ndarray:
        """ANSWER_FEATURES of the best candidate."""
        text = best.text
        sentence_raw = set(raw_tokens(text))
        kind = query.kind
        numbers = [t for t in raw_tokens(query.question) if is_number(t)]
        both_found = best.hit.dense_score is not None and best.hit.sparse_score is not None
        dense = best.features[RANK_FEATURES.index("dense")]
        coverage = best.features[RANK_FEATURES.index("coverage")]
        cfg = self.settings
        return np.array([
            0.0 if kind == "who" or has_kind(kind, text, query.question) else 1.0,
            1.0 if any(n not in sentence_raw and n.rstrip("%") not in sentence_raw for n in numbers) else 0.0,
            1.0 if self.missing_key_share(query.question) > cfg.max_missing_keys else 0.0,
            1.0 if self.keys_elsewhere(query.question, best.chunk) else 0.0,
            1.0 if dense < cfg.off_topic_dense and coverage < cfg.off_topic_coverage else 0.0,
            dense,
            coverage,
            1.0 if both_found else 0.0,
            best.features[RANK_FEATURES.index("short")],
        ], dtype=np.float64)

    def answer_confidence(self, features: np.ndarray) -> float:
        """0 when a veto holds; else the fitted probability that the best sentence answers."""
        if (features[:VETOES] > 0).any():
            return 0.0
        z = self.settings.answer_bias + float(features[VETOES:] @ self._answer_w)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def read(self, query: Query, hits: list[Hit]) -> Reading:
        cfg = self.settings
        cands = self.candidates(query, hits)
        if not cands or not (query.tokens or query.history_tokens):  # "?!" or emoji alone: nothing to look for
            return Reading(True, 0.0, (), "no passage matched the question")
        best = self._typed(query, cands)
        features = self.answer_features(query, best)
        probability = self.answer_confidence(features)
        if probability < cfg.answer_threshold:
            return Reading(True, probability, self._closest(cands), _abstain_reason(features))
        start, end = best.answer_start, best.end
        citations = [self._citation(1, best.chunk, start, end, probability)]
        used = {best.chunk.id}
        for cand in cands[1:]:
            if len(citations) >= cfg.max_citations or cand.score < cfg.support_ratio * best.score:
                break
            if cand.chunk.id in used or (cand.start < end and start < cand.end):
                continue
            used.add(cand.chunk.id)
            citations.append(self._citation(len(citations) + 1, cand.chunk, cand.start, cand.end,
                                            probability * cand.score / best.score))
        return Reading(False, probability, tuple(citations))

    def _typed(self, query: Query, cands: list[Candidate]) -> Candidate:
        """The best candidate, or the best of its passage that holds the kind of value the question asks for."""
        best, kind = cands[0], query.kind
        # Only for people: a passage holds few names, so one of them is likely the answer; years, counts and
        # shares are everywhere, and taking another sentence's number answers near misses wrongly (measured:
        # four unanswerable "when" questions got the IFT's 2013).
        if kind != "person" or has_kind(kind, best.text, query.question):
            return best
        for cand in cands[1:]:
            if cand.score < self.settings.typed_ratio * best.score:
                break
            if cand.chunk.id == best.chunk.id and has_kind(kind, cand.text, query.question):
                return cand
        return best

    def _closest(self, cands: list[Candidate]) -> tuple[Citation, ...]:
        out, used = [], set()
        for cand in cands:
            if cand.chunk.id in used:
                continue
            used.add(cand.chunk.id)
            out.append(self._citation(len(out) + 1, cand.chunk, cand.start, cand.end, 0.0))
            if len(out) >= self.settings.max_citations:
                break
        return tuple(out)

    def _citation(self, n: int, chunk: Chunk, start: int, end: int, score: float) -> Citation:
        title = self.retriever.store.manifest["files"].get(chunk.source, {}).get("title", "")
        return Citation(n=n, source=chunk.source, section=chunk.section, page=chunk.page, start=start, end=end,
                        quote=chunk.text[start - chunk.start:end - chunk.start], passage=chunk.text,
                        passage_start=chunk.start, score=round(score, 4), title=title, headers=chunk.headers,
                        kind=chunk.kind)


def _abstain_reason(features: np.ndarray) -> str:
    named = dict(zip(ANSWER_FEATURES, features))
    if named["off_topic"]:
        return "the documents do not seem to cover this topic"
    if named["key_elsewhere"]:
        return "the closest passage is about something else than what the question names"
    if named["key_missing"]:
        return "the question names something the documents never mention"
    if named["number_missing"]:
        return "the closest passage does not mention the number or year asked about"
    if named["type_missing"]:
        return "the closest passage does not give the kind of value asked for (a date, a figure or a name)"
    return "no passage answers the question closely enough"
