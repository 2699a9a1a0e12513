"""Render a PDF page as an image with a quoted sentence highlighted where it stands on the page."""

from __future__ import annotations

import ctypes
import threading
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from PIL import Image, ImageDraw

HIGHLIGHT = (255, 200, 0, 110)  # semi-transparent yellow: the text under it stays readable
# pdfium is not thread-safe and Streamlit serves each session from its own thread.
_PDFIUM_LOCK = threading.Lock()


class PdfViewError(RuntimeError):
    """The page cannot be shown; the message says why and what to do."""


@dataclass(frozen=True)
class PageView:
    image: Image.Image
    page: int  # 1-based
    page_count: int
    boxes: tuple[tuple[int, int, int, int], ...]  # highlighted areas in image pixels (left, top, right, bottom)
    match: str  # "exact", "approximate" (the best-matching stretch), or "" when the quote was not found

    @property
    def found(self) -> bool:
        return bool(self.boxes)


def searchable(text: str) -> str:
    """Letters and digits only, compatibility-folded and without their accents: what two extractions of the same text
    agree on (the PDF reader composes an accent a TeX font draws apart, "M¨oller", where the page's characters keep
    it apart)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text).casefold() if ch.isalnum())


def page_characters(textpage) -> tuple[str, list[int]]:
    """The page's searchable text and, for each of its characters, the index of the pdfium char it came from.

    Built char by char, because the text pdfium returns for a range may insert or drop characters
    relative to its char list, and the boxes are looked up by char index.
    """
    import pypdfium2.raw as pdfium_c

    from .pdf.layout import tex_ligatures

    codes = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(textpage.count_chars()))
    ligatures = tex_ligatures(codes)  # read as the PDF reader reads them (layout.without_controls): "fi", not "\x1c"
    chars: list[str] = []
    origin: list[int] = []
    for i, code in enumerate(codes):
        for ch in searchable(ligatures.get(i, code)):
            chars.append(ch)
            origin.append(i)
    return "".join(chars), origin


def row_needles(quote: str) -> list[str]:
    """What a PDF table row quote ("Total net sales | Three Months Ended July 1, 2023: $81,797 | ...") looks like
    on its page, where the headers stand above the figures: the label then the figures, the label without the
    group it was given ("Net sales: Products"), and the figures alone. Empty for a quote that is not a row."""
    cells = quote.split(" | ")
    if len(cells) < 2:
        return []
    label = cells[0]
    values = searchable("".join(cell.rsplit(": ", 1)[-1] for cell in cells[1:]))
    needles = [searchable(label) + values]
    if ": " in label:
        needles.append(searchable(label.rsplit(": ", 1)[-1]) + values)
    needles.append(searchable(label.rsplit(": ", 1)[-1]) + values)  # a row without a label starts with a figure
    if len(values) >= 6:
        needles.append(values)
    return [n for n in dict.fromkeys(needles) if n]


def locate_quote(textpage, quote: str) -> tuple[int, int, str] | None:
    """(first char index, last char index, "exact" | "approximate") of the quote on the page, or None.

    The quote comes from pypdf's extraction and the page text from pdfium's, so both are compared as
    letters and digits only; hyphenation, spacing and ligatures then no longer differ.
    """
    needle = searchable(quote)
    if not needle:
        return None
    haystack, origin = page_characters(textpage)
    at = haystack.find(needle)
    if at >= 0:
        return origin[at], origin[at + len(needle) - 1], "exact"
    for row_needle in row_needles(quote):
        at = haystack.find(row_needle)
        if at >= 0:
            return origin[at], origin[at + len(row_needle) - 1], "exact"
    # Tables and columns can come out in another order; accept the longest shared stretch if substantial.
    match = SequenceMatcher(None, haystack, needle, autojunk=False).find_longest_match(
        0, len(haystack), 0, len(needle))
    if match.size >= max(12, len(needle) // 3):
        return origin[match.a], origin[match.a + match.size - 1], "approximate"
    return None


def _device_box(page, size: tuple[int, int], rect: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """A rectangle in PDF page units as pixels on the rendered image (honours crop box and rotation)."""
    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = rect
    points = []
    for x, y in ((left, top), (right, bottom)):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(page, 0, 0, size[0], size[1], 0, x, y, dx, dy)
        points.append((dx.value, dy.value))
    (x0, y0), (x1, y1) = points
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def merge_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join the per-word boxes pdfium gives into one band per stretch of a line, so the mark reads as a
    highlighter stroke rather than a grid of small boxes."""
    lines: list[list[tuple[int, int, int, int]]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        middle = (box[1] + box[3]) / 2
        if lines and min(b[1] for b in lines[-1]) <= middle <= max(b[3] for b in lines[-1]):
            lines[-1].append(box)
        else:
            lines.append([box])
    merged: list[tuple[int, int, int, int]] = []
    for line in lines:
        height = max(b[3] - b[1] for b in line) or 1
        band: list[int] | None = None
        for left, top, right, bottom in sorted(line):
            if band is not None and left - band[2] <= 1.5 * height:
                band = [band[0], min(top, band[1]), max(right, band[2]), max(bottom, band[3])]
                continue
            if band is not None:
                merged.append(tuple(band))
            band = [left, top, right, bottom]
        merged.append(tuple(band))
    return merged


def render_page(pdf: str | Path | bytes, page_number: int, quote: str = "", scale: float = 1.6) -> PageView:
    """Render one page (1-based) and highlight the quote on it when it can be found there."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        except FileNotFoundError:
            raise PdfViewError(f"The PDF {pdf} is no longer in the documents folder; rebuild the index.") from None
        except pdfium.PdfiumError as exc:
            raise PdfViewError(f"The PDF could not be opened ({exc}); check that the file is not damaged "
                               "or password-protected.") from None
        try:
            count = len(document)
            if not 1 <= page_number <= count:
                raise PdfViewError(f"The PDF has {count} pages, so page {page_number} cannot be shown; "
                                   "rebuild the index if the file changed.")
            page = document[page_number - 1]
            image = page.render(scale=scale).to_pil().convert("RGBA")
            boxes: list[tuple[int, int, int, int]] = []
            match = ""
            textpage = page.get_textpage()
            located = locate_quote(textpage, quote) if quote else None
            if located:
                first, last, match = located
                boxes = merge_boxes([_device_box(page, image.size, textpage.get_rect(i))
                                     for i in range(textpage.count_rects(first, last - first + 1))])
        finally:
            document.close()
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for left, top, right, bottom in boxes:
            draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=HIGHLIGHT)
        image = Image.alpha_composite(image, overlay)
    return PageView(image.convert("RGB"), page_number, count, tuple(boxes), match)
