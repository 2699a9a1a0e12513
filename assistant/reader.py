"""Extractive reading: the trained reader model picks the sentence or table row that answers, or abstains.

Every sentence (or row) of the retrieved passages is a candidate (assistant/candidates.py). The reader model
(assistant/answer_model.py, trained on SQuAD 2.0 articles) scores how well each answers the question; that score is
combined with what retrieval knows (cosine, shared terms) by weights fitted on validation articles, and the best
candidate is answered verbatim when its calibrated probability reaches the threshold, also chosen on validation
articles. Answers the document's structure gives (a definition, a named row or list: assistant/structural.py) go
first; the checks that speak against an answer are in assistant/checks.py, each with its measured effect in
docs/answering.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .about import about_kind, asking_tokens, opening_unit, says_when_written, says_who_wrote
from .answer_model import AnswerModel, sigmoid
from .answer_probability import AnswerProbability
from .candidates import FEATURES, Candidate, Candidates, Query
from .checks import RULES, Checks, says_so_not
from .definitions import acronym_asked, defined_term, is_about
from .nlp import asks_for_several, asks_negated, coordination
from .retrieval import Retriever
from .schema import Chunk, Citation, Hit, Span
from .structural import MAX_REPEATED_SECTIONS, StructuralAnswers, row_phrase
from .text import search_tokens

ABOUT_SCORE = 0.9  # the score shown for an answer about the document itself, which no model scores
# What the answer probability sees of the best candidate, in the order of its fitted weights. "span" is the
# model's start+end logit for the phrase it marks: how sure its span head is that the sentence holds an answer.
ANSWER_FEATURES = ("score", "margin", "logit", "dense", "span", *RULES)


@dataclass(frozen=True)
class ReaderSettings:
    max_candidates: int = 12  # sentences the model reads per question, the best by cosine and shared terms
    # (12 takes half the time of 24 for 0.9 points fewer right on the tuning sources: docs/answering.md)
    support_ratio: float = 0.8  # a further citation needs this share of the best candidate's probability
    max_citations: int = 3
    rules: tuple[str, ...] = RULES
    threshold: float | None = None  # the answer threshold; None takes the one fitted with the model
    # A question no passage read is about: the best cosine between the question and a passage read is under this
    # (a question for a recipe over a policy paper scores about 0.10). Chosen on the tuning sources, where the
    # lowest right answer not given by a definition, row or list is at 0.16 (docs/answering.md, section 3, R68).
    off_topic_cosine: float = 0.15
    # A keyword query ("Harbourtown breakwater", "banda ancha": a name or noun phrase, nothing asked of it) is answered
    # from this probability: the model and its calibration learned on questions, and a bare term's best sentence
    # scores lower than a question's. Fitted on the two short-question tuning sets (0.05 of 0.05-0.25; with it right
    # answers 29 -> 41 of 48, unanswerable declined 8 -> 7 of 9); what declines a keyword query is a term or name
    # no passage holds, or passages about something else (docs/answering.md, section 3, R72, R72b, R72c).
    keyword_threshold: float = 0.05


@dataclass(frozen=True)
class _Structure:
    """What the document's structure says answers a question (assistant/structural.py)."""

    defining: Candidate | None  # a sentence that says what T is, or writes an acronym asked about in full
    named: Candidate | None  # a table row whose label the question names
    listed: Candidate | None  # a list whose heading the question names, or a section's opening
    spelled: tuple | None  # (candidate, answer phrase) when the question asks what an acronym stands for

    @property
    def answers(self) -> bool:
        return any(c is not None for c in (self.defining, self.named, self.listed))


@dataclass(frozen=True)
class Reading:
    abstained: bool
    score: float  # calibrated probability that the answer is right
    citations: tuple[Citation, ...]
    reason: str = ""  # why it abstained: a key of assistant/messages.py
    span: Span | None = None
    terms: tuple[str, ...] = ()  # for reason "unknown_term": the question's words no document mentions, as typed


class Reader:
    def __init__(self, retriever: Retriever, model: AnswerModel, settings: ReaderSettings = ReaderSettings(),
                 acronyms: dict[str, str] | None = None):
        self.retriever = retriever
        self.model = model
        self.settings = settings
        self.acronyms = acronyms or {}  # acronyms the documents define: short form -> long form
        fitted = model.config.get("reader", {})
        self._candidates = Candidates(retriever, model, fitted, settings.max_candidates, self.acronyms)
        self.checks = Checks(retriever, settings.rules, settings.off_topic_cosine)
        self.structure = StructuralAnswers(retriever, self.checks, self.acronyms)
        answer = fitted.get("answer", {})
        self._probability = AnswerProbability(answer, ANSWER_FEATURES)
        # Further citations: a candidate's own answer score, weighed as the weighted-sum answer probability does.
        support = fitted.get("support", {"weight": answer.get("weights", [1.0])[0],
                                         "bias": answer.get("bias", 0.0)})
        self._support_w, self._support_b = float(support["weight"]), float(support["bias"])
        self.threshold = settings.threshold if settings.threshold is not None else float(fitted.get("threshold", 0.5))

    def candidates(self, query: Query, hits: list[Hit]) -> list[Candidate]:
        """Every sentence or row of the hits, best first; the model reads the max_candidates most promising."""
        return self._candidates.build(query, hits)

    def answer_features(self, query: Query, cands: list[Candidate]) -> np.ndarray:
        """ANSWER_FEATURES of the best candidate: its answer score, its lead over the best of the others, its own
        logit, cosine and span confidence, and the rule signals."""
        best = cands[0]
        margin = best.answer_score - max(c.answer_score for c in cands[1:]) if len(cands) > 1 else 0.0
        flags = [1.0 if rule in self.settings.rules and self.checks.veto(query, best, (rule,)) else 0.0
                 for rule in RULES]
        logit, dense = best.features[FEATURES.index("logit")], best.features[FEATURES.index("dense")]
        span = best.scored.span_score if best.scored else 0.0
        return np.array([best.answer_score, margin, logit, dense, span, *flags], dtype=np.float64)

    def probability(self, features: np.ndarray) -> float:
        """Calibrated probability that the best candidate answers (fitted with the model)."""
        return self._probability(features)

    def _confidence(self, score: float) -> float:
        """The same probability for a candidate on its own score (no lead, no rule): for further citations."""
        return sigmoid(score * self._support_w + self._support_b)

    # --- reading ---------------------------------------------------------------------------------------

    def _unknown(self, query: Query, cands: list[Candidate], terms: list[str]) -> Reading:
        """A question declined as naming what no document mentions, with the terms to name in the message."""
        return Reading(True, 0.0, self._closest(cands), "unknown_term", terms=tuple(dict.fromkeys(terms)))

    def read(self, query: Query, hits: list[Hit]) -> Reading:
        named = self.checks.documents(query)
        one = named[0] if len(named) == 1 else None  # the one document the question names (R94)
        naming = frozenset(self.retriever.catalogue.naming_tokens(query.tokens, named)) if one else frozenset()
        kind = about_kind(query.asked or query.question, alone=not query.asked or query.asked == query.question,
                          naming=naming)
        if kind:
            reading = self._about(kind, hits, one)
            if reading:
                return reading
            # (R86c) its asking words are no terms the documents must mention
            query = replace(query, asking=asking_tokens(query.asked or query.question))
        reading = self._read(query, hits)
        says = {"author": says_who_wrote, "date": says_when_written}.get(kind or "")
        if kind == "conclusion" or (says and not reading.abstained and not says(reading.citations[0].quote)):
            # The document's opening does not say who wrote it or when, and the passage found does not say it
            # either: a sentence that names an agency or a year answers nothing asked (R86b). What a document
            # concludes is what its section of conclusions says; with none, any sentence is a guess (R92).
            return replace(reading, abstained=True, reason=f"{kind}_unsaid", span=None, terms=(),
                           citations=tuple(replace(c, score=0.0) for c in reading.citations))
        return reading

    def _read(self, query: Query, hits: list[Hit]) -> Reading:
        """The sentence or row of the passages read that answers the question, or a declined answer: what no passage
        mentions is declined first; then what the document's structure answers goes first, then the best sentence
        that says what the question asks (R105b, R114d); the first candidate is judged, and answered or declined."""
        if not (query.tokens or query.history_tokens):  # "?!" or emoji alone: nothing to look for
            return Reading(True, 0.0, (), "no_passage")
        repeated = self.structure.repeated_headings(query)
        found = {h.chunk.id for h in hits}  # (retrieval may miss them: a few are read with the hits)
        hits = hits + [Hit(chunk, hits[0].score if hits else 0.0, rank=len(hits) + n) for n, chunk in
                       enumerate([c for c in repeated if c.id not in found][:MAX_REPEATED_SECTIONS])]
        cands = self.candidates(query, hits)
        if not cands:
            return Reading(True, 0.0, (), "no_passage")
        term = defined_term(query.question)  # "What is T?"
        acronym = None if term else acronym_asked(query.question)  # "What does T stand for?"
        unknown = self._unknown_asked(query, cands, acronym)
        if unknown is not None:
            return unknown
        structure = self._structure(query, cands, repeated, term, acronym)
        for answering in (structure.defining, structure.named, structure.listed):
            if answering is not None:
                cands = _first(answering, cands)
        # A definition, a named row or a named list answers by the document's structure, whatever the checks below.
        structural = structure.answers
        negated = not structural and asks_negated(query.asked or query.question)
        if negated and not says_so_not(cands[0]):
            # A question that asks what is not so: the best sentence the model read that says something is not so
            # goes first, and is judged as any best sentence is (R105b, docs/answering.md section 3).
            cands = _first_read(cands, says_so_not)
        swapped = not structural and self.checks.swapped(query, cands[0])
        read = cands  # as ranked: a question declined for R114d shows the sentence it was closest to first
        agreeing = None  # when swapped: the best sentence the model read that is not, or None
        if swapped:
            # The best sentence puts another word before a noun the question qualifies ("the second rule" for "the
            # third rule"): the best sentence the model read that does not goes first, and is judged as any best
            # sentence is (R114d, docs/answering.md section 3).
            cands = _first_read(cands, lambda c: not self.checks.swapped(query, c))
            agreeing = cands[0] if cands is not read else None
        best = cands[0]
        features = self.answer_features(query, cands)
        probability = self.probability(features)
        if term and not structural and not best.chunk.translations and not is_about(term, best.text):
            # "What is T?" answered by a sentence that only mentions T says nothing of what T is. (A sentence
            # read through a machine translation is not checked: its wording is the translator's.)
            return Reading(True, probability, self._closest(cands), "not_close")
        threshold = self.settings.keyword_threshold if query.keyword else self.threshold
        if probability < threshold and not structural:
            reason, terms = self.checks.reason(query, features[-len(RULES):])
            if swapped and reason != "unknown_term":  # what the user is told: the sentence closest in words was
                return Reading(True, probability, self._closest(read), "qualifier_swapped")  # about another one
                # (the rules' reasons would speak of the sentence judged in its place)
            return Reading(True, probability, self._closest(cands), reason, terms=terms)
        if negated and not says_so_not(best):
            # "Which company did not sign the Harbourtown agreement?" is not answered by "Acme and Valmar signed it":
            # a sentence that says no "not", "only", "except"... (nlp.says_negation) answers what is so (R105b).
            return Reading(True, probability, self._closest(cands), "negation_missing")
        if swapped and agreeing is None:
            # "Who wrote the third rule?" is not answered by "Acme wrote the second rule" (R114d).
            return Reading(True, probability, self._closest(read), "qualifier_swapped")
        if not structural and not query.asking and self.checks.off_topic(query, hits):
            # The best sentence of passages that are about something else answers nothing asked (R68). (A question
            # about the document itself has no subject of its own to be near: R86b checks what its answer says.)
            return Reading(True, probability, self._closest(cands), "off_topic")
        return self._answer(query, cands, probability, structure)

    def _unknown_asked(self, query: Query, cands: list[Candidate], acronym: str | None) -> Reading | None:
        """A declined answer when the question asks about what no passage mentions (acronym: the one it asks the
        long form of), else None."""
        asked = [t for t in list(query.tokens) + list(query.history_tokens) if t not in query.asking]
        if asked and not self.retriever.knows_any(asked):
            # Nothing the question asks about is in any passage ("What is CoDi?" over documents that never
            # mention it): whatever sentence ranks first answers something else (docs/answering.md, section 3).
            return self._unknown(query, cands, self.checks.typed_unknown_terms(query))
        names = self.checks.unknown_names(query) or self.checks.unknown_identifiers(query)
        if names:
            # A name or acronym no passage holds ("When did Heisenberg write his wave equation?" over a text that
            # names only Schrödinger): the sentence the rest of the question matches is about someone else.
            return self._unknown(query, cands, names)
        if acronym and not self.retriever.document_frequency((search_tokens(acronym) or [""])[0]):
            # "What does XYZ stand for?", and XYZ is never used
            return self._unknown(query, cands, [acronym] if acronym in (query.typed or acronym) else [])
        return None

    def _structure(self, query: Query, cands: list[Candidate], repeated: list[Chunk], term: str | None,
                   acronym: str | None) -> _Structure:
        """The candidates the document's structure says answer (assistant/structural.py), for a question that asks to
        define term or to spell out acronym, or neither. A definition rules out a named row, and both a named list;
        the opening of a section the question repeats rules out a definition."""
        # The opening of a section whose heading the question repeats is the document's own answer to it: it goes
        # before the sentences that only say what a term is ("What is Acme?" under "## What is Acme?").
        opening = self.structure.opening_of(query, cands, {c.id for c in repeated}) if repeated else None
        # "What is T?" and a sentence that says what T is: it answers (definitions.py)
        defining = self.structure.definition(term, cands) if term and opening is None else None
        spelled = self.structure.spelled_out(acronym, cands)
        if spelled is not None:  # "What does T stand for?" and a sentence that writes T with its long form
            defining = spelled[0]
        # a table row whose label the question names: it answers (table_rows.py)
        named = self.structure.named_row(query, cands) if defining is None else None
        # a list whose heading the question names, in the place the question names, or the opening of a section it
        # repeats: it answers
        listed = opening or (self.structure.named_list(query, cands) if defining is None and named is None else None)
        return _Structure(defining, named, listed, spelled)

    def _answer(self, query: Query, cands: list[Candidate], probability: float, structure: _Structure) -> Reading:
        """The first candidate answered, with the passages that answer nearly as well as further citations."""
        best = cands[0]
        if structure.named is not None and len(self.checks.documents(query)) > 1:
            # "How has X's revenue changed over time?": the row in each document, latest period first; the answer
            # is the latest one's.
            rows = sorted([best.chunk, *self.structure.same_row_elsewhere(query, best)], reverse=True,
                          key=lambda c: self.retriever.catalogue.period_order(c.source))
            citations = [self.citation(i + 1, c, c.start, c.end, probability) for i, c in enumerate(rows)]
            span = self._span(query, best) if rows[0] is best.chunk else self.structure.row_span(query, rows[0])
            return Reading(False, probability, tuple(citations), span=span)
        passage, passage_start, answer_end = self.structure.list_on(best)
        citations = [replace(self.citation(1, best.chunk, best.answer_start, answer_end, probability),
                             quote=passage[best.answer_start - passage_start:answer_end - passage_start],
                             passage=passage)]
        used = {best.chunk.id}
        own = self._confidence(best.answer_score)
        spelled = structure.spelled
        for cand in cands[1:] if spelled is None else ():  # (an acronym's long form is said once)
            if len(citations) >= self.settings.max_citations:
                break
            # Further sources: passages that answer nearly as well on their own.
            p = self._confidence(cand.answer_score)
            if p < self.settings.support_ratio * own:
                break
            if cand.chunk.id in used or (cand.start < best.answer_end and best.answer_start < cand.end):
                continue
            used.add(cand.chunk.id)
            citations.append(self.citation(len(citations) + 1, cand.chunk, cand.answer_start, cand.answer_end, p))
        return Reading(False, probability, tuple(citations), span=spelled[1] if spelled else self._span(query, best))

    def _about(self, kind: str, hits: list[Hit], named: str | None = None) -> Reading | None:
        """A question about the document itself, answered from its opening (assistant/about.py): the only
        document, the one the question names (R94), or the one the best passage comes from."""
        store = self.retriever.store
        sources = store.sources
        source = sources[0] if len(sources) == 1 else named or (hits[0].chunk.source if hits else None)
        if source is None:
            return None
        found = opening_unit(kind, [c for c in store.chunks if c.source == source])
        if found is None:
            return None
        chunk, start, end = found
        return Reading(False, ABOUT_SCORE, (self.citation(1, chunk, start, end, ABOUT_SCORE),))

    def _span(self, query: Query, best: Candidate) -> Span | None:
        """The answer phrase inside the best sentence, as document offsets, when the question wants one."""
        if not query.wants_phrase or best.scored is None or best.scored.span is None or best.chunk.translations \
                or best.answer_end != best.end:
            return None  # (a phrase found in a translation has no offsets in the original; a list is the answer)
        a, b = best.scored.span
        read = self._candidates.with_long_forms(best.model_text())
        if read != best.text:  # the model read a row with its headers or long forms: find the phrase in the text
            phrase = read[a:b]
            if best.text.find(phrase) < 0 and read != best.model_text():
                # The phrase runs into a long form the reader added ("ABC (Alpha Beta Council)) in 1990" for
                # "ABC"): mark what the model finds in the text as the document has it.
                read = best.model_text()
                span = self.model.score(query.question, [read])[0].span
                phrase = read[span[0]:span[1]] if span else ""
            at = best.text.find(phrase)
            found = (at, at + len(phrase)) if phrase and at >= 0 else None
        else:
            found = (a, b)
        if best.chunk.kind == "row":  # a row's phrase is one of its values: the column the question asks for
            # (also when the head marked a header's words, which a Markdown row's text does not hold)
            found = row_phrase(set(query.tokens), best.text, best.chunk.headers, found,
                               set(query.history_tokens)) or found
        if found is None:
            return None
        a, b = found
        if best.chunk.kind != "row" and asks_for_several(query.question):  # "What techniques ...?": the whole list
            a, b = coordination(best.text, a, b)
        text = best.text[a:b]
        if not text.strip() or len(text) >= 0.9 * len(best.text):  # the whole sentence marks nothing
            return None
        return Span(best.start + a, best.start + b, text)

    def _closest(self, cands: list[Candidate]) -> tuple[Citation, ...]:
        """What a declined answer shows: the best candidates, one per chunk, passing over a line that only links to
        a section of its own document (a table of contents' "* [Known issues](#known-issues)" tells the reader
        nothing) unless nothing else was read."""
        out, used = [], set()
        shown = [c for c in cands if not _is_contents_link(c.text)] or cands
        for cand in shown:
            if cand.chunk.id in used:
                continue
            used.add(cand.chunk.id)
            out.append(self.citation(len(out) + 1, cand.chunk, cand.start, cand.end, 0.0))
            if len(out) >= self.settings.max_citations:
                break
        return tuple(out)

    def citation(self, n: int, chunk: Chunk, start: int, end: int, score: float) -> Citation:
        title = self.retriever.store.manifest["files"].get(chunk.source, {}).get("title", "")
        return Citation(n=n, source=chunk.source, section=chunk.section, page=chunk.page, start=start, end=end,
                        quote=chunk.text[start - chunk.start:end - chunk.start], passage=chunk.text,
                        passage_start=chunk.start, score=round(score, 4), title=title, headers=chunk.headers,
                        kind=chunk.kind, language=chunk.language)


# A list item that is only a link to an anchor of its own document: "* [Known issues](#known-issues)".
_CONTENTS_LINK = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\(#[^)\s]*\)\s*$")


def _is_contents_link(text: str) -> bool:
    return bool(_CONTENTS_LINK.match(text))


def _first(cand: Candidate, cands: list[Candidate]) -> list[Candidate]:
    """The candidates with one of them moved to the front: the one a rule says answers, or is judged first."""
    return [cand] + [c for c in cands if c is not cand]


def _first_read(cands: list[Candidate], test) -> list[Candidate]:
    """The candidates with the best one the model read that passes test moved to the front; the same list (not a
    copy) when none does."""
    passing = next((c for c in cands if c.scored is not None and test(c)), None)
    return cands if passing is None else _first(passing, cands)
