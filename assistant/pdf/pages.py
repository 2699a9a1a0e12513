"""One PDF page as text and blocks: paragraphs, one row block per table row, and the headings that open
sections, with offsets into the page's text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..schema import Block
from ..text import sentence_spans
from .layout import Line
from .structure import (FONT_LEVEL_UNDER_OUTLINE, MAX_HEADING_WORDS, BodyStyle, OutlineEntry, heading_level, numbered,
                        title_text)
from .tables import Table

PARAGRAPH = "\n\n"
_BULLET = re.compile(r"^(?:[•●▪■◦○□➢►‣*]|[-–—]\s|\(?[a-z0-9]{1,3}\)\s)")
MAX_UNIT_WORDS = 80  # the longest answer unit wanted, unless one sentence is longer
FRAGMENT_WORDS = 6
_SENTENCE_END = re.compile(r"[.!?;:][\"'”’)\]]*$")
SMALL_CAPS = (0.6, 0.9)  # the size of small capitals, as a share of the size of the text they stand in
BLANK_LINE = 0.45  # a gap over this share of the line height may be a blank line between paragraphs...
MORE_SPACE = 0.25  # ...when it is also this share of the line height more than the page's line spacing
MIN_SPACING_PAIRS = 3
# Heading lines that join to more words than this are a paragraph set in bold or capitals, not a title (titles over
# two lines run to about 20 words: "Condensed Consolidated Statements of Shareholders' Equity for the Three ...").
MAX_JOINED_HEADING_WORDS = 2 * MAX_HEADING_WORDS
# A title page's lines under its title (authors, affiliations, a date) are set smaller than the title, below this
# share of its size, and larger than the text, by this share of its size at least.
TITLE_BLOCK_SIZE = 0.95
TITLE_BLOCK_OVER_TEXT = 1.05
TINY = 0.75  # superscript markers ("(1)") that pdfium lists apart are smaller than this share of the body size


@dataclass
class PageOut:
    """A page ready to be appended to its document: offsets are into `text`, sections are not yet known."""

    number: int  # 1-based physical page
    printed: str | None
    text: str
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (offset, level, title) opening a section


class _Writer:
    def __init__(self, number: int, printed: str | None, spacing: float | None = None):
        self.page = PageOut(number, printed, "")
        self.spacing = spacing  # the page's usual gap between the lines of a paragraph (line_spacing)
        self.parts: list[str] = []
        self.pos = 0
        self.open_paragraph: list[Line] = []
        self.paragraph_start = 0
        self.keep_short = False  # the open paragraph is a line of the title block: kept however short

    def _write(self, text: str) -> int:
        """Append text as a new piece (after a paragraph break); return where it starts."""
        if self.parts:
            self.parts.append(PARAGRAPH)
            self.pos += len(PARAGRAPH)
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        return start

    def line(self, line: Line) -> None:
        last = self.open_paragraph[-1] if self.open_paragraph else None
        if last is not None and _same_paragraph(last, line, self.spacing):
            self.parts.append("\n" + line.text)
            self.pos += 1 + len(line.text)
            self.open_paragraph.append(line)
            return
        self.close()
        self.paragraph_start = self._write(line.text)
        self.open_paragraph = [line]

    def title_line(self, line: Line) -> None:
        """A line of the title block (authors, a date): text, kept however short ("Maria Lindqvist"), for the
        question of who wrote the document or when."""
        self.line(line)
        self.keep_short = True

    def close(self) -> None:
        if not self.open_paragraph:
            return
        lines = self.open_paragraph
        self.open_paragraph = []
        keep_short, self.keep_short = self.keep_short, False
        text = "\n".join(line.text for line in lines)
        spans = [(0, len(text))]
        if len(text.split()) > MAX_UNIT_WORDS and _run_on(text):
            # Lists, glossaries and tables read as text run on without a sentence end: a line each is a unit.
            spans, at = [], 0
            for line in lines:
                spans.append((at, at + len(line.text)))
                at += len(line.text) + 1
        for start, end in spans:
            if not keep_short and (_fragment(text[start:end]) or _contents(text[start:end])):
                continue
            self.page.blocks.append(Block("text", self.paragraph_start + start, self.paragraph_start + end, "",
                                          self.page.number, printed_page=self.page.printed))

    def heading(self, text: str, level: int) -> None:
        self.close()
        start = self._write(text)
        self.page.headings.append((start, level, title_text(text)))

    def event(self, level: int, title: str) -> None:
        """A section opened by the outline where no heading line of this page marks it."""
        self.close()
        self.page.headings.append((self.pos, level, title))

    def table(self, table: Table) -> None:
        """One line per row, as one piece; each row is a block of its own (a table of contents: none).

        A row is written with its label and each value under its column's header, the form Markdown table
        rows are shown in ("Total net sales | Three Months Ended July 1, 2023: $81,797 | ..."): a row cut
        from its header says nothing, and the reader and the search then see the period a figure is for.
        """
        self.close()
        rows = []
        for row in table.rows:
            label = f"{row.group}: {row.label}" if row.group and row.label else row.label
            named = [(n, f"{h}: {v}" if h else v) for n, (h, v) in enumerate(zip(table.headers, row.values)) if v]
            # A wide table's row is cut into runs of columns, each with the label, so no unit runs past
            # MAX_UNIT_WORDS (fair-value tables with eight long-headed columns would reach a hundred words).
            for run in _column_runs(label, named):
                text = " | ".join(([label] if label else []) + [cell for _, cell in run])
                headers = tuple(table.headers[n] for n, _ in run)
                values = tuple(row.values[n] for n, _ in run)
                if label:
                    headers, values = (row.group, *headers), (row.label, *values)
                rows.append((text, headers, values))
        start = self._write("\n".join(text for text, _, _ in rows))
        if table.is_contents:
            return  # in the text, but no answer: "Item 2. | Management's Discussion ... | 15" says where, not what
        at = start
        for text, headers, cells in rows:
            self.page.blocks.append(Block("row", at, at + len(text), "", self.page.number, headers, cells,
                                          self.page.printed))
            at += len(text) + 1

    def finish(self) -> PageOut:
        self.close()
        self.page.text = "".join(self.parts)
        return self.page


def _column_runs(label: str, named: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    runs: list[list[tuple[int, str]]] = [[]]
    words = len(label.split())
    for item in named:
        size = len(item[1].split()) + 1  # the "|" before it reads as a word too
        if runs[-1] and words + size > MAX_UNIT_WORDS:
            runs.append([])
            words = len(label.split())
        runs[-1].append(item)
        words += size
    return runs


_CONTENTS_LINE = re.compile(r"(?:\.\s?){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*$", re.I)  # "1.1. El material . . . . 1"


def _contents(text: str) -> bool:
    """Lines of a table of contents set as text, half of them or more a title, a dot leader and a page number: it
    says where a section is, not what it says (a contents table gives no rows either)."""
    lines = text.split("\n")
    return 2 * sum(1 for line in lines if _CONTENTS_LINE.search(line)) >= len(lines)


def _fragment(text: str) -> bool:
    """A few words without a figure or a sentence end ("Page", a heading set in body type): a label of the
    page, not something a question is answered with."""
    return len(text.split()) <= FRAGMENT_WORDS and not _SENTENCE_END.search(text) \
        and not any(ch.isdigit() for ch in text)


def _run_on(text: str) -> bool:
    """Whether some stretch of the paragraph longer than MAX_UNIT_WORDS has no sentence end: not prose."""
    return any(len(text[s:e].split()) > MAX_UNIT_WORDS and not _SENTENCE_END.search(text[s:e])
               for s, e in sentence_spans(text))


def _below_in_same_type(above: Line, line: Line) -> bool:
    """Whether line stands under above (not moved up: a new column or box) in the same size of type, or goes on
    with above's sentence in small capitals (_small_caps_after)."""
    return line.top <= above.top + 1 and (abs(line.size - above.size) <= 0.1 * max(above.size, 1)
                                          or _small_caps_after(above, line))


def _small_caps_after(above: Line, line: Line) -> bool:
    """Whether line is set in small capitals and goes on with the sentence above leaves open: all its letters
    capitals, its size SMALL_CAPS of above's, and above a line of running text (a lowercase letter) that does not end
    its sentence ("... under the ACME PUBLIC" / "LICENCE.", as LaTeX's \\textsc sets a licence's name; not a
    cover page's caption in capitals, "(STATE OF INCORPORATION)", under a line in capitals)."""
    letters = [ch for ch in line.text if ch.isalpha()]
    return (bool(letters) and all(ch.isupper() for ch in letters) and any(ch.islower() for ch in above.text)
            and SMALL_CAPS[0] * above.size <= line.size <= SMALL_CAPS[1] * above.size
            and not _SENTENCE_END.search(above.text.rstrip()))


def _same_paragraph(above: Line, line: Line, spacing: float | None = None) -> bool:
    if not _below_in_same_type(above, line):
        return False
    height, gap = max(line.height, above.height), above.bottom - line.top
    if gap > BLANK_LINE * height and (spacing is None or gap >= spacing + MORE_SPACE * height):
        return False  # a blank line's worth of space, more than the page puts between the lines of a paragraph
    return not _BULLET.match(line.text)


def line_spacing(lines: list[Line]) -> float | None:
    """The page's usual gap between one line and the next in the same type, going down (the median): what a
    paragraph's lines are set apart by. Double-spaced text sets them a line apart, which is no paragraph break.
    None on a page with too few such pairs to tell."""
    gaps = sorted(above.bottom - line.top for above, line in zip(lines, lines[1:])
                  if _below_in_same_type(above, line)
                  and -0.5 * line.height < above.bottom - line.top < 2.5 * line.height)
    return gaps[len(gaps) // 2] if len(gaps) >= MIN_SPACING_PAIRS else None


def compose_page(number: int, lines: list[Line], tables: list[Table], skip: set[int], body: BodyStyle,
                 outline: list[OutlineEntry], printed: str | None) -> PageOut:
    """The page's text in reading order: paragraphs, tables (a header line, then one line per row) and
    headings. With an outline, its entries open the sections and font headings nest below them."""
    table_at = {t.first_line: t for t in tables}
    in_table = set().union(*(t.lines for t in tables)) if tables else set()
    apart = in_table | skip
    writer = _Writer(number, printed, line_spacing([l for i, l in enumerate(lines) if i not in apart]))
    entries = sorted((e for e in outline if e.page == number), key=lambda e: -(e.y if e.y is not None else 1e9))
    heading_lines: list[Line] = []
    heading_at = 0
    # Page 1's title block (PDF reader 35). Its first line is the title when it is set larger than the text; under
    # it, until the first line of text, table or bookmark, the lines set smaller than the title and larger than the
    # text are its authors, affiliations and date ("Maria Lindqvist", "March 3, 2021" under a LaTeX article's
    # title): text, not headings of sections with nothing in them, nor fragments. A numbered line, or one word
    # without a figure, ends it ("1 Introduction", "Contents"); lines as large as the title are read as before.
    title_block = number == 1
    title_size = 0.0

    def flush_heading() -> None:
        nonlocal heading_lines
        if not heading_lines:
            return
        text = " ".join(l.text for l in heading_lines)
        if len(heading_lines) > 1 and len(text.split()) > MAX_JOINED_HEADING_WORDS:
            for part in heading_lines:  # a paragraph set in bold or capitals (a licence's warranty), not a title
                writer.line(part)
        else:
            writer.heading(text, heading_at)
        heading_lines = []

    for i, line in enumerate(lines):
        while entries and (entries[0].y is None or line.top <= entries[0].y + 2):
            flush_heading()
            title_block = False
            entry = entries.pop(0)
            writer.event(entry.level, entry.title)
        if i in skip:
            continue
        if i in table_at:
            flush_heading()
            title_block = False
            writer.table(table_at[i])
            continue
        if i in in_table:
            continue
        if line.size < TINY * body.size and line.words <= 3:
            continue  # a footnote marker pdfium lists away from its text
        level = heading_level(line, body)
        if title_block and not title_size:
            title_size = line.size
            title_block = line.size >= TITLE_BLOCK_OVER_TEXT * body.size
        elif title_block and line.size < TITLE_BLOCK_SIZE * title_size:
            title_block = line.size >= TITLE_BLOCK_OVER_TEXT * body.size and not numbered(line.text) and (
                line.words > 1 or any(ch.isdigit() for ch in line.text))
            if title_block:
                flush_heading()
                writer.title_line(line)
                continue
        if level is not None:
            if outline:
                level += FONT_LEVEL_UNDER_OUTLINE
            last = heading_lines[-1] if heading_lines else None
            if last is not None and (level != heading_at or last.bottom - line.top > 0.6 * line.height
                                     or line.size != last.size):
                flush_heading()
            if not heading_lines:
                heading_at = level
            heading_lines.append(line)
            continue
        flush_heading()
        writer.line(line)
    flush_heading()
    for entry in entries:  # bookmarks pointing below the last line
        writer.event(entry.level, entry.title)
    return writer.finish()
