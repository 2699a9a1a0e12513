"""Extractive reading: the trained reader model picks the sentence or table row that answers, or abstains.

Every sentence (or row) of the retrieved passages is a candidate. The reader model (assistant/answer_model.py,
trained on SQuAD 2.0 articles) scores how well each answers the question; that score is combined with what
retrieval knows (cosine, shared terms) by weights fitted on validation articles, and the best candidate is
answered verbatim when its calibrated probability reaches the threshold, also chosen on validation articles.
The few rules that remain are listed in RULES, each with its measured effect in docs/answering.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .about import (MAX_TITLE_LINES, about_kind, asking_tokens, asks_about_authors, opening_unit,
                    says_when_written, says_who_wrote, title_block)
from .answer_model import AnswerModel, Scored, sigmoid
from .answer_probability import AnswerProbability
from .definitions import acronym_asked, defined_term, defines, is_about
from .nlp import (asks_for_list, asks_for_several, asks_negated, coordination, lacks_expected_entity,
                  names_a_percentage, part_of_speech, says_negation, swapped_qualifiers)
from .retrieval import Retriever
from .schema import Chunk, Citation, Hit, Span, row_label, row_values
from .table_rows import holds_figures_only, label_text, named_words, of_a_hundred, percentages_only
from .text import (SPANISH_MARK, TERM_WORD, code_identifiers, fold, heading_words, holds_identifier, introduced,
                   is_number, list_groups, list_items, named_terms, ordinal_forms, raw_tokens, search_tokens,
                   wording)

# A name written as letters, a full stop and digits ("ASN.1", "X.509", "H.264"): its digits are no number asked for.
_NAME_NUMBER = re.compile(r"(?<![\w.])[A-Za-z]+\.(\d+)\b")
# A sentence that cannot stand alone ("It was closed in 1961."): shown with the sentence before it.
_DANGLING_START = re.compile(r"^(it|its|this|these|they|their|that|those|he|she|such|both)\b", re.I)
# Questions whose answer is an explanation, not a phrase: no answer phrase is marked for them. A "how" question
# keeps its phrase: its answer is often one ("How did the emperor die?" -> "drowned"; answer-phrase F1 of the
# "how" questions of the SQuAD validation articles 0.38 with the phrase against 0.25 with the whole sentence).
_EXPLANATION = re.compile(r"^\s*(why|how come)\b", re.I)
HISTORY_WEIGHT = 0.5  # weight of a term only an earlier question contributes, against the question's own

MAX_PERIODS = 4  # citations of one row label across the documents a question asks about (four quarters)
ABOUT_SCORE = 0.9  # the score shown for an answer about the document itself, which no model scores
# What the combination sees of each candidate, in the order of the fitted weights (models/reader/config.json).
FEATURES = ("logit", "dense", "coverage", "retrieval", "first_hit", "phrase", "repeat")
# Rules: signals the answer probability weighs (fitted, not vetoes). Their measured effects are in
# docs/answering.md.
RULES = ("unknown_term", "number_missing", "type_missing")
# What the answer probability sees of the best candidate, in the order of its fitted weights. "span" is the
# model's start+end logit for the phrase it marks: how sure its span head is that the sentence holds an answer.
ANSWER_FEATURES = ("score", "margin", "logit", "dense", "span", *RULES)

MAX_LIST_CHUNKS = 2  # further chunks of its section a list answer may run on into
MAX_REPEATED_SECTIONS = 3  # sections whose heading a question repeats, read besides the hits (the first in order)

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
        return not _EXPLANATION.search(self.asked or self.question)

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
        return _model_text(self.chunk, self.chunk.units.index((self.start, self.end)))


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
        # Acronyms the documents define, linked both ways when a sentence is matched with a question: a
        # sentence saying "FAA" covers a question's "Federal Aviation Administration", and the model reads
        # "FAA (Federal Aviation Administration)".
        self.acronyms = acronyms or {}
        self._titles: dict[str, set[tuple[int, int]]] = {}  # a document's title block (_title_block), by source
        self._aliases = [(search_tokens(short)[0], frozenset(search_tokens(long)))
                         for short, long in self.acronyms.items() if search_tokens(short) and search_tokens(long)]
        self._expand = re.compile(r"\b(" + "|".join(map(re.escape, sorted(self.acronyms, key=len, reverse=True)))
                                  + r")\b") if self.acronyms else None
        fitted = model.config.get("reader", {})
        self._weights = _by_name(fitted.get("weights", [1.0]), fitted.get("features", FEATURES[:1]), FEATURES)
        self._bias = float(fitted.get("bias", 0.0))
        # The answer score: the same features fitted candidate by candidate ("does this one answer?"), which is
        # what the answer probability reads; the ranking weights above only order a question's candidates.
        scoring = fitted.get("answer_score", {"weights": fitted.get("weights", [1.0]), "bias": self._bias,
                                              "features": fitted.get("features", FEATURES[:1])})
        self._score_w = _by_name(scoring["weights"], scoring["features"], FEATURES)
        self._score_b = float(scoring["bias"])
        answer = fitted.get("answer", {})
        self._probability = AnswerProbability(answer, ANSWER_FEATURES)
        # Further citations: a candidate's own answer score, weighed as the weighted-sum answer probability does.
        support = fitted.get("support", {"weight": answer.get("weights", [1.0])[0],
                                         "bias": answer.get("bias", 0.0)})
        self._support_w, self._support_b = float(support["weight"]), float(support["bias"])
        self.threshold = settings.threshold if settings.threshold is not None else float(fitted.get("threshold", 0.5))

    # --- candidates -----------------------------------------------------------------------------------

    def candidates(self, query: Query, hits: list[Hit]) -> list[Candidate]:
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
                elif j == 0 and -1 in lists and (wants_list or _names_heading(asked, chunk, alone=True)):
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
        read = set(np.argsort(-cheap, kind="stable")[:self.settings.max_candidates].tolist())
        order = sorted(read)
        pending = [rows[i] for i in order]
        # (what the model reads is built for those only: a lead-in is read with its items, when asked for a list)
        texts = [self._with_long_forms(" ".join(_model_text(chunk, k) for k in read)) for chunk, *_, read, _ in pending]
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

    def _with_long_forms(self, text: str) -> str:
        if self._expand is None:
            return text
        return self._expand.sub(lambda m: f"{m.group(1)} ({self.acronyms[m.group(1)]})", text, count=3)

    def answer_features(self, query: Query, cands: list[Candidate]) -> np.ndarray:
        """ANSWER_FEATURES of the best candidate: its answer score, its lead over the best of the others, its own
        logit, cosine and span confidence, and the rule signals."""
        best = cands[0]
        margin = best.answer_score - max(c.answer_score for c in cands[1:]) if len(cands) > 1 else 0.0
        flags = [1.0 if rule in self.settings.rules and self.veto(query, best, (rule,)) else 0.0 for rule in RULES]
        logit, dense = best.features[FEATURES.index("logit")], best.features[FEATURES.index("dense")]
        span = best.scored.span_score if best.scored else 0.0
        return np.array([best.answer_score, margin, logit, dense, span, *flags], dtype=np.float64)

    def probability(self, features: np.ndarray) -> float:
        """Calibrated probability that the best candidate answers (fitted with the model)."""
        return self._probability(features)

    def _confidence(self, score: float) -> float:
        """The same probability for a candidate on its own score (no lead, no rule): for further citations."""
        return sigmoid(score * self._support_w + self._support_b)

    # --- rules -----------------------------------------------------------------------------------------

    def unknown_terms(self, question: str, known: set[str] = frozenset(), typed: str = "") -> list[str]:
        """Terms the question names precisely that no passage of the documents contains (search tokens in known,
        such as the terms that only name a document, and the words of the documents' titles and file names
        excepted). typed: the question as the user wrote it, when question is its translation; then only the
        terms it writes too are counted, as the user's: "Property" for "Hacienda" is the translator's English for
        a word, capitalised because the word was."""
        written = {fold(w) for w in TERM_WORD.findall(typed)} if typed else None
        out = []
        for word in named_terms(question):
            if written is not None and fold(word) not in written:
                continue
            token = (search_tokens(word) or [""])[0]
            # ("Acme" of a file titled "Acme annual report" is mentioned: Retriever.mentions)
            if token and token not in known and not self.retriever.mentions(token):
                out.append(word)
        return out

    def unknown_names(self, query: Query) -> list[str]:
        """The names and acronyms of unknown_terms (not its numbers) that no passage holds even a letter away or
        with an accent (Retriever.knows_word): the question is about something the documents never mention, and
        is declined outright. A question read in translation keeps its acronyms: Spanish writes its own ("EEI" for
        the ISS)."""
        terms = self._typed_unknown_terms(query)
        return [t for t in terms if not is_number(t) and not (query.typed and t.isupper())
                and not self.retriever.knows_word(t)]

    def unknown_identifiers(self, query: Query) -> list[str]:
        """The code identifiers the question names as typed ("BZ_TIMEOUT_ERROR", "--parallel") that no passage holds
        whole: each of its pieces may be in the documents, the identifier is not, so the question asks about
        something they never mention."""
        return [i for i in query.identifiers if not self.retriever.holds_identifier(i)]

    def veto(self, query: Query, best: Candidate, rules: tuple[str, ...] | None = None) -> str:
        """The first rule that speaks against the best candidate (a key of assistant/messages.py), or ""."""
        rules = self.settings.rules if rules is None else rules
        naming = self._naming_tokens(query) if {"unknown_term", "number_missing"} & set(rules) else set()
        if "unknown_term" in rules and self.unknown_terms(query.asked or query.question, naming | query.spelled):
            return "unknown_term"
        if "number_missing" in rules:
            # A row's column headers are part of what it says ("Second quarter 2024": 1,410).
            headers = " " + " ".join(best.chunk.headers) if best.chunk.kind == "row" else ""
            found = set(raw_tokens(best.shown + headers))
            found |= {part for token in found if "-" in token for part in token.split("-")}  # "17th-century"
            in_names = set(_NAME_NUMBER.findall(query.question))  # "ASN.1", "X.509": a name, not a number asked for
            numbers = [t for t in raw_tokens(query.question) if is_number(t) and t.lower() not in naming
                       and t not in in_names]
            if any(n not in found and n.rstrip("%") not in found for n in numbers):
                return "number_missing"
            # An ordinal typed in digits is a number too: "the 16th century" is not the 17th, "4th son" not "third".
            ordinals = [forms for token in raw_tokens(query.question) for part in token.split("-")
                        if part not in naming and (forms := ordinal_forms(part))]
            if any(not forms & found for forms in ordinals):
                return "number_missing"
        if "type_missing" in rules and lacks_expected_entity(query.question, best.shown, best.chunk.kind == "row"):
            return "type_missing"
        return ""

    def _reason(self, query: Query, flags) -> tuple[str, tuple[str, ...]]:
        """What a declined answer tells the user: the first rule that spoke, or "not_close", and for
        "unknown_term" the terms to name. The answer probability weighs an unknown term of a question read in
        translation as it does any other, but the message claims it only of a term the user typed: "Property",
        Apertium's word for "Hacienda" where the documents say "Finance Ministry", is no name the question names
        that the documents never mention."""
        for rule, flag in zip(RULES, flags):
            if not flag:
                continue
            if rule != "unknown_term":
                return rule, ()
            terms = tuple(self._typed_unknown_terms(query))
            if terms or not query.typed:
                return rule, terms
        return "not_close", ()

    def _typed_unknown_terms(self, query: Query) -> list[str]:
        """The question's unknown terms (unknown_terms), only those the user typed when it was translated."""
        return self.unknown_terms(query.asked or query.question, self._known_tokens(query), query.typed)

    def _unknown(self, query: Query, cands: list[Candidate], terms: list[str]) -> Reading:
        """A question declined as naming what no document mentions, with the terms to name in the message."""
        return Reading(True, 0.0, self._closest(cands), "unknown_term", terms=tuple(dict.fromkeys(terms)))

    def documents(self, query: Query) -> list[str]:
        """The documents the question asks about (Query.documents), or else those its words name."""
        return list(query.documents) or self.retriever.named_documents(query.tokens)

    def _known_tokens(self, query: Query) -> set[str]:
        """Terms of the question that are no unknown terms though no passage holds them: those that only name a
        document (_naming_tokens) and its acronyms the documents write in words (Query.spelled)."""
        return self._naming_tokens(query) | query.spelled

    def _naming_tokens(self, query: Query) -> set[str]:
        """Terms of the question that only say which document it asks about ("10" and "q" of "10-Q", "Q2", the
        company, "latest", the year of a filing it names): the row or sentence that answers need not repeat
        them, and a file-name term such as "Q2" is known even if no passage prints it. So are the words of a
        question about the document that only ask that of it ("wrote", "author": Query.asking)."""
        named = self.documents(query)
        if not named:
            return set(query.asking)
        catalogue = self.retriever.catalogue
        years = {y for source in named for y in catalogue.records.get(source, {}).get("years", ())}
        return catalogue.naming_tokens(query.tokens, named) | years | query.asking

    # --- reading ---------------------------------------------------------------------------------------

    def read(self, query: Query, hits: list[Hit]) -> Reading:
        named = self.documents(query)
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
        """The sentence or row of the passages read that answers the question, or a declined answer."""
        if not (query.tokens or query.history_tokens):  # "?!" or emoji alone: nothing to look for
            return Reading(True, 0.0, (), "no_passage")
        repeated = self._repeated_headings(query)
        found = {h.chunk.id for h in hits}  # (retrieval may miss them: a few are read with the hits)
        hits = hits + [Hit(chunk, hits[0].score if hits else 0.0, rank=len(hits) + n) for n, chunk in
                       enumerate([c for c in repeated if c.id not in found][:MAX_REPEATED_SECTIONS])]
        cands = self.candidates(query, hits)
        if not cands:
            return Reading(True, 0.0, (), "no_passage")
        asked = [t for t in list(query.tokens) + list(query.history_tokens) if t not in query.asking]
        if asked and not self.retriever.knows_any(asked):
            # Nothing the question asks about is in any passage ("What is CoDi?" over documents that never
            # mention it): whatever sentence ranks first answers something else (docs/answering.md, section 3).
            return self._unknown(query, cands, self._typed_unknown_terms(query))
        names = self.unknown_names(query) or self.unknown_identifiers(query)
        if names:
            # A name or acronym no passage holds ("When did Heisenberg write his wave equation?" over a text that
            # names only Schrödinger): the sentence the rest of the question matches is about someone else.
            return self._unknown(query, cands, names)
        # The opening of a section whose heading the question repeats is the document's own answer to it: it goes
        # before the sentences that only say what a term is ("What is Acme?" under "## What is Acme?").
        opening = self._opening_of(query, cands, {c.id for c in repeated}) if repeated else None
        term = defined_term(query.question)
        defining = self._definition(term, cands) if term and opening is None else None
        acronym = None if term else acronym_asked(query.question)
        if acronym and not self.retriever.document_frequency((search_tokens(acronym) or [""])[0]):
            # "What does XYZ stand for?", and XYZ is never used
            return self._unknown(query, cands, [acronym] if acronym in (query.typed or acronym) else [])
        spelled = self._spelled_out(acronym, cands)
        if spelled is not None:  # "What does T stand for?" and a sentence that writes T with its long form
            defining = spelled[0]
        if defining is not None:  # "What is T?" and a sentence that says what T is: it answers (definitions.py)
            cands = [defining] + [c for c in cands if c is not defining]
        named = self._named_row(query, cands) if defining is None else None
        if named is not None:  # a table row whose label the question names: it answers (table_rows.py)
            cands = [named] + [c for c in cands if c is not named]
        listed = opening or (self._named_list(query, cands) if defining is None and named is None else None)
        if listed is not None:  # a list whose heading the question names, in the place the question names, or the
            cands = [listed] + [c for c in cands if c is not listed]  # opening of a section it repeats: it answers
        # A definition, a named row or a named list answers by the document's structure, whatever the checks below.
        structural = any(c is not None for c in (defining, named, listed))
        negated = not structural and asks_negated(query.asked or query.question)
        if negated and not _says_negation(cands[0]):
            # A question that asks what is not so: the best sentence the model read that says something is not so
            # goes first, and is judged as any best sentence is (R105b, docs/answering.md section 3).
            saying = next((c for c in cands if c.scored is not None and _says_negation(c)), None)
            if saying is not None:
                cands = [saying] + [c for c in cands if c is not saying]
        swapped = not structural and self._swapped(query, cands[0])
        read = cands  # as ranked: a question declined for R114d shows the sentence it was closest to first
        agreeing = None  # when swapped: the best sentence the model read that is not, or None
        if swapped:
            # The best sentence puts another word before a noun the question qualifies ("the second rule" for "the
            # third rule"): the best sentence the model read that does not goes first, and is judged as any best
            # sentence is (R114d, docs/answering.md section 3).
            agreeing = next((c for c in cands if c.scored is not None and not self._swapped(query, c)), None)
            if agreeing is not None:
                cands = [agreeing] + [c for c in cands if c is not agreeing]
        best = cands[0]
        features = self.answer_features(query, cands)
        probability = self.probability(features)
        if term and not structural and not best.chunk.translations and not is_about(term, best.text):
            # "What is T?" answered by a sentence that only mentions T says nothing of what T is. (A sentence
            # read through a machine translation is not checked: its wording is the translator's.)
            return Reading(True, probability, self._closest(cands), "not_close")
        threshold = self.settings.keyword_threshold if query.keyword else self.threshold
        if probability < threshold and not structural:
            reason, terms = self._reason(query, features[-len(RULES):])
            if swapped and reason != "unknown_term":  # what the user is told: the sentence closest in words was
                return Reading(True, probability, self._closest(read), "qualifier_swapped")  # about another one
                # (the rules' reasons would speak of the sentence judged in its place)
            return Reading(True, probability, self._closest(cands), reason, terms=terms)
        if negated and not _says_negation(best):
            # "Which company did not sign the Harbourtown agreement?" is not answered by "Acme and Valmar signed it":
            # a sentence that says no "not", "only", "except"... (nlp.says_negation) answers what is so (R105b).
            return Reading(True, probability, self._closest(cands), "negation_missing")
        if swapped and agreeing is None:
            # "Who wrote the third rule?" is not answered by "Acme wrote the second rule" (R114d).
            return Reading(True, probability, self._closest(read), "qualifier_swapped")
        if not structural and not query.asking and self._off_topic(query, hits):
            # The best sentence of passages that are about something else answers nothing asked (R68). (A question
            # about the document itself has no subject of its own to be near: R86b checks what its answer says.)
            return Reading(True, probability, self._closest(cands), "off_topic")
        if named is not None and len(self.documents(query)) > 1:  # "How has X's revenue changed over time?"
            # The row in each document, latest period first: the answer is the latest one's.
            rows = sorted([best.chunk, *self._same_row_elsewhere(query, best)], reverse=True,
                          key=lambda c: self.retriever.catalogue.period_order(c.source))
            citations = [self._citation(i + 1, c, c.start, c.end, probability) for i, c in enumerate(rows)]
            span = self._span(query, best) if rows[0] is best.chunk else self._row_span(query, rows[0])
            return Reading(False, probability, tuple(citations), span=span)
        passage, passage_start, answer_end = self._list_on(best)
        citations = [replace(self._citation(1, best.chunk, best.answer_start, answer_end, probability),
                             quote=passage[best.answer_start - passage_start:answer_end - passage_start],
                             passage=passage)]
        used = {best.chunk.id}
        own = self._confidence(best.answer_score)
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
            citations.append(self._citation(len(citations) + 1, cand.chunk, cand.answer_start, cand.answer_end, p))
        return Reading(False, probability, tuple(citations), span=spelled[1] if spelled else self._span(query, best))

    def _swapped(self, query: Query, cand: Candidate) -> bool:
        """Whether a candidate, as the model reads it, puts another word before a noun the question qualifies, a word
        its passage never uses (nlp.swapped_qualifiers, R114d). A question read in translation counts a name only as
        its user typed it ("Chilean" for "Chilena" is the translator's name); a number or a word with a negative
        prefix counts however it was typed ("inestable" is "unstable")."""
        chunk = cand.chunk
        passage = " ".join(chunk.translations) if chunk.translations else chunk.text
        typed = {fold(w) for w in raw_tokens(query.typed)} if query.typed else None
        swaps = swapped_qualifiers(query.asked or query.question, cand.model_text(), passage)
        return any(typed is None or kind != "name" or fold(word) in typed for word, _, _, kind in swaps)

    def _off_topic(self, query: Query, hits: list[Hit]) -> bool:
        """Whether no passage read is about the question: each one's cosine to it is under off_topic_cosine, and no
        passage read holds a name the question names. The encoder knows little of a rare name (a programme's name in
        another language, asked on its own, scores about 0.1 against the passage that explains it) where BM25 finds it: a
        passage that holds the name is about it. (A passage read for another reason than the search, a section
        whose heading the question repeats, has no cosine and does not count.)"""
        cosines = [h.dense_score for h in hits if h.dense_score is not None]
        if not cosines or max(cosines) >= self.settings.off_topic_cosine:
            return False
        asked = query.asked or query.question
        names = {w for w in named_terms(asked) if not is_number(w)}
        names |= {w for w, pos in part_of_speech(asked) if pos == "PROPN"}
        tokens = {t for w in names for t in search_tokens(w)[:1]}
        return not any(tokens & set(search_tokens(h.chunk.text))  # ("-k", "BZ_OK": an identifier counts too, R75)
                       or any(holds_identifier(h.chunk.text, i) for i in query.identifiers) for h in hits)

    def _list_on(self, best: Candidate) -> tuple[str, int, int]:
        """(passage, its start, the answer's end) for the best candidate: its chunk and answer, or, for a list that
        runs to the end of its chunk, the text that goes on in the next chunks of its section (they overlap it) as
        far as the list does, up to MAX_LIST_CHUNKS more: a list longer than a chunk is answered whole."""
        chunk = best.chunk
        passage, start, end = chunk.text, chunk.start, best.answer_end
        if chunk.kind != "text" or (best.answer_end == best.end and not best.by_heading):
            return passage, start, end
        units = list(chunk.units)
        at = units.index((best.start, best.end))
        if not best.by_heading and at not in list_groups(chunk.text, units, start):
            return passage, start, end  # (a lead-in that introduces no list: its answer ends in its chunk)
        first = at + (0 if best.by_heading else 1)  # the list's first item
        for _ in range(MAX_LIST_CHUNKS):
            after = self.retriever.store.following(chunk)
            if end != units[-1][1] or after is None or after.start > start + len(passage) or after.page != chunk.page:
                break
            joined = passage + after.text[start + len(passage) - after.start:]
            more = units + [u for u in after.units if u[0] >= units[-1][1]]
            last = more[list_items(joined, more, first, start)[-1][-1]][1]
            if last == end:  # the list ended with the chunk: the passage stays as it was
                break
            passage, units, end, chunk = joined, more, last, after
        return passage, start, end

    def _spelled_out(self, acronym: str | None, cands: list[Candidate]) -> tuple[Candidate, Span] | None:
        """For a question that asks what an acronym the documents define stands for, the best candidate that
        writes it with its long form ("... the Federal Aviation Administration (FAA) ..."), and the long form as
        the answer phrase."""
        long = self.acronyms.get(acronym or "")
        if not long:
            return None
        written = re.compile(r"\s+".join(map(re.escape, long.split())), re.I)
        for cand in cands:
            text = cand.text
            found = written.search(text)
            if cand.chunk.kind != "row" and found and re.search(rf"(?<![\w&]){re.escape(acronym)}(?![\w&])", text):
                return cand, Span(cand.start + found.start(), cand.start + found.end(), found.group(0))
        return None

    def _definition(self, term: str, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks what the term is, the best candidate the model read that defines it."""
        for cand in cands:
            if cand.scored is None or cand.chunk.kind == "row":
                continue
            previous = cand.chunk.text[cand.answer_start - cand.chunk.start:cand.start - cand.chunk.start]
            if defines(term, cand.model_text(), previous):
                return cand
        return None

    def _named_row(self, query: Query, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks for something, not why, the table row the model read whose label it names in
        full and whose values are figures, in a document the question names, and that no rule speaks against:
        the one naming most label words, then the best ranked, unless another with its label is of the kind the
        question asks for (an amount, or a percentage) and it is not."""
        if _EXPLANATION.search(query.asked or query.question):
            return None
        documents = set(self.documents(query))
        tokens = set(query.tokens) | set(query.history_tokens)  # "And for the whole year?": the earlier row's label
        named, most = [], 0  # the best ranked first, of those naming the most label words
        for cand in cands:
            if cand.scored is None or cand.chunk.kind != "row" or (documents and cand.chunk.source not in documents):
                continue
            # A row that describes is read like prose: the model judges it.
            if not holds_figures_only(_cells(cand.text, cand.chunk.headers)):
                continue
            n = named_words(query.question, tokens, cand.text)
            if n >= most and n and not self.veto(query, cand):  # (a year it lacks, a name no passage has: declined)
                named, most = ([] if n > most else named) + [cand], n
        if not named:
            return None
        # A label printed in a table of amounts and again in one of percentages of revenue: the question that asks
        # for no percentage wants the amount ("What were the SG&A costs?"), one that asks for one the percentage.
        best = named[0]
        label = label_text(best.text).casefold()
        twins = [c for c in named[1:] if label_text(c.text).casefold() == label]
        if twins:
            wanted = names_a_percentage(f"{query.asked or query.question} {query.typed}")  # ("porcentaje": read)
            if self._percentages(best) != wanted:
                return next((c for c in twins if self._percentages(c) == wanted), best)
        return best

    def _percentages(self, row: Candidate) -> bool:
        """Whether a row's figures are percentages: written so, or in a table whose first row is 100 percent (a
        statement that gives each line as a percentage of revenue writes "%" on that row alone)."""
        if percentages_only(_cells(row.text, row.chunk.headers)):
            return True
        first = self.retriever.store.first_row(row.chunk)
        return first is not row.chunk and of_a_hundred(_cells(first.text, first.headers))

    def _named_list(self, query: Query, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks for a list, the list a heading introduces whose heading it names ("What are the
        known issues?" and "## Known issues") when everything else it names is where the list is (its section path
        or its document: "What are Acme's known issues?" under "Acme > Known issues"), and no rule speaks against
        it; for a question of another form, one whose heading it is ("Why choose Acme?"); the best ranked of those
        the model read."""
        alone = not asks_for_list(query.question)  # a question of another form must be the heading itself
        asked = query.english_tokens
        for cand in cands:
            if cand.by_heading and cand.scored is not None and _names_heading(asked, cand.chunk, alone) \
                    and not self.veto(query, cand):
                return cand
        return None

    def _repeated_headings(self, query: Query) -> list[Chunk]:
        """The chunks that open a section whose heading the question repeats: it names the heading and nothing else
        but the document ("What is LTS?" and "#### What is LTS?"; "How fast is Acme?" and "## 6. How fast is it?"
        in acme-README.md)."""
        asked = query.english_tokens
        # A follow-up that names no document of its own stays in those its conversation is about ("What about
        # research and development?" after a question on one company's quarter: that filing's section only).
        kept = set() if self.retriever.named_documents(query.tokens) else set(query.documents)
        return [c for c in self.retriever.sections_headed(query.tokens) if _names_heading(asked, c, alone=True)
                and (not kept or c.source in kept)]

    def _opening_of(self, query: Query, cands: list[Candidate], openers: set[str]) -> Candidate | None:
        """The first sentence (or the list) of a section whose heading the question repeats, when no rule speaks
        against it: the document's own answer to its own question. The best ranked of them."""
        for cand in cands:
            if cand.chunk.id in openers and cand.start == cand.chunk.units[0][0] and _answers_heading(cand) \
                    and not self.veto(query, cand):
                return cand
        return None

    def _same_row_elsewhere(self, query: Query, row: Candidate) -> list[Chunk]:
        """For a question over several documents that a named row answers (one quarter's revenue row), the
        row with the same label in each of the others: in the table whose section path shares most words with
        the answer's, one per document, the latest periods first, up to MAX_PERIODS rows with the answer's."""
        label = frozenset(search_tokens(label_text(row.text)))
        section = set(search_tokens(row.chunk.section))
        out = []
        others = [s for s in self.documents(query) if s != row.chunk.source]
        for source in sorted(others, key=self.retriever.catalogue.period_order, reverse=True):
            if len(out) + 1 >= MAX_PERIODS:
                break
            found = self.retriever.rows_labelled(label, source)
            if found:
                out.append(max(found, key=lambda c: (len(section & set(search_tokens(c.section))), -c.start)))
        return out

    def _row_span(self, query: Query, chunk: Chunk) -> Span | None:
        """The value of a row (a chunk of its own) in the column the question asks for, as a phrase."""
        if not query.wants_phrase:
            return None
        found = row_phrase(set(query.tokens), chunk.text, chunk.headers, None, set(query.history_tokens))
        return Span(chunk.start + found[0], chunk.start + found[1], chunk.text[found[0]:found[1]]) if found else None

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
        return Reading(False, ABOUT_SCORE, (self._citation(1, chunk, start, end, ABOUT_SCORE),))

    def _span(self, query: Query, best: Candidate) -> Span | None:
        """The answer phrase inside the best sentence, as document offsets, when the question wants one."""
        if not query.wants_phrase or best.scored is None or best.scored.span is None or best.chunk.translations \
                or best.answer_end != best.end:
            return None  # (a phrase found in a translation has no offsets in the original; a list is the answer)
        a, b = best.scored.span
        read = self._with_long_forms(best.model_text())
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
            out.append(self._citation(len(out) + 1, cand.chunk, cand.start, cand.end, 0.0))
            if len(out) >= self.settings.max_citations:
                break
        return tuple(out)

    def _citation(self, n: int, chunk: Chunk, start: int, end: int, score: float) -> Citation:
        title = self.retriever.store.manifest["files"].get(chunk.source, {}).get("title", "")
        return Citation(n=n, source=chunk.source, section=chunk.section, page=chunk.page, start=start, end=end,
                        quote=chunk.text[start - chunk.start:end - chunk.start], passage=chunk.text,
                        passage_start=chunk.start, score=round(score, 4), title=title, headers=chunk.headers,
                        kind=chunk.kind, language=chunk.language)


def _says_negation(cand: Candidate) -> bool:
    """Whether a candidate's answer says that something is not so (nlp.says_negation): as the model read it (a
    Spanish sentence in translation) or as the document has it (with the sentence a dangling one leans on, or a
    lead-in's list)."""
    chunk = cand.chunk
    return says_negation(cand.model_text() + " " + chunk.text[cand.answer_start - chunk.start:
                                                              cand.answer_end - chunk.start])


_LINK = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.I)


def _cells(text: str, headers: tuple[str, ...]) -> list[str]:
    """A table row's value cells, as text."""
    return [text[s:e] for _, s, e in row_values(text, headers)]


def _by_name(weights: list[float], names: list[str], order: tuple[str, ...]) -> np.ndarray:
    """Fitted weights in the reader's feature order; a feature the fit did not use weighs 0."""
    fitted = dict(zip(names, weights))
    return np.array([float(fitted.get(name, 0.0)) for name in order], dtype=np.float64)


def _is_link(text: str) -> bool:
    return bool(_LINK.match(text))


# A list item that is only a link to an anchor of its own document: "* [Known issues](#known-issues)".
_CONTENTS_LINK = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\(#[^)\s]*\)\s*$")


def _is_contents_link(text: str) -> bool:
    return bool(_CONTENTS_LINK.match(text))


def row_phrase(question: set[str], text: str, headers: tuple[str, ...],
               marked: tuple[int, int] | None = None, earlier: set[str] = frozenset()) -> tuple[int, int] | None:
    """The value of a table row that answers, as offsets into the row's text: the value (a figure) whose column
    header shares most search tokens with the question's; among equals, the one sharing most with the earlier
    question a follow-up leans on ("And for the nine months?" after a question on Q3 2018: the nine months
    of 2018, not of 2017), then the one holding the phrase the span head
    marked (then that phrase, when the value is words: "8.89%" of "Projected CAGR of 8.89% between 2023 and
    2027"), else the first (a filing's first column is its latest period). None when no value holds a figure.

    The span head learnt phrases in prose: in "Total net sales | Three Months Ended June 25, 2022: $82,959 |
    ... | Change: 2 %" it may mark the change."""
    best, best_key = None, None
    for i, (header, s, e) in enumerate(row_values(text, headers)):
        if not any(ch.isdigit() for ch in text[s:e]):
            continue
        words = set(search_tokens(header))
        holds = marked is not None and s <= marked[0] and marked[1] <= e
        key = (len(question & words), len(earlier & words), holds, -i)
        if best_key is None or key > best_key:
            # A figure is marked whole ("$82,959", not "82,959"); inside a value that is a phrase of words, the
            # head's own phrase stands.
            best, best_key = (marked if holds and len(text[s:e].split()) > 3 else (s, e)), key
    return best


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    """Adjacent content-word pairs: shared phrases, not only shared words."""
    return set(zip(tokens, tokens[1:]))


def _names_heading(asked: set[str], chunk: Chunk, alone: bool = False) -> bool:
    """Whether a question (its search tokens) names the chunk's heading, and everything else it names is where
    the chunk is: its section path or its document (file name, description); alone: nothing but the heading and the
    document ("Why choose Acme?" under "### Why choose Acme?" in acme-README.md)."""
    heading = set(heading_words(chunk.heading))
    where = heading | set(search_tokens(f"{chunk.source} {chunk.document}"))
    if not alone:
        where |= set(search_tokens(chunk.section))
    return bool(heading) and heading <= asked <= where


def _answers_heading(cand: Candidate) -> bool:
    """Whether the opening of a section answers for its heading (R100): under a heading that asks ("What is
    Acme?", "6. How fast is it?") whatever opens the section does, and so does a list (a heading names what it
    lists); a sentence under a heading that names a thing ("4.2 The Harbour Fund") must name all of it, or it sets
    the scene instead ("The idea of a reserve goes back to ...")."""
    heading = cand.chunk.heading.strip().rstrip("*_ ")
    if heading.endswith("?") or cand.by_heading or cand.answer_end > cand.end:
        return True
    return set(heading_words(heading)) <= set(search_tokens(cand.text))


def _model_text(chunk: Chunk, k: int) -> str:
    """What the model reads of unit k: a row with its column headers, a sentence as it stands, or the English
    translation of a unit in another language; k = -1 is the heading that introduces a list the chunk opens."""
    if k < 0:
        return chunk.heading + ":"
    if chunk.translations:
        return chunk.translations[k]
    start, end = chunk.units[k]
    text = chunk.text[start - chunk.start:end - chunk.start]
    return row_label(chunk.headers, text) if chunk.kind == "row" else text
