"""What a PDF says about its own structure: headings (from the outline, or from font size and weight),
running headers and footers, and the page numbers it prints."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .layout import Line

_PART = re.compile(r"^(part|chapter|book)\s+([ivxlc]+|\d+)\b", re.I)
_ITEM = re.compile(r"^(item|section|article|appendix|annex|schedule)\s+\d+[a-z]?\b", re.I)
_NOTE = re.compile(r"^note\s+\d+\b", re.I)
_NUMBER_CELL = re.compile(r"\d{1,2}(?:\.\d{1,2}){0,3}\.?")  # "2.3", "5.14.2.": a number set apart from its title
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[¿¡«\"“]?[A-ZÀ-Þ]")  # "2.1 Área", "6.20.1 ¿Qué es ...?"
_ROMAN = re.compile(r"^[ivxlcdm]{1,7}$", re.I)
_PAGE_NUMBER = re.compile(r"^(?:.*?(?:\||\s[-–—]\s|\bpage)\s*)?(\d{1,4}|[ivxlc]{1,6})$", re.I)
_PAGE_OF = re.compile(r"^(?:.*\s)?(\d{1,4})\s*(?:/|\bof\b|\bde\b)\s*(\d{1,4})$", re.I)  # "12 / 98", "Page 3 of 10"
MAX_HEADING_WORDS = 16
MAX_HEADING_CHARS = 160
FONT_LEVEL_UNDER_OUTLINE = 100  # font headings nest below every outline entry
TITLE_NUMBER_GAP = 2.0  # ems at most between a heading's number and its title when they stand apart (LaTeX: one em)
EDGE_LINES = 2  # lines at the top and at the bottom of a page examined as running headers and footers
_SMALL_WORDS = frozenset("a an and as at but by for from in into nor of on or per the to vs via with".split())


@dataclass(frozen=True)
class BodyStyle:
    """The size and weight of the text most characters are set in."""

    size: float
    weight: int


def body_style(pages: list[list[Line]]) -> BodyStyle:
    sizes: Counter = Counter()
    weights: Counter = Counter()
    for lines in pages:
        for line in lines:
            if len(line.cells) > 1:
                continue  # table rows: a report can hold more figures than prose
            sizes[round(line.size, 1)] += len(line.text)
            weights[line.weight] += len(line.text)
    size = sizes.most_common(1)[0][0] if sizes else 10.0
    weight = weights.most_common(1)[0][0] if weights else 400
    return BodyStyle(size or 10.0, weight)


def heading_level(line: Line, body: BodyStyle) -> int | None:
    """The nesting level if the line looks like a heading (1 outermost), else None.

    Numbered forms decide first (Part I, Item 2, Note 3, 2.1); otherwise a larger size ranks higher than a
    bold or capitalised line at body size. A heading is short, starts like a title and is not a sentence.
    """
    text = line.text
    words = text.split()
    # One cell, as a row is several; but a number set apart from its title ("2.3  Orientándote", an em apart) is
    # a heading's (not a footer's "52    Chapter 5. Sound", the page number far from the chapter's title).
    apart = len(line.cells) == 2 and _NUMBER_CELL.fullmatch(line.cells[0].text) is not None \
        and line.cells[1].text.lstrip("¿¡«\"'“(")[:1].isupper() \
        and line.cells[1].x0 - line.cells[0].x1 <= TITLE_NUMBER_GAP * line.size
    if not words or len(words) > MAX_HEADING_WORDS or len(text) > MAX_HEADING_CHARS or (len(line.cells) > 1
                                                                                          and not apart):
        return None
    if not (text[0].isupper() or text[0].isdigit()) or text[-1] in ",;" or not any(ch.isalpha() for ch in text):
        return None
    ratio = line.size / body.size if body.size else 1.0
    bold = line.weight >= body.weight + 100
    if ratio < 0.9 and not (bold and ratio >= 0.85 and _NUMBERED.match(text)):
        return None  # footnotes, captions and running headers are smaller than the text (a numbered bold heading
        # may be a little smaller: "2.3.1 Página principal" at 9 points over text at 10)
    capitals = len(words) >= 2 and text == text.upper() and sum(ch.isalpha() for ch in text) >= 4
    if not (ratio >= 1.1 or bold or capitals):
        return None  # neither larger, bolder nor in capitals than the text around it ("N = N+1" is code)
    if text.endswith((".", ":")) and len(words) > 4 and not (_PART.match(text) or _ITEM.match(text)):
        return None  # a sentence set in bold, or the line that introduces a table
    if _labelled_figure(text):
        return None  # a statement set large: "Date of publication: 31/01/2024", "Version: 1.2"
    if _PART.match(text):
        return 1
    if _ITEM.match(text):
        return 2
    if _NOTE.match(text):
        return 3
    number = _NUMBERED.match(text)
    if number and len(number.group(1)) <= 8:
        return 2 + number.group(1).count(".")
    if ratio >= 1.5:
        return 3
    if ratio >= 1.25:
        return 4
    if ratio >= 1.1:
        return 5
    return 6


def numbered(text: str) -> bool:
    """Whether a heading line opens with a section's number or name: "2.1 Área", "Part I", "Item 2.", "Note 3"."""
    return bool(_PART.match(text) or _ITEM.match(text) or _NOTE.match(text) or _NUMBERED.match(text))


def _labelled_figure(text: str) -> bool:
    """A label of at most five words without figures, a colon, and a short value holding one: "Version: 1.2",
    "Fecha de publicación: 31/01/2024", "Date: March 2023" (at most one word of the value without a figure, and
    that one capitalised; not "Results: 2023 in review" nor "Part I: Financial Information 2023")."""
    label, colon, value = text.partition(": ")
    words = value.split()
    bare = [w for w in words if not any(ch.isdigit() for ch in w)]
    return bool(colon) and 0 < len(label.split()) <= 5 and not any(ch.isdigit() for ch in label) \
        and not (_PART.match(text) or _ITEM.match(text)) and 0 < len(words) <= 3 and len(bare) < len(words) \
        and len(bare) <= 1 and all(w[:1].isupper() for w in bare)


def title_text(text: str) -> str:
    """A heading as a section name: white space folded, ALL CAPS turned to title case (roman numerals kept)."""
    text = " ".join(text.split())
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters) and len(letters) > 3:
        out = []
        for i, word in enumerate(text.split(" ")):
            bare = word.strip("().,:;—–-")
            if _ROMAN.fullmatch(bare) and bare.upper() == bare and len(bare) <= 4:
                out.append(word)
            elif "." in bare.strip(".") or any(ch.isdigit() for ch in bare):
                out.append(word)  # U.S., 10-Q
            elif i and word.lower() in _SMALL_WORDS:
                out.append(word.lower())
            else:
                out.append(word[:1].upper() + word[1:].lower())
        text = " ".join(out)
    return text


# --- running headers, footers and printed page numbers -----------------------------------------

def edge_lines(lines: list[Line]) -> list[int]:
    """Indexes of the highest and lowest lines of a page, where running headers and footers stand."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].top)
    return sorted(set(order[:EDGE_LINES] + order[-EDGE_LINES:]))


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def printed_number(line: Line, leading: bool = False) -> str | None:
    """The page number a header or footer line prints at its end ("… | 20", "Page 20", "iv", "12 / 98"), if any; with
    leading, also one standing apart at its start, as books print it on their left-hand pages ("14
    Chapter 2. Experiments")."""
    if len(line.cells) > 1 and _PAGE_NUMBER.fullmatch(line.cells[-1].text):
        return line.cells[-1].text
    if leading and len(line.cells) > 1 and _PAGE_NUMBER.fullmatch(line.cells[0].text):
        return line.cells[0].text
    for text in (line.cells[-1].text, line.text) if len(line.cells) > 1 else (line.text,):
        of = _PAGE_OF.fullmatch(text)  # a page of the document's pages: "12 / 98", "Page 3 of 10", "Página 3 de 10"
        if of and 0 < int(of.group(1)) <= int(of.group(2)):
            return of.group(1)
    match = _PAGE_NUMBER.fullmatch(line.text)
    if match and (match.group(1) == line.text or len(line.text) > len(match.group(1)) + 1):
        return match.group(1)
    return None


def roman_value(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    text = text.lower()
    if not _ROMAN.fullmatch(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


@dataclass(frozen=True)
class PageMarks:
    """Per page of a run of pages: lines to leave out (headers, footers) and the printed page number."""

    furniture: dict[int, set[int]]  # page number -> line indexes
    printed: dict[int, str]  # page number -> what the page prints as its number


def page_marks(pages: dict[int, list[Line]]) -> PageMarks:
    """Running headers and footers (the same text at a page's edge on several pages, page numbers aside) and
    page numbers (an edge line ending in a number that advances with the pages)."""
    # A page with a handful of lines (a slide, a chapter opening) is all edge: its lines are content.
    candidates: dict[int, list[int]] = {p: edge_lines(lines) if len(lines) > 2 * EDGE_LINES + 1 else []
                                        for p, lines in pages.items()}
    counts: Counter = Counter()
    for p, idx in candidates.items():
        counts.update({_furniture_key(pages[p][i].text) for i in idx})
    enough = max(3, int(0.1 * len(pages)))
    # ... but a line of such a page that the other pages' edges repeat is their running header or footer (a page
    # that holds a screenshot under the document's running header).
    for p, lines in pages.items():
        if not candidates[p]:
            candidates[p] = [i for i, line in enumerate(lines) if counts[_furniture_key(line.text)] >= enough]
    found: dict[int, list[tuple[int, str, int]]] = {}  # page -> [(line, printed, value)], footers first
    for p, idx in candidates.items():
        lines = pages[p]
        if len(lines) <= 2 * EDGE_LINES + 1 and lines:
            # A short page's own top and bottom lines may print its number all the same ("52  Chapter 5. Sound"
            # on the blank page that ends a chapter): it counts if its offset is the one other pages share.
            idx = sorted(set(idx) | {min(range(len(lines)), key=lambda i: lines[i].top),
                                     max(range(len(lines)), key=lambda i: lines[i].top)})
        outermost = {min(idx, key=lambda i: pages[p][i].top), max(idx, key=lambda i: pages[p][i].top)} if idx else set()
        for i in sorted(idx, key=lambda i: pages[p][i].top):
            printed = printed_number(pages[p][i], leading=i in outermost)
            value = None if printed is None else int(printed) if printed.isdigit() else roman_value(printed)
            if value is not None:
                found.setdefault(p, []).append((i, printed, value))
    # A number is a page number when another page's number is off from its page by the same amount; of a page's
    # edge numbers ("Glossary    47" under the header "4    CONTENTS"), the one whose offset most pages share.
    offsets = Counter(offset for p, numbers in found.items()
                      for offset in {(p - value, printed.isdigit()) for _, printed, value in numbers})
    printed_pages: dict[int, str] = {}
    furniture: dict[int, set[int]] = {p: set() for p in pages}
    for p, numbers in found.items():
        i, printed, value = max(numbers, key=lambda n: offsets[(p - n[2], n[1].isdigit())])  # (the first of a tie)
        if offsets[(p - value, printed.isdigit())] >= 2:
            printed_pages[p] = printed
            furniture[p].add(i)
    for p, idx in candidates.items():
        for i in idx:
            if counts[_furniture_key(pages[p][i].text)] >= enough:
                furniture[p].add(i)
    return PageMarks(furniture, printed_pages)


# --- the outline --------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutlineEntry:
    page: int  # 1-based
    y: float | None  # where on the page it points (PDF points from the bottom), if it says
    level: int  # 1 outermost
    title: str


def read_outline(pdf) -> list[OutlineEntry]:
    """The document's bookmarks with the page and height they point to; [] when it has none worth using."""
    entries: list[OutlineEntry] = []
    try:
        for item in pdf.get_toc(max_depth=8):
            title = " ".join((item.get_title() or "").split())
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            if not title or index is None or index < 0:
                continue
            y = None
            try:
                _mode, view = dest.get_view()
                if len(view) >= 2 and view[1]:
                    y = float(view[1])
            except Exception:  # noqa: BLE001 - a view we cannot read only loses the height
                y = None
            entries.append(OutlineEntry(index + 1, y, item.level + 1, title[:MAX_HEADING_CHARS]))
    except Exception:  # noqa: BLE001 - a broken outline is no outline; headings are found from fonts instead
        return []
    # One bookmark (often the file name) or bookmarks that all point at the first page structure nothing.
    if len(entries) < 2 or len({e.page for e in entries}) < 2:
        return []
    return entries
