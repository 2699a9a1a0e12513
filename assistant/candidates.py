"""What the reader reads: every sentence or table row of the retrieved passages as a candidate answer, with the
features the fitted combination weighs (the reader model's logit, cosine, shared terms, retrieval's rank...), scored
and ordered best first. The reader model reads only the most promising candidates (ReaderSettings.max_candidates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .about import MAX_TITLE_LINES, asks_about_authors, title_block
from .answer_model import AnswerModel, Scored
from .nlp import asks_for_list
from .retrieval import Retriever
from .schema import Chunk, Hit, row_label
from .text import SPANISH_MARK, code_identifiers, heading_words, introduced, list_groups, search_tokens, wording

# A sentence that cannot stand alone ("It was closed in 1961."): shown with the sentence before it.
_DANGLING_START = re.compile(r"^(it|its|this|these|they|their|that|those|he|she|such|both)\b", re.I)
# Questions whose answer is an explanation, not a phrase: no answer phrase is marked for them. A "how" question
# keeps its phrase: its answer is often one ("How did the emperor die?" -> "drowned"; answer-phrase F1 of the
# "how" questions of the SQuAD validation articles 0.38 with the phrase against 0.25 with the whole sentence).
EXPLANATION = re.compile(r"^\s*(why|how come)\b", re.I)
HISTORY_WEIGHT = 0.5  # weight of a term only an earlier question contributes, against the question's own
# What the combination sees of each candidate, in the order of the fitted weights (models/reader/config.json).
FEATURES = ("logit", "dense", "coverage", "retrieval", "first_hit", "phrase", "repeat")
_LINK = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.I)


@dataclass(frozen=True)
class Query:
    """A question as the reader sees it, with its referent from earlier turns already resolved."""

    question: str  # the question as read: a follow-up's pronoun replaced by what it points at
    vector: np.ndarray
    tokens: list[str]  # search tokens of the question as read
    history_tokens: list[str] = ()  # tokens only earlier turns contribute (when no referent could be named)
    # (source, start, end) of the answer the previous question got, when this one follows up on it.
    said: tuple[tuple[str, int, int], ...] = ()
    asked: str = ""  # the question as typed (in English: a Spanish question's translation)
    typed: str = ""  # a question read in translation, as the user typed it; "" for one asked in English
    # The documents it asks about, the conversation considered (assistant.asked_documents): those it names, or
    # those an earlier question named when, as typed, it names none ("And its profit?" after a question about
    # one company's quarter); () when it is about no document in particular, or when the caller left it to the
    # tokens.
    documents: tuple[str, ...] = ()
    # Search tokens of its acronyms that the documents write only in words ("sg" of "SG&A" in a folder that writes
    # "Sales, general and administrative"): terms the documents mention, though no passage holds them.
    spelled: frozenset[str] = frozenset()
    # A keyword query (nlp.keyword_query) that the conversation leaves as typed: it has its own threshold.
    keyword: bool = False
    # A question about the document itself: its words that only ask that of the document (about.asking_tokens:
    # "wrote", "author", "article"), which no passage need hold.
    asking: frozenset[str] = frozenset()

    @cached_property
    def english_tokens(self) -> frozenset[str]:
        """Its search tokens without the Spanish stems a question read in translation is also searched with
        (text.spanish_tokens: they find Spanish passages; its English reading says what they say): what it names,
        as a heading in English would (R99b, docs/answering.md section 5)."""
        return frozenset(t for t in self.tokens if not t.startswith(SPANISH_MARK))

    @cached_property
    def wants_phrase(self) -> bool:
        return not EXPLANATION.search(self.asked or self.question)

    @cached_property
    def identifiers(self) -> list[str]:
        """The code identifiers it names as the user typed it ("-k", "BZ_OK"; text.code_identifiers)."""
        return code_identifiers(self.typed or self.asked or self.question)


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    hit: Hit
    start: int
    end: int
    answer_start: int  # where the answer shown starts: the sentence before, when this one cannot stand alone
    answer_end: int  # where it ends: past the list or unit a lead-in introduces ("Included tools are:"), else at end
    features: np.ndarray  # FEATURES
    scored: Scored | None  # the model's reading, for the candidates it read
    score: float  # ranking score: the candidates of a question are ordered by it
    answer_score: float  # the same features weighed to say whether this candidate answers (a logit)
    by_heading: bool = False  # the first item of a list its heading introduces, read (and answering) as the list

    @property
    def text(self) -> str:
        return self.chunk.text[self.start - self.chunk.start:self.end - self.chunk.start]

    @property
    def shown(self) -> str:
        """The answer as shown: the sentence, with the one before it or the list after it where it needs them."""
        return self.chunk.text[self.answer_start - self.chunk.start:self.answer_end - self.chunk.start]

    def model_text(self) -> str:
        return text_for_model(self.chunk, self.chunk.units.index((self.start, self.end)))


class Candidates:
    """Builds and scores a question's candidates: the sentences and rows of its hits, best first."""

    def __init__(self, retriever: Retriever, model: AnswerModel, fitted: dict, max_candidates: int,
                 acronyms: dict[str, str]):
        self.retriever = retriever
        self.model = model
        self.max_candidates = max_candidates
        # Acronyms the documents define, linked both ways when a sentence is matched with a question: a
        # sentence saying "FAA" covers a question's "Federal Aviation Administration", and the model reads
        # "FAA (Federal Aviation Administration)".
        self.acronyms = acronyms
        self._titles: dict[str, set[tuple[int, int]]] = {}  # a document's title block (_title_block), by source
        self._aliases = [(search_tokens(short)[0], frozenset(search_tokens(long)))
                         for short, long in acronyms.items() if search_tokens(short) and search_tokens(long)]
        self._expand = re.compile(r"\b(" + "|".join(map(re.escape, sorted(acronyms, key=len, reverse=True)))
                                  + r")\b") if acronyms else None
        self._weights = by_name(fitted.get("weights", [1.0]), fitted.get("features", FEATURES[:1]), FEATURES)
        self._bias = float(fitted.get("bias", 0.0))
        # The answer score: the same features fitted candidate by candidate ("does this one answer?"), which is
        # what the answer probability reads; the ranking weights above only order a question's candidates.
        scoring = fitted.get("answer_score", {"weights": fitted.get("weights", [1.0]), "bias": self._bias,
                                              "features": fitted.get("features", FEATURES[:1])})
        self._score_w = by_name(scoring["weights"], scoring["features"], FEATURES)
        self._score_b = float(scoring["bias"])

    def build(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        """Every sentence or row of the hits, best first; the model reads the max_candidates most promising."""
        idf = self.retriever.idf
        weights = {t: idf(t) for t in set(query.tokens)}
        weights.update({t: HISTORY_WEIGHT * idf(t) for t in set(query.history_tokens) if t not in weights})
        total = sum(weights.values()) or 1.0
        store = self.retriever.store
        pairs = _bigrams(query.tokens)
        wants_list = asks_for_list(query.question)  # then a lead-in is read, and answered, with its list
        authors = asks_about_authors(query.question)  # (only then is a title block's line a candidate)
        asked = query.english_tokens
        rows: list[tuple[Chunk, Hit, int, int, int, int, list[int], list[float]]] = []  # (candidate's, read, features)
        seen: set[tuple[str, int, int]] = set()
        said: set[tuple[str, ...]] = set()  # a sentence another hit holds word for word is read once, in the best
        for rank, hit in enumerate(hits):
            chunk = hit.chunk
            dense = store.units_of(store.by_id[chunk.id]).astype(np.float32) @ query.vector
            context = set(search_tokens(chunk.section)) | set(search_tokens(" ".join(chunk.headers)))
            texts = [chunk.text[s - chunk.start:e - chunk.start] for s, e in chunk.units]
            lists = list_groups(chunk.text, chunk.units, chunk.start, store.opens_section(chunk)) \
                if chunk.kind == "text" else {}
            introduces = introduced(chunk.text, chunk.units, chunk.start) if chunk.kind == "text" else {}
            for j, (s, e) in enumerate(chunk.units):
                if (chunk.source, s, e) in seen:  # overlapping chunks share a sentence: keep its best hit
                    continue
                if _is_link(texts[j]):  # a reference that is only a web address answers nothing
                    continue
                if (s, e) in self._title_block(chunk.source) and not authors:  # the authors' names and schools
                    continue
                seen.add((chunk.source, s, e))
                key = (wording(texts[j]), *chunk.headers)  # (the boilerplate every filing of a folder repeats)
                if key in said:
                    continue
                said.add(key)
                found = self._linked(set(search_tokens(texts[j])) | context)
                leans = j > 0 and chunk.kind == "text" and bool(_DANGLING_START.match(texts[j]))
                if leans:  # the words a dangling sentence leans on stand in the sentence before it
                    found |= set(search_tokens(texts[j - 1]))
                read, answer_end, cosine = [j], e, float(dense[j])
                if j in lists:  # a lead-in says what its list is of, and the list says the rest: it answers with it
                    items = [k for group in lists[j] for k in group]
                    answer_end = chunk.units[items[-1]][1]
                    if wants_list:  # and for a question that asks for several things, both are read
                        read += items
                        found |= set(search_tokens(" ".join(texts[k] for k in items)))
                elif j == 0 and -1 in lists and (wants_list or names_heading(asked, chunk, alone=True)):
                    # a list its heading introduces, for a question for a list or one that is the heading: whole
                    read = [-1] + [k for group in lists[-1] for k in group]
                    answer_end = chunk.units[read[-1]][1]
                    found |= set(search_tokens(" ".join(texts[k] for k in read[1:])))
                    cosine = float(dense[read[1:]].max())  # (the heading has no vector: its best item stands in)
                elif j in introduces:  # "To restore a folder, run:" says what for; the code block after it, how
                    read = [j, introduces[j]]
                    answer_end = chunk.units[introduces[j]][1]
                    found |= set(search_tokens(texts[introduces[j]]))
                coverage = sum(w for t, w in weights.items() if t in found) / total
                phrase = len(pairs & _bigrams(search_tokens(texts[j]))) / len(pairs) if pairs else 0.0
                # A follow-up usually asks for something new: is this the sentence the previous turn answered with?
                repeat = 1.0 if any(src == chunk.source and a <= s and e <= b for src, a, b in query.said) else 0.0
                features = [0.0, cosine, coverage, float(hit.score), 1.0 / (1 + rank), phrase, repeat]
                rows.append((chunk, hit, s, e, chunk.units[j - 1][0] if leans else s, answer_end, read, features))
        if not rows:
            return []
        # The model reads the most promising candidates only: cosine plus shared terms.
        cheap = np.array([f[1] + f[2] for *_, f in rows])
        read = set(np.argsort(-cheap, kind="stable")[:self.max_candidates].tolist())
        order = sorted(read)
        pending = [rows[i] for i in order]
        # (what the model reads is built for those only: a lead-in is read with its items, when asked for a list)
        texts = [self.with_long_forms(" ".join(text_for_model(chunk, k) for k in read))
                 for chunk, *_, read, _ in pending]
        scored = dict(zip(order, self.model.score(query.question, texts)))
        out = []
        for i, (chunk, hit, s, e, answer_start, answer_end, read, features) in enumerate(rows):
            reading = scored.get(i)
            features[0] = reading.logit if reading else -10.0
            vector = np.asarray(features, dtype=np.float64)
            out.append(Candidate(chunk, hit, s, e, answer_start, answer_end, vector, reading,
                                 float(vector @ self._weights + self._bias),
                                 float(vector @ self._score_w + self._score_b), read[0] == -1))
        out.sort(key=lambda c: -c.score)
        return out

    def _title_block(self, source: str) -> set[tuple[int, int]]:
        """The units of a document's title block (about.title_block), read once per document."""
        if source not in self._titles:
            first = [c for c in self.retriever.first_chunks(source, MAX_TITLE_LINES + 1) if c.kind == "text"]
            self._titles[source] = title_block(first)
        return self._titles[source]

    def _linked(self, tokens: set[str]) -> set[str]:
        for short, long in self._aliases:
            if short in tokens:
                tokens |= long
            elif long <= tokens:
                tokens.add(short)
        return tokens

    def with_long_forms(self, text: str) -> str:
        if self._expand is None:
            return text
        return self._expand.sub(lambda m: f"{m.group(1)} ({self.acronyms[m.group(1)]})", text, count=3)


def by_name(weights: list[float], names: list[str], order: tuple[str, ...]) -> np.ndarray:
    """Fitted weights in the reader's feature order; a feature the fit did not use weighs 0."""
    fitted = dict(zip(names, weights))
    return np.array([float(fitted.get(name, 0.0)) for name in order], dtype=np.float64)


def _is_link(text: str) -> bool:
    return bool(_LINK.match(text))


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    """Adjacent content-word pairs: shared phrases, not only shared words."""
    return set(zip(tokens, tokens[1:]))


def names_heading(asked: set[str], chunk: Chunk, alone: bool = False) -> bool:
    """Whether a question (its search tokens) names the chunk's heading, and everything else it names is where
    the chunk is: its section path or its document (file name, description); alone: nothing but the heading and the
    document ("Why choose Acme?" under "### Why choose Acme?" in acme-README.md)."""
    heading = set(heading_words(chunk.heading))
    where = heading | set(search_tokens(f"{chunk.source} {chunk.document}"))
    if not alone:
        where |= set(search_tokens(chunk.section))
    return bool(heading) and heading <= asked <= where


def text_for_model(chunk: Chunk, k: int) -> str:
    """What the model reads of unit k: a row with its column headers, a sentence as it stands, or the English
    translation of a unit in another language; k = -1 is the heading that introduces a list the chunk opens."""
    if k < 0:
        return chunk.heading + ":"
    if chunk.translations:
        return chunk.translations[k]
    start, end = chunk.units[k]
    text = chunk.text[start - chunk.start:end - chunk.start]
    return row_label(chunk.headers, text) if chunk.kind == "row" else text
