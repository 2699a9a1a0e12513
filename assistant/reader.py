"""Extractive reading: choose the sentence or table row that answers, copy it verbatim, or abstain."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .retrieval import Retriever
from .schema import Chunk, Citation, Hit
from .text import YEAR, is_number, raw_tokens, search_tokens

_DANGLING_START = re.compile(r"^(it|its|this|these|they|their|that|those|he|she|such|both)\b", re.I)
_WHEN = re.compile(r"^\s*(when|what year|in what year|which year|since when|what date)\b", re.I)
_QUANTITY = re.compile(r"\b(how (many|much)|what (percentage|percent|share|proportion|fraction|rate|number|"
                       r"figure|rank|ranking|growth)|which rank|by how much|how large|how big)\b", re.I)
_MONTHS = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|"
                     r"december)\b", re.I)


@dataclass(frozen=True)
class ReaderSettings:
    """Weights and thresholds, tuned on tests/gold/questions.jsonl (see docs/answering.md)."""

    w_dense: float = 1.0  # cosine of question and sentence
    w_coverage: float = 0.6  # idf-weighted share of question terms found in sentence + section
    w_type: float = 0.15  # sentence has the kind of value the question asks for (year, number)
    w_chunk: float = 0.1  # the chunk's own retrieval rank
    min_score: float = 0.62  # abstain below this combined score
    min_dense: float = 0.30  # ... or when the best sentence is this far from the question
    min_coverage: float = 0.25  # ... or when it covers this little of the question
    max_missing_key: float = 0.0  # share of key terms (numbers, names) absent from the corpus
    support_ratio: float = 0.85  # further citations need this share of the best score
    max_citations: int = 3


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    hit: Hit
    start: int
    end: int
    score: float
    dense: float
    coverage: float
    type_match: float


@dataclass(frozen=True)
class Reading:
    answer_start: int | None
    answer_end: int | None
    abstained: bool
    score: float
    citations: tuple[Citation, ...]
    reason: str = ""


def question_kind(question: str) -> str:
    if _WHEN.search(question):
        return "when"
    if _QUANTITY.search(question):
        return "quantity"
    return "other"


def _type_match(kind: str, text: str) -> float:
    if kind == "when":
        return 1.0 if (YEAR.search(text) or _MONTHS.search(text)) else 0.0
    if kind == "quantity":
        return 1.0 if any(is_number(t) or t.endswith("%") for t in raw_tokens(text)) else 0.0
    return 0.0


class Reader:
    def __init__(self, retriever: Retriever, settings: ReaderSettings = ReaderSettings()):
        self.retriever = retriever
        self.settings = settings

    def key_terms(self, question: str) -> list[str]:
        """Terms a user names precisely: numbers, acronyms and capitalised names (not the first word)."""
        words = re.findall(r"[\w.%$-]+", question)
        keys = []
        for pos, word in enumerate(words):
            w = word.strip(".-")
            if not w:
                continue
            if is_number(w) or (w.isupper() and len(w) >= 2) or (pos > 0 and w[:1].isupper() and len(w) > 2):
                keys.extend(search_tokens(w)[:1])
        return [k for k in keys if k]

    def missing_key_share(self, question: str) -> float:
        keys = self.key_terms(question)
        if not keys:
            return 0.0
        missing = [k for k in keys if self.retriever.document_frequency(k) == 0]
        return len(missing) / len(keys)

    def candidates(self, query_vector: np.ndarray, question_tokens: list[str], kind: str,
                   hits: list[Hit], k: int) -> list[Candidate]:
        weights = {t: self.retriever.idf(t) for t in set(question_tokens)}
        total = sum(weights.values()) or 1.0
        store = self.retriever.store
        out: list[Candidate] = []
        for rank, hit in enumerate(hits[:k]):
            chunk = hit.chunk
            i = store.by_id[chunk.id]
            dense = store.units_of(i).astype(np.float32) @ query_vector
            section_tokens = set(search_tokens(chunk.section))
            header_tokens = set(search_tokens(" ".join(chunk.headers)))
            for j, (s, e) in enumerate(chunk.units):
                text = chunk.text[s - chunk.start:e - chunk.start]
                found = set(search_tokens(text)) | section_tokens | header_tokens
                coverage = sum(w for t, w in weights.items() if t in found) / total
                type_match = _type_match(kind, text)
                chunk_prior = 1.0 / (1 + rank)
                score = (self.settings.w_dense * float(dense[j]) + self.settings.w_coverage * coverage
                         + self.settings.w_type * type_match + self.settings.w_chunk * chunk_prior)
                out.append(Candidate(chunk, hit, s, e, score, float(dense[j]), coverage, type_match))
        out.sort(key=lambda c: -c.score)
        return out

    def read(self, question: str, query_vector: np.ndarray, question_tokens: list[str], hits: list[Hit],
             key_question: str | None = None) -> Reading:
        cfg = self.settings
        kind = question_kind(question)
        cands = self.candidates(query_vector, question_tokens, kind, hits, max(1, len(hits)))
        if not cands:
            return Reading(None, None, True, 0.0, (), "no passage matched the question")
        best = cands[0]
        missing = self.missing_key_share(key_question or question)
        reason = ""
        if missing > cfg.max_missing_key:
            reason = "the question names something the documents never mention"
        elif best.score < cfg.min_score:
            reason = "no sentence matches the question closely enough"
        elif best.dense < cfg.min_dense:
            reason = "the closest sentence is about something else"
        elif best.coverage < cfg.min_coverage:
            reason = "the closest sentence shares too little with the question"
        if reason:
            return Reading(None, None, True, best.score, self._closest(cands, best.score), reason)
        start, end = self._answer_span(best)
        citations = [self._citation(1, best.chunk, start, end, best.score)]
        used = {best.chunk.id}
        for cand in cands[1:]:
            if len(citations) >= cfg.max_citations or cand.score < cfg.support_ratio * best.score:
                break
            if cand.chunk.id in used or (cand.start < end and start < cand.end):
                continue
            used.add(cand.chunk.id)
            citations.append(self._citation(len(citations) + 1, cand.chunk, cand.start, cand.end, cand.score))
        return Reading(start, end, False, best.score, tuple(citations))

    def _answer_span(self, best: Candidate) -> tuple[int, int]:
        """The best sentence, widened to the sentence before it when it cannot stand alone."""
        chunk = best.chunk
        text = chunk.text[best.start - chunk.start:best.end - chunk.start]
        if chunk.kind == "text" and _DANGLING_START.match(text):
            previous = [u for u in chunk.units if u[1] <= best.start]
            if previous:
                return previous[-1][0], best.end
        return best.start, best.end

    def _closest(self, cands: list[Candidate], best_score: float) -> tuple[Citation, ...]:
        out, used = [], set()
        for cand in cands:
            if cand.chunk.id in used:
                continue
            used.add(cand.chunk.id)
            out.append(self._citation(len(out) + 1, cand.chunk, cand.start, cand.end, cand.score))
            if len(out) >= self.settings.max_citations:
                break
        return tuple(out)

    def _citation(self, n: int, chunk: Chunk, start: int, end: int, score: float) -> Citation:
        title = self.retriever.store.manifest["files"].get(chunk.source, {}).get("title", "")
        return Citation(n=n, source=chunk.source, section=chunk.section, page=chunk.page, start=start, end=end,
                        quote=chunk.text[start - chunk.start:end - chunk.start], passage=chunk.text,
                        passage_start=chunk.start, score=round(score, 4), title=title, headers=chunk.headers)
