"""Hybrid retrieval: dense (FAISS) and sparse (BM25) search over the same chunks, fused by score; passages of
the documents a question names (a company, a period: assistant/documents.py) rank first."""

from __future__ import annotations

import math

import numpy as np

from .documents import DocumentCatalogue
from .schema import Citation, Hit
from .store import Store
from .table_rows import label_text
from .text import heading_words, holds_identifier, identifier_key, search_tokens, wording

DENSE_WEIGHT = 0.7  # measured best of 0.3-0.9 on the gold sets (docs/answering.md)
# A table row whose label the question names ("gross margin", "total net sales") joins the candidates with this
# much added to its fused score: a row's figures share few words with a question, and its label is its name.
LABEL_BONUS = 0.15


# Chunks (positions) by a phrase's words, each under the least of them: a phrase all of whose words a question has
# is found by looking up the question's words (_named).
_ByWords = dict[str, list[tuple[int, frozenset[str]]]]


def _add(index: _ByWords, i: int, words: list[str]) -> None:
    if words:
        index.setdefault(min(words), []).append((i, frozenset(words)))


def _named(index: _ByWords, tokens: list[str]) -> set[int]:
    """The positions whose phrase's words are all among these tokens."""
    asked = set(tokens)
    return {i for t in asked for i, words in index.get(t, ()) if words <= asked}


class Retriever:
    def __init__(self, store: Store, top_k: int = 20):
        self.store = store
        self.top_k = top_k
        self._prefetched: dict[bytes, list[tuple[int, float]]] = {}  # query vector -> its dense hits
        self._identifiers: dict[str, bool] = {}  # identifier_key -> whether a passage holds it (holds_identifier)
        files = store.manifest.get("files", {})
        self.catalogue = DocumentCatalogue({source: dict(entry.get("record") or {}, title=entry.get("title", ""))
                                            for source, entry in files.items() if isinstance(entry, dict)})
        self._chunks_of: dict[str, np.ndarray] = {}
        for i, chunk in enumerate(store.chunks):
            self._chunks_of.setdefault(chunk.source, []).append(i)
        self._chunks_of = {s: np.asarray(ids, dtype=np.int64) for s, ids in self._chunks_of.items()}
        self._printed = {(c.source, c.page): c.printed_page for c in store.chunks if c.printed_page}
        self._labels: _ByWords = {}  # table rows by their label's words
        self._headings: _ByWords = {}  # the chunks that open a section, by their heading's words
        for i, chunk in enumerate(store.chunks):
            if chunk.kind == "row":
                _add(self._labels, i, search_tokens(label_text(chunk.text)))
            if chunk.section and store.opens_section(chunk):
                _add(self._headings, i, heading_words(chunk.heading))

    @property
    def n_chunks(self) -> int:
        return len(self.store.chunks)

    def document_frequency(self, token: str) -> int:
        return self.store.document_frequency(token)

    def mentions(self, token: str) -> bool:
        """Whether the documents mention this search token: a passage holds it, or a document's title or file name
        does (a Markdown file's title is no passage: "Valmar" of "# Valmar Ferries annual report")."""
        return bool(self.document_frequency(token)) or token in self.catalogue.record_words

    def holds_identifier(self, identifier: str) -> bool:
        """Whether a passage holds this code identifier whole (text.code_identifiers: "BZ_OK", "-k"), where its
        search tokens ("bz", "ok") would be found in many; a file's name counts too. Looked for in all the passages'
        text at once, and remembered (on the first question that names it: about 0.8 s for 60 MB of text when no
        passage holds it, far less when one holds it as typed)."""
        key = identifier_key(identifier)
        if key not in self._identifiers:
            if len(self._identifiers) >= 1024:
                self._identifiers.clear()
            text = "\n".join([*(chunk.text for chunk in self.store.chunks), *self._chunks_of])
            self._identifiers[key] = holds_identifier(text, identifier)
        return self._identifiers[key]

    def knows_any(self, tokens: list[str]) -> bool:
        """Whether the documents mention one of these search tokens, or, for a token of five letters or more, one a
        single letter away from it (a typo: "mathmat" of "mathmatical" for "mathemat")."""
        if any(self.mentions(t) for t in tokens):
            return True
        return any(len(token) >= 5 and any(self.mentions(t) for t in _one_letter_away(token)) for token in tokens)

    def knows_word(self, word: str) -> bool:
        """Whether the documents mention this word's search token, one a letter away (knows_any), or the token of
        the word with one letter accented: a name typed without its accent ("Schrodinger", "Yesun" for
        "Schrödinger", "Yesün")."""
        tokens = search_tokens(word)[:1]
        if not tokens or self.knows_any(tokens):
            return True
        lower = word.lower()
        return any(self.mentions((search_tokens(lower[:i] + accented + lower[i + 1:]) or [""])[0])
                   for i, letter in enumerate(lower) for accented in _ACCENTED.get(letter, ""))

    def idf(self, token: str) -> float:
        n, df = max(self.n_chunks, 1), self.document_frequency(token)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def prefetch(self, query_vectors: np.ndarray) -> None:
        """Search these questions' vectors in one call to the store (a batch of `ask --jsonl` or `eval`), so
        a store across the network is asked once for the batch rather than once a question."""
        if not len(query_vectors):
            return
        results = self.store.dense_search(np.asarray(query_vectors, dtype=np.float32), self.top_k)
        if len(self._prefetched) > 4096:
            self._prefetched.clear()
        for vector, hits in zip(query_vectors, results):
            self._prefetched[np.asarray(vector, dtype=np.float32).tobytes()] = hits

    def dense(self, query_vector: np.ndarray, k: int, within: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k chunks nearest in meaning; within, if given, limits the search to those chunk indexes."""
        vector = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        if within is None and k <= self.top_k:
            hits = self._prefetched.get(vector.tobytes())
            if hits is not None:
                return hits[:k]
        return self.store.dense_search(vector, k, within)[0]

    def sparse(self, tokens: list[str], k: int, within: np.ndarray | None = None) -> list[tuple[int, float]]:
        return self.store.lexical_search(tokens, k, within)

    def search(self, query_vector: np.ndarray, tokens: list[str], k: int | None = None,
               question: str | None = None, encode=None, documents: list[str] | tuple[str, ...] = (),
               apart: frozenset[str] = frozenset()) -> list[Hit]:
        """Weighted fusion: DENSE_WEIGHT x cosine + the rest x BM25 scaled by the best BM25 score.

        On the gold sets (107 answerable questions) this ranks the evidence chunk first for 90% of
        questions, against 76% for reciprocal-rank fusion, 63% dense alone and 86% BM25 alone.

        When the question names some documents (a company, a quarter or year, "the latest report":
        named_documents), their passages come first, ranked among themselves, then the rest: in a folder of
        many similar filings the best-matching sentence is as often in another company's report as in the
        one asked about. Inside them, given the question and encode (text -> query vector), the dense search
        reads the question without the words that name the filings (focused_question), which otherwise pull it
        towards the covers and certifications that repeat them (docs/answering.md, "The dense search inside the
        named filings"). documents, given, are the ones the question asks about, the conversation considered
        (Query.documents), instead of those its tokens name.
        apart: the tokens of a question's own language that its English reading lacks (a Spanish question's words):
        BM25 weighs them in a search of their own, and a passage scores the better of the two searches, not their
        sum. A Spanish passage is indexed with its translation's words and its own, and would match such a question
        twice where an English passage matches once (docs/answering.md, section 5).
        """
        k = k or self.top_k
        named = [s for s in documents if s in self._chunks_of] or self.named_documents(tokens)
        if not named:
            return self._distinct(self._fused(query_vector, tokens, k, apart=apart), k)
        within = np.concatenate([self._chunks_of[s] for s in named if s in self._chunks_of])
        # Inside the named filings, the words that named them ("Apple", "Q3", "10-Q", "latest") are on every
        # page and match the certifications and covers that repeat them best: they no longer tell passages apart.
        naming = self.catalogue.naming_tokens(tokens, named)
        focused = _without(question, naming) if question and encode is not None else None
        first = self._fused(query_vector if focused is None else encode(focused),
                            [t for t in tokens if t not in naming] or tokens, k, within, apart)
        seen = {id(h.chunk) for h in first}
        rest = [h for h in self._fused(query_vector, tokens, k, apart=apart) if id(h.chunk) not in seen]
        return self._distinct(first + rest, k)

    def focused_question(self, question: str, tokens: list[str]) -> str | None:
        """The question without the words that only say which documents it asks about ("What was NVIDIA's
        operating cash flow in the Q3 2022 10-Q?" -> "What was operating cash flow in the 2022"), for the
        dense search inside those documents; None when it names none, or when nothing else is left."""
        named = self.named_documents(tokens)
        return _without(question, self.catalogue.naming_tokens(tokens, named)) if named else None

    @staticmethod
    def _distinct(hits: list[Hit], k: int) -> list[Hit]:
        """Hits in order, a passage that repeats an earlier one word for word and figure for figure kept once,
        in the same document (two officers' identical certifications, a running statement) or in another (the
        list of exhibits of every filing in a folder), so that the reader sees k different passages. The first
        copy stays: inside the documents a question names, theirs."""
        out, seen = [], set()
        for hit in hits:
            key = (wording(hit.chunk.text), *hit.chunk.headers)  # a row's column headers count too
            if key in seen:
                continue
            seen.add(key)
            out.append(Hit(hit.chunk, hit.score, hit.dense_score, hit.sparse_score, len(out)))
            if len(out) >= k:
                break
        return out

    def labelled_rows(self, tokens: list[str], within: np.ndarray | None = None) -> set[int]:
        """Table rows whose label the question names in full (all of the label's words are among its tokens)."""
        allowed = set(within.tolist()) if within is not None else None
        return {i for i in _named(self._labels, tokens) if allowed is None or i in allowed}

    def first_chunks(self, source: str, n: int) -> list:
        """The first n chunks of a document (chunks are in document order)."""
        ids = self._chunks_of.get(source)
        return [self.store.chunks[int(i)] for i in ids[:n]] if ids is not None else []

    def sections_headed(self, tokens: list[str]) -> list:
        """The chunks that open a section whose heading's words are all among these search tokens, in document
        order ("What is LTS?" and "#### What is LTS?")."""
        return [self.store.chunks[i] for i in sorted(_named(self._headings, tokens))]

    def rows_labelled(self, label: frozenset[str], source: str) -> list:
        """The table rows of a document whose label is these search tokens (Retriever keeps them by label)."""
        ids = set(self._chunks_of.get(source, np.zeros(0, dtype=np.int64)).tolist())
        return [self.store.chunks[i] for i, words in self._labels.get(min(label), ()) if words == label and i in ids] \
            if label else []

    def _fused(self, query_vector: np.ndarray, tokens: list[str], k: int,
               within: np.ndarray | None = None, apart: frozenset[str] = frozenset()) -> list[Hit]:
        dense = dict(self.dense(query_vector, k, within))
        sparse = dict(self.sparse([t for t in tokens if t not in apart], k, within))
        own = [t for t in tokens if t in apart]
        for i, score in self.sparse(own, k, within) if own else ():
            sparse[i] = max(sparse.get(i, 0.0), score)
        labelled = self.labelled_rows(tokens, within)
        # A passage BM25 found beyond the dense search's top k is weighed with its own cosine, not 0 (which would
        # rank it under every passage the dense search returned), and so is a named row. Inside the documents a
        # question names, only named rows are: the fusion weight was measured there with prose outside the top k
        # at 0, and giving it its cosine cost table rows (docs/answering.md, "What is left").
        found = (sparse.keys() | labelled) if within is None else labelled
        dense.update(self._dense_of(query_vector, found - dense.keys()))
        top_sparse = max(sparse.values(), default=0.0) or 1.0
        fused = {i: DENSE_WEIGHT * dense.get(i, 0.0) + (1 - DENSE_WEIGHT) * sparse.get(i, 0.0) / top_sparse
                 + (LABEL_BONUS if i in labelled else 0.0)
                 for i in dense.keys() | sparse.keys() | labelled}
        order = sorted(fused, key=lambda i: (-fused[i], i))
        return [Hit(self.store.chunks[i], fused[i], dense.get(i), sparse.get(i), rank)
                for rank, i in enumerate(order[:k])]

    def _dense_of(self, query_vector: np.ndarray, ids: set[int]) -> dict[int, float]:
        """Cosine of the question with these chunks' vectors (the mean of their units, as the index holds)."""
        out = {}
        for i in ids:
            units = self.store.units_of(i).astype(np.float32)
            mean = units.mean(axis=0)
            norm = float(np.linalg.norm(mean)) or 1.0
            out[i] = float(mean @ query_vector) / norm
        return out

    # --- what the question says about which documents ---------------------------------------------

    def named_documents(self, tokens: list[str]) -> list[str]:
        """The documents (sources) a question's search tokens name by company, ticker, file name or period;
        [] when they name none in particular (or every document)."""
        return self.catalogue.named(tokens)

    def unmatched_entities(self, question: str) -> list[str]:
        """Organisations the question asks about ("What is Adobe's operating margin?") that no indexed
        document is about and the documents at most mention in passing; [] when there are none.

        For the reader: when this is not empty the documents cannot answer, and the answer should abstain
        saying so (messages.py, "no_document"). Only folders whose documents name their company
        (a filing's cover page, the PDF metadata) are checked: elsewhere a name is not a sign of a missing
        document.
        """
        return self.catalogue.unmatched_entities(question, self.document_frequency)

    def uncovered_quarter(self, question: str) -> tuple[str, str] | None:
        """(company, quarter) when the question asks about a company's quarter that none of its documents
        covers ("What were Acme's inventories in Q4 2019?" over reports up to Q2 2019): the answer should
        abstain saying so (messages.py, "no_quarter"), rather than cite another quarter's figure."""
        return self.catalogue.uncovered_quarter(search_tokens(question))

    # --- citations ------------------------------------------------------------------------------------

    def printed_page(self, source: str, page: int | None) -> str | None:
        """The number a PDF page prints or labels itself with, when it is not its position in the file."""
        printed = self._printed.get((source, page)) if page else None
        return printed if printed and printed != str(page) else None

    def with_printed_pages(self, citations) -> tuple[Citation, ...]:
        """The citations, each knowing the page number printed on its page (see Citation.printed_page)."""
        from dataclasses import replace

        return tuple(replace(c, printed_page=self.printed_page(c.source, c.page)) for c in citations)


# The accented forms of a letter (Latin scripts).
_ACCENTED = {"a": "áàâäãå", "c": "ç", "e": "éèêë", "i": "íìîï", "n": "ñ", "o": "óòôöõø", "u": "úùûü", "y": "ýÿ"}


def _one_letter_away(token: str):
    """Every string one deletion, transposition, substitution or insertion of a letter a-z away."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(len(token) + 1):
        head, tail = token[:i], token[i:]
        if tail:
            yield head + tail[1:]
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]
            for c in letters:
                if c != tail[0]:
                    yield head + c + tail[1:]
        for c in letters:
            yield head + c + tail


def _without(question: str, naming: set[str]) -> str | None:
    """The question's words but those whose search tokens are all naming tokens; None when it has none of
    them, or nothing else."""
    words = question.split()
    kept = [word for word in words if not naming.issuperset(search_tokens(word) or [""])]
    return " ".join(kept) if len(kept) < len(words) and search_tokens(" ".join(kept)) else None
