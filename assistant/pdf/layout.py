"""One PDF page as pdfium lays it out: text lines with their boxes, font size and weight, split into cells
where the words of a line stand apart in columns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Numbers as tables print them: "81,797", "(265)", "$1.27", "12.5%", "—" (nil), "n/a".
NUMERIC = re.compile(r"[(\[]?[-–—−+]?[$€£¥]?\s?\(?[-–—−]?(?:\d[\d,.]*|[-–—])\s?%?\)?\s?[%*]?\]?|[-–—]{1,3}|n/?a|nm",
                     re.I)
CURRENCY = frozenset("$€£¥")
# A line whose characters are this much wider apart than the page's tightest lines has gaps worth measuring.
SPREAD_RATIO = 1.12
SIZE_SAMPLES = 5  # letters whose size is read for a line's size of type
PROSE_DENSITY = 0.45  # em per character: about the average advance of a proportional font
CELL_GAP = 0.8  # em: a gap this wide between two words separates cells (justified prose stays below it)
HEADER_CELL_GAP = 0.6  # em: ... in a line that may head a table (short column names: a wide header beside the next)
NUMBER_GAP = 0.3  # em: two numbers (or a number and a currency sign) this far apart are two cells
_LINE = re.compile(r"[^\r\n]+")
_SPACE = re.compile(r"\s+")
_CONTROL = dict.fromkeys([*range(0, 9), *range(11, 32), 0xFFFE, 0xFFFF, 0xAD], None)
_HAS_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\xad\ufffe\uffff]")
_WORD = re.compile(r"\S+")
# TeX's T1 (Cork) encoding puts the f-ligatures at 0x1B-0x1F; a LaTeX font with no map to Unicode (Type 3 fonts of
# dvips, EC fonts) leaves pdfium those codes, which would be dropped as control characters: "unied" for "unified".
# One next to a letter is read as its letters (math extension fonts use nearby codes for delimiters, alone).
_T1_LIGATURES = {"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl"}
_LIGATURE = re.compile(r"(?<=[^\W\d_])[\x1b-\x1f]|[\x1b-\x1f](?=[^\W\d_])")
# Accents a TeX font draws as characters of their own, before the letter ("M¨oller", "informaci´on"), and the
# combining mark each stands for: compose_accents makes one letter of the two.
_SPACING_ACCENTS = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02c6": "\u0302", "\u02dc": "\u0303",
                    "\u02c7": "\u030c", "\u02d8": "\u0306", "\u02d9": "\u0307", "\u02da": "\u030a",
                    "\u02dd": "\u030b", "\u00af": "\u0304"}
_ACCENT_BEFORE = re.compile("([" + "".join(_SPACING_ACCENTS) + "])([A-Za-z\u0131])")


@dataclass(slots=True)
class Cell:
    text: str
    x0: float
    x1: float

    @property
    def numeric(self) -> bool:
        return bool(NUMERIC.fullmatch(self.text))


@dataclass(slots=True)
class Line:
    """One line of text in pdfium's reading order; coordinates are PDF points, y growing upwards."""

    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    size: float  # font size of its letters and figures (_size_of: the median of five, first to last)
    weight: int  # font weight of its first and last characters, the lower (a bold run-in heading is not bold)
    cells: list[Cell]
    start: int = 0  # its first and one-past-last pdfium character index
    end: int = 0

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)

    @property
    def words(self) -> int:
        return len(self.text.split())


def tex_ligatures(text: str) -> dict[int, str]:
    """Where text holds a TeX ligature's code next to a letter, and the letters it stands for (_T1_LIGATURES)."""
    return {m.start(): _T1_LIGATURES[m.group(0)] for m in _LIGATURE.finditer(text)}


def without_controls(text: str) -> str:
    """text without control characters, a TeX ligature's code next to a letter read as its letters ("e\x1dcient"
    reads "efficient")."""
    if not _HAS_CONTROL.search(text):
        return text
    return _LIGATURE.sub(lambda m: _T1_LIGATURES[m.group(0)], text).translate(_CONTROL)


def compose_accents(text: str) -> str:
    """text with each accent drawn apart from its letter composed with it, where Unicode has the letter ("M¨oller"
    reads "Möller", "´ı" reads "í"); an accent with no such letter ("¨q") stays as it is."""
    if not _ACCENT_BEFORE.search(text):
        return text

    def joined(letter: str, mark: str, whole: str) -> str:
        one = unicodedata.normalize("NFC", ("i" if letter == "\u0131" else letter) + mark)
        return one if len(one) == 1 else whole

    return _ACCENT_BEFORE.sub(lambda m: joined(m.group(2), _SPACING_ACCENTS[m.group(1)], m.group(0)), text)


def page_text(textpage) -> str:
    """pdfium's text of the page, one character per pdfium character index (so boxes can be looked up)."""
    import pypdfium2.raw as pdfium_c

    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    text = textpage.get_text_range() if count > 0 else ""
    if len(text) != count:
        # Characters outside the Basic Multilingual Plane take two UTF-16 units: fall back to one per index.
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count))
    return text


class PageLines:
    """The lines of one page, and the means to split any of them into cells while the page is open."""

    def __init__(self, textpage):
        import pypdfium2.raw as pdfium_c

        self._raw = textpage.raw
        self._rect = pdfium_c.FS_RECTF()
        self._box = pdfium_c.FPDFText_GetLooseCharBox
        self.text = page_text(textpage)
        self.lines = _read_lines(self._raw, self.text, self._rect, self._box)

    def split(self, line: Line, gap: float = CELL_GAP) -> list[Cell]:
        """The line's cells, measured now if its spread did not suggest columns when it was read, or if cells are
        to be told apart at a narrower gap (em) than CELL_GAP."""
        if " " in line.text and (len(line.cells) == 1 or gap < CELL_GAP):
            em = line.size or line.height
            cells = _cells(self._raw, self.text, line.start, line.end, em, self._rect, self._box, gap)
            if gap >= CELL_GAP or all(any(ch.isalnum() for ch in c.text) for c in cells):  # not "Level 1" | ":"
                line.cells = cells or line.cells
        return line.cells


def _read_lines(raw, text: str, rect, box) -> list[Line]:
    import pypdfium2.raw as pdfium_c

    size_of = pdfium_c.FPDFText_GetFontSize
    weight_of = pdfium_c.FPDFText_GetFontWeight
    lines: list[Line] = []
    for match in _LINE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        box(raw, start, rect)
        x0, top, bottom = rect.left, rect.top, rect.bottom
        box(raw, end - 1, rect)
        x1, top, bottom = rect.right, max(top, rect.top), min(bottom, rect.bottom)
        size = _size_of(raw, text, start, end, size_of)
        weight = min(weight_of(raw, start), weight_of(raw, end - 1))
        if weight <= 0:  # the standard fonts have no weight: their name says it ("Helvetica-Bold")
            weight = _weight_from_name(raw, start) + _weight_from_name(raw, end - 1) >> 1
        piece = text[start:end]
        piece = without_controls(piece)
        clean = _SPACE.sub(" ", piece).strip() if "  " in piece or "\t" in piece or "\n" in piece else piece.strip()
        clean = compose_accents(clean)
        if not clean:
            continue
        lines.append(Line(clean, x0, x1, bottom, top, round(size, 2), weight, [], start, end))
    tight = _tight_density(lines)
    for line in lines:
        em = line.size or line.height
        width = line.x1 - line.x0
        if width > 0 and " " in line.text and width > SPREAD_RATIO * tight * em * (line.end - line.start) + em:
            line.cells = _cells(raw, text, line.start, line.end, em, rect, box)
        if not line.cells:
            line.cells = [Cell(line.text, line.x0, line.x1)]
    return lines


def _size_of(raw, text: str, start: int, end: int, size_of) -> float:
    """A line's size of type: the median size of five of its letters and figures, evenly spread from its first to
    its last. Its first character alone may be a bullet set smaller than the item's words, or a code word in
    another size, which would part the line from the rest of its paragraph."""
    picks = set()
    for k in range(SIZE_SAMPLES):  # evenly spread, each moved to the nearest letter or figure on its side
        i = start + (end - 1 - start) * k // (SIZE_SAMPLES - 1)
        step = 1 if 2 * k < SIZE_SAMPLES else -1
        while start <= i < end and not text[i].isalnum():
            i += step
        if start <= i < end:
            picks.add(i)
    if not picks:
        return size_of(raw, start) or 0.0
    sizes = sorted(size_of(raw, i) or 0.0 for i in picks)
    return sizes[len(sizes) // 2]


def _weight_from_name(raw, index: int) -> int:
    import ctypes

    import pypdfium2.raw as pdfium_c

    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    size = pdfium_c.FPDFText_GetFontInfo(raw, index, buffer, len(buffer), ctypes.byref(flags))
    name = buffer.raw[:max(0, size - 1)].decode("latin-1", "replace").lower()
    return 700 if "bold" in name or "black" in name or "heavy" in name else 400


def _tight_density(lines: list[Line]) -> float:
    """Width per character per em of the page's tightly set lines (its prose): the lower quartile."""
    densities = sorted((line.x1 - line.x0) / (len(line.text) * (line.size or line.height))
                       for line in lines if len(line.text) >= 20 and line.x1 > line.x0)
    if len(densities) < 3:
        return PROSE_DENSITY
    # A page of table rows has no tight lines: never assume wider than prose is set.
    return min(densities[len(densities) // 4], PROSE_DENSITY)


def _cells(raw, text: str, start: int, end: int, em: float, rect, box, cell_gap: float = CELL_GAP) -> list[Cell]:
    """Split text[start:end] into cells at wide gaps, measured between the boxes of the words' edge letters."""
    words: list[tuple[str, float, float]] = []
    piece = text[start:end]
    for match in _WORD.finditer(piece):
        a, b = match.span()
        box(raw, start + a, rect)
        left = rect.left
        box(raw, start + b - 1, rect)
        word = match.group()
        words.append((compose_accents(without_controls(word)), left, rect.right))
    cells: list[Cell] = []
    for word, left, right in words:
        if not word:
            continue
        if cells:
            last = cells[-1]
            gap = left - last.x1
            numbers = (NUMERIC.fullmatch(word) or word in CURRENCY) and \
                (NUMERIC.fullmatch(last.text) or last.text in CURRENCY)
            joins_currency = last.text in CURRENCY  # "$" then "81,797": one cell, printed apart
            if joins_currency and gap < 12 * em:
                last.text += word
                last.x1 = right
                continue
            if word in CURRENCY:  # a currency sign opens the cell of the number it stands before
                cells.append(Cell(word, left, right))
                continue
            if gap < cell_gap * em and not (numbers and gap >= NUMBER_GAP * em) and gap > -em:
                last.text = f"{last.text} {word}"
                last.x1 = max(last.x1, right)
                continue
        cells.append(Cell(word, left, right))
    # A lone "%" or ")" printed apart belongs to the number before it.
    merged: list[Cell] = []
    for cell in cells:
        if merged and cell.text in ("%", ")", "%)") and merged[-1].numeric:
            merged[-1].text += cell.text
            merged[-1].x1 = cell.x1
            continue
        merged.append(cell)
    return merged
