"""Frozen dataclasses passed between pipeline stages: documents, chunks, hits, citations, answers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any


def _from_dict(cls, data: dict[str, Any]):
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in names}
    for key, value in kwargs.items():
        if isinstance(value, list):
            kwargs[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return cls(**kwargs)


@dataclass(frozen=True)
class Block:
    """A run of document text that chunking must not cross: a paragraph group, a table row or a PDF page."""

    kind: str  # "text" or "row"
    start: int
    end: int
    section: str = ""
    page: int | None = None
    headers: tuple[str, ...] = ()  # column headers, for table rows
    cells: tuple[str, ...] = ()  # the row's cell values, for table rows
    printed_page: str | None = None  # the number the PDF page prints or labels itself with, when it has one
    language: str = "en"  # "es" for Spanish text (per document, or per page for a PDF)


@dataclass(frozen=True)
class Document:
    """One ingested file: its extracted text and the blocks that structure it."""

    source: str  # path relative to the corpus, with forward slashes
    text: str
    title: str
    blocks: tuple[Block, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """The smallest answerable span: one sentence, or one table row."""

    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A few sentences of one section (or one table row), with exact offsets into its document."""

    id: str
    source: str
    text: str
    start: int
    end: int
    section: str = ""
    page: int | None = None
    kind: str = "text"
    headers: tuple[str, ...] = ()
    units: tuple[tuple[int, int], ...] = ()  # absolute (start, end) of each sentence or row
    printed_page: str | None = None  # what a PDF page prints as its number ("20" on physical page 23)
    document: str = ""  # who and what the document is about ("Apple Inc. 10-Q, period ended July 1, 2023")
    language: str = "en"
    # For a chunk not in English: each unit's English machine translation, made at build time. It is what is
    # embedded and what the reader model reads; citations and offsets always point at the original.
    translations: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """The last heading of its section path: the one it is written under."""
        return self.section.split(" > ")[-1]

    @staticmethod
    def make_id(source: str, section: str, text: str, occurrence: int = 0) -> str:
        """A hash of where the text belongs and what it says, not of its offset: an edit elsewhere in the file
        leaves this chunk's id alone. occurrence tells apart the same text repeated in one section."""
        digest = hashlib.sha256(f"{source}\x00{section}\x00{text}\x00{occurrence}".encode("utf-8"))
        return digest.hexdigest()[:16]

    def embedding_texts(self) -> list[str]:
        """The texts embedded for this chunk's units: each carries its section path and, for rows, its headers
        (the English translation of a unit, when the chunk has one)."""
        prefix = f"{self.section}: " if self.section else ""
        if self.translations:
            return [prefix + t for t in self.translations]
        if self.kind == "row":
            return [prefix + row_label(self.headers, self.text)]
        return [prefix + self.text[s - self.start : e - self.start] for s, e in self.units]

    def search_text(self) -> str:
        """What sparse retrieval indexes: the document's description, section path, headers and text, and the
        text's English translation when it has one.

        A filing's sentences say "the Company", not "Apple": the description lets a passage match the company
        a question names (and not look like it is about someone else)."""
        body = row_label(self.headers, self.text) if self.kind == "row" else self.text
        if self.translations:
            body += "\n" + "\n".join(self.translations)
        head = "\n".join(part for part in (self.document, self.section) if part)
        return f"{head}\n{body}" if head else body

    def index_tokens(self) -> list[str]:
        """Its BM25 tokens: English ones of search_text(), and Spanish ones of the original text when it is Spanish."""
        from .text import search_tokens, spanish_tokens

        tokens = search_tokens(self.search_text())
        return tokens + spanish_tokens(self.text) if self.language == "es" else tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        return _from_dict(cls, data)


# A cell of a table aligned with spaces: words one space apart, the cells two or more apart.
SPACED_CELL = re.compile(r"\S+(?: \S+)*")


def split_row(text: str) -> list[str]:
    """Cells of a tab-separated or pipe table row, or of a row aligned with spaces (neither tab nor pipe)."""
    stripped = text.strip()
    if "\t" in stripped:
        return [c.strip() for c in stripped.split("\t")]
    if "|" not in stripped:
        return SPACED_CELL.findall(stripped)
    if "\n" in stripped:  # a grid table's row over several lines: each column's pieces, top to bottom
        pieces = [split_row(line) for line in stripped.splitlines()]
        return [" ".join(p[k] for p in pieces if k < len(p) and p[k]) for k in range(max(map(len, pieces)))]
    return [c.strip() for c in stripped.strip("|").split("|")]


def row_values(text: str, headers: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(column header, start, end) of each value of a table row after its label, as offsets into text. The
    header is the table's, or the one a PDF row's cell carries ("Three Months Ended July 1, 2023: 36,413"). A
    grid table's row over several lines gives each value's first piece (the line it starts on)."""
    out = []
    for i, (start, end) in enumerate(_cell_spans(text)[1:], start=1):
        header = headers[i] if i < len(headers) else ""
        cell = text[start:end]
        if header and cell.startswith(f"{header}: "):
            start += len(header) + 2
        elif not header and ": " in cell:
            header, value = cell.rsplit(": ", 1)
            start = end - len(value)
        if start < end:
            out.append((header, start, end))
    return out


def _cell_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of a row, its label first; an empty cell is an empty span."""
    if "|" in text and "\n" in text.strip():  # a grid table's row over several lines: each column's first piece
        spans: list[tuple[int, int]] = []
        at = 0
        for line in text.split("\n"):
            for n, (start, end) in enumerate(_cell_spans(line)):
                if n == len(spans):
                    spans.append((at + start, at + start))
                if start < end and spans[n][0] == spans[n][1]:
                    spans[n] = (at + start, at + end)
            at += len(line) + 1
        return spans
    cells, at = [], 0
    separator = "\t" if "\t" in text else "|" if "|" in text else ""
    if not separator:  # aligned with spaces
        return [m.span() for m in SPACED_CELL.finditer(text)]
    for part in text.split(separator):
        lead = len(part) - len(part.lstrip())
        cells.append((at + lead, at + len(part.rstrip())))
        at += len(part) + 1
    if separator == "|" and text.strip().startswith("|"):
        cells = cells[1:]  # a Markdown row opens with a pipe: the label is the cell after it
    if separator == "|" and text.strip().endswith("|") and cells and cells[-1][0] == cells[-1][1]:
        cells = cells[:-1]  # ... and closes with one: nothing after it
    return cells


def row_label(headers: tuple[str, ...], text: str) -> str:
    """A table row as 'Header: value | Header: value', the form that is embedded and shown."""
    cells = split_row(text)
    if not headers:
        return " | ".join(cells)
    parts = []
    for i, cell in enumerate(cells):
        if not cell:
            continue  # an empty cell says nothing; "Header: " would only be noise
        name = headers[i] if i < len(headers) else ""
        # PDF table rows are written with their headers already ("Q3 2023: $81,797"): never name them twice.
        parts.append(f"{name}: {cell}" if name and not cell.startswith(f"{name}: ") else cell)
    return " | ".join(parts)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and each retriever's own score (None if it did not find it)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    sparse_score: float | None = None
    rank: int = 0


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    section: str
    page: int | None
    start: int  # absolute offsets of the quote in the document text
    end: int
    quote: str
    passage: str  # the chunk the quote stands in
    passage_start: int
    score: float
    title: str = ""
    headers: tuple[str, ...] = ()
    kind: str = "text"  # "row" when the quote is a table row (headers then name its columns)
    printed_page: str | None = None  # the number printed on the PDF page, when it differs from `page`
    language: str = "en"  # the document's, at the quote ("es" for Spanish; per page for a PDF)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["headers"] = list(self.headers)
        return data


@dataclass(frozen=True)
class Span:
    """The phrase inside the answer sentence that answers the question: absolute document offsets, verbatim."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Translation:
    """A machine translation of the answer sentence: shown under the quote, labelled, never cited as one."""

    text: str
    source_language: str
    target_language: str
    label: str  # "Machine translation" / "Traducción automática"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str | None
    abstained: bool
    score: float
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    message: str = ""
    answer_span: Span | None = None  # inside citations[0]; None when no single phrase answers ("why ...?")
    read_as: str = ""  # the question as read (a follow-up's referent filled in, or its English translation)
    language: str = "en"  # the question's language; fixed texts and the message follow it
    translation: Translation | None = None  # of the answer, when the document's language is not the question's
    conversational: bool = False  # a reply to small talk ("Hi", "Thanks"): the message is the whole reply

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "score": round(self.score, 4),
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            **({"answer_span": self.answer_span.to_dict()} if self.answer_span else {}),
            **({"read_as": self.read_as} if self.read_as else {}),
            "language": self.language,
            "message": self.message,
            **({"translation": self.translation.to_dict()} if self.translation else {}),
            **({"conversational": True} if self.conversational else {}),
        }
