"""Runs of PDF pages, appended in page order, become one Document: offsets shift to the whole text and the
headings met so far give every block its section path."""

from __future__ import annotations

import re
from dataclasses import replace

from ..ingest import MAX_SECTION_CHARS, IngestError
from ..messages import Said
from ..schema import Block, Document
from .reader import COVER_PAGES, PART_PAGES, PdfPart, read_part

PAGE_SEPARATOR = "\n\n"
MAX_SECTION_DEPTH = 5


_SECTION_NUMBER = re.compile(r"^\s*(?:\d+|[A-Z](?=\.\d))(?:\.\d+)*\.?\s+(?=\S)")  # "1.2.7. ", "B.1 " before a title
# "Appendix A ", "Anexo B " before a title: the word a bookmark leaves out ("A A sample session" for the page's
# "Appendix A A sample session", whose title opens with the article "A").
_APPENDIX_WORD = re.compile(r"^\s*(?:appendix|annex|ap[ée]ndice|anexo)\s+(?=\w)", re.I)


def _same_title(a: str, b: str) -> bool:
    """Whether two headings name the same section: the same letters and digits, case aside and a leading section
    number or appendix word aside ("Enlaces" and "1.2.7. Enlaces", a bookmark and the heading line it points at)."""
    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", _APPENDIX_WORD.sub("", _SECTION_NUMBER.sub("", text)).lower())

    return norm(a) == norm(b) and bool(norm(a))


def _numbering(title: str) -> int:
    """How fully a heading says its number: 2 for "1.2." or "B.1", 1 for an appendix word alone, 0 for none."""
    return 2 if _SECTION_NUMBER.match(title) else 1 if _APPENDIX_WORD.match(title) else 0


class PdfAssembler:
    """Collects a PDF's parts in order; add() returns the new blocks, ready to be chunked at once."""

    def __init__(self, source: str):
        self.source = source
        self.parts: list[str] = []
        self.pos = 0
        self.stack: list[tuple[int, str]] = []
        self.blocks: list[Block] = []
        self.warnings: list[str] = []
        self.metadata: dict = {}
        self.cover: list[str] = []  # the text of the first pages, for the document record
        self.page_count = 0
        self.next_page = 1
        self.engine = "pdfium"

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def section(self) -> str:
        path = " > ".join(title for _, title in self.stack[-MAX_SECTION_DEPTH:])
        return path if len(path) <= MAX_SECTION_CHARS else "… " + path[-(MAX_SECTION_CHARS - 2):]

    def _open(self, level: int, title: str) -> None:
        if self.stack and _same_title(self.stack[-1][1], title):
            # A bookmark and the heading line it points at name the same section: one section, at the bookmark's
            # level whichever came first, numbered as the page prints it ("1.1 El material" for "El material").
            top_level, top_title = self.stack.pop()
            if _numbering(top_title) >= _numbering(title):
                title = top_title
            level = min(level, top_level)
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))

    def add(self, part: PdfPart) -> list[Block]:
        if part.first != self.next_page:
            raise ValueError(f"pages {part.first}… of {self.source} arrived before page {self.next_page}")
        if part.first == 1:
            self.metadata = part.metadata
            self.engine = part.engine
        self.page_count = part.page_count
        self.warnings.extend(part.warnings)
        new: list[Block] = []
        for page in part.pages:
            if self.pos:
                self.parts.append(PAGE_SEPARATOR)
                self.pos += len(PAGE_SEPARATOR)
            base = self.pos
            events = sorted(page.headings, key=lambda h: h[0])
            e = 0
            for block in sorted(page.blocks, key=lambda b: b.start):
                while e < len(events) and events[e][0] <= block.start:
                    self._open(events[e][1], events[e][2])
                    e += 1
                new.append(replace(block, start=base + block.start, end=base + block.end, section=self.section()))
            for _, level, title in events[e:]:
                self._open(level, title)
            self.parts.append(page.text)
            self.pos += len(page.text)
            if page.number <= COVER_PAGES:
                self.cover.append(page.text)
            self.next_page = page.number + 1
        self.blocks.extend(new)
        return new

    @property
    def complete(self) -> bool:
        return self.next_page > self.page_count

    def document(self) -> Document:
        if not self.blocks:
            raise IngestError(Said("pdf_no_text"))
        from ..documents import pdf_title

        return Document(self.source, self.text, pdf_title(self.source, self.metadata), tuple(self.blocks),
                        tuple(self.warnings))


def assemble_pdf(source: str, data: bytes) -> PdfAssembler:
    """The whole PDF read in this process, part after part; the assembler also holds its cover pages and
    metadata, for the document record (the build reads parts in worker processes instead)."""
    assembler = PdfAssembler(source)
    while True:
        assembler.add(read_part(source, data, assembler.next_page, PART_PAGES))
        if assembler.complete:
            return assembler


def load_pdf(source: str, data: bytes) -> Document:
    """The whole PDF read in this process, as one document."""
    return assemble_pdf(source, data).document()
