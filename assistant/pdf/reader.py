"""Reading a PDF's bytes into pages with pdfium, a run of pages at a time, and pypdf where pdfium cannot."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field
from typing import Iterator

from ..ingest import IngestError, clean_text
from ..messages import Said
from ..schema import Block
from .layout import HEADER_CELL_GAP, PageLines
from .pages import PageOut, compose_page
from .structure import body_style, page_marks, read_outline
from .tables import MAX_HEADER_HEIGHT, find_tables, row_shape

PART_PAGES = 100  # pages read by one task: a 1,000-page report is read by several workers, in order
COVER_PAGES = 2  # pages whose text goes into the document record (company, period, form)
_PDFIUM_PASSWORD = 4  # FPDF_ERR_PASSWORD
_HEADER_REACH = 40  # lines above a table row that may be its header, measured while the page is open
_HEADER_WORDS = 24  # longer lines are prose, not header cells
_ROW_REACH = 5  # lines under a table row that may be a row too or its wrapped cells, measured likewise


@dataclass
class PdfPart:
    """A run of a PDF's pages, read in a worker and sent back to be assembled in order."""

    source: str
    first: int  # 1-based number of its first page
    page_count: int  # of the whole document
    pages: list[PageOut] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    engine: str = "pdfium"
    metadata: dict = field(default_factory=dict)  # the document's Info dictionary (first part only)
    has_outline: bool = False


STYLE_SAMPLE = 24  # pages spread over a long PDF whose lines give every run of it the same body style


def _sample_lines(pdf, lines_of: dict[int, list], total: int) -> list[list]:
    """The lines of STYLE_SAMPLE pages spread evenly over the document (those this run has read are reused)."""
    sample = []
    for number in sorted({1 + round(k * (total - 1) / (STYLE_SAMPLE - 1)) for k in range(STYLE_SAMPLE)}):
        if number in lines_of:
            sample.append(lines_of[number])
            continue
        try:
            page = pdf[number - 1]
            try:
                sample.append(_page_lines(page))
            finally:
                page.close()
        except Exception:  # noqa: BLE001 - a page that cannot be read is no sample
            continue
    return sample


def _page_lines(page) -> list:
    """A pdfium page's lines, the lines that may head a table split into their column names."""
    textpage = page.get_textpage()
    try:
        layout = PageLines(textpage)
        _measure_header_lines(layout)
        return layout.lines
    finally:
        textpage.close()


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:1024].startswith(b"%PDF-") or b"%PDF-" in data[:1024]


def read_part(source: str, data: bytes, first: int = 1, count: int = PART_PAGES) -> PdfPart:
    """Pages first..first+count-1 (1-based) with pdfium; pypdf for a file or pages pdfium cannot open."""
    import pypdfium2 as pdfium

    if not is_pdf(data):
        raise IngestError(Said("not_pdf"))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        import pypdfium2.raw as pdfium_c

        if pdfium_c.FPDF_GetLastError() == _PDFIUM_PASSWORD:
            raise IngestError(Said("pdf_password"), skipped=True) from None
        return _read_part_pypdf(source, data, first, count, Said("pdfium_unopened", error=str(exc)))
    try:
        return _read_part_pdfium(source, data, pdf, first, count)
    finally:
        pdf.close()


def _read_part_pdfium(source: str, data: bytes, pdf, first: int, count: int) -> PdfPart:
    total = len(pdf)
    last = min(total, first + count - 1)
    part = PdfPart(source, first, total)
    if first == 1:
        part.metadata = _metadata(pdf)
    outline = read_outline(pdf)
    part.has_outline = bool(outline)
    labels = _page_labels(pdf, first, last)
    lines_of: dict[int, list] = {}
    failed: list[int] = []
    for number in range(first, last + 1):
        try:
            page = pdf[number - 1]
        except Exception:  # noqa: BLE001 - pdfium refuses a damaged page; pypdf may still read it
            failed.append(number)
            continue
        try:
            lines_of[number] = _page_lines(page)
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            part.warnings.append(Said("pdf_page_unextracted", number=number, error=exc.__class__.__name__))
            lines_of[number] = []
        finally:
            page.close()
    # A long PDF is read in runs; each takes its body style from the same pages spread over the whole document,
    # or a run that is mostly an index in small type would take its last chapters' text for headings.
    body = body_style(list(lines_of.values()) if first == 1 and last == total else _sample_lines(pdf, lines_of, total))
    marks = page_marks(lines_of)
    fallback = _pypdf_pages(data, failed, part.warnings) if failed else {}
    for number in range(first, last + 1):
        if number in fallback:
            part.pages.append(fallback[number])
            continue
        lines = lines_of.get(number, [])
        skip = marks.furniture.get(number, set())
        tables = find_tables(lines, skip)
        printed = labels.get(number) or marks.printed.get(number)
        part.pages.append(compose_page(number, lines, tables, skip, body, outline, printed))
    return part


def _measure_header_lines(layout: PageLines) -> None:
    """Split into cells, while the page is open, every line that could be the header of a table below it."""
    lines = layout.lines
    done: set[int] = set()
    for i, line in enumerate(lines):
        if not row_shape(line):
            continue
        reach = line.top + MAX_HEADER_HEIGHT * max(line.size, line.height)
        for k in range(i - 1, max(-1, i - _HEADER_REACH - 1), -1):
            above = lines[k]
            if k in done or row_shape(above):
                break  # measured already, or a row of the same table
            if above.words > _HEADER_WORDS or above.bottom > reach:
                break  # a sentence, or too far above to head this table (tables.py stops there too)
            done.add(k)
            if len(layout.split(above)) > 1 and not row_shape(above):
                layout.split(above, HEADER_CELL_GAP)  # column names, not a row or a title: told apart more finely
        if i and row_shape(lines[i - 1]):
            continue
        # A table's first row: header lines a PDF draws after its table, standing above it (tables.py reads them
        # when none stands before it).
        for k in range(i + 1, len(lines)):
            below = lines[k]
            if k in done or below.words > _HEADER_WORDS or row_shape(below) or not \
                    line.top - 0.3 * line.height <= below.bottom <= reach:
                continue
            done.add(k)
            if len(layout.split(below)) > 1 and not row_shape(below):
                layout.split(below, HEADER_CELL_GAP)
    # A row under a row may be set too tight to have been split when its line was read (a short description beside
    # a package's name): the lines just under a row are measured too, each new row measuring the lines under it.
    for i, line in enumerate(lines):
        if not row_shape(line):
            continue
        for k in range(i + 1, min(len(lines), i + 1 + _ROW_REACH)):
            below = lines[k]
            if len(below.cells) > 1:
                break  # measured already
            if below.words > _HEADER_WORDS or below.top < line.bottom - _ROW_REACH * max(line.size, line.height) or \
                    below.weight > line.weight or abs(below.size - line.size) > 0.1 * line.size:
                break  # prose, too far under the row, or a heading after the table
            if k not in done:
                done.add(k)
                layout.split(below)
            if len(below.cells) > 1:
                break  # the next row: the outer loop goes on from it


def _metadata(pdf) -> dict:
    try:
        return {k: v for k, v in pdf.get_metadata_dict(skip_empty=True).items() if isinstance(v, str)}
    except Exception:  # noqa: BLE001 - metadata only helps to describe the document
        return {}


def _page_labels(pdf, first: int, last: int) -> dict[int, str]:
    """The labels the PDF gives its pages ("iv", "20", "A-1"), where they differ from the page's position."""
    labels: dict[int, str] = {}
    for number in range(first, last + 1):
        try:
            label = pdf.get_page_label(number - 1)
        except Exception:  # noqa: BLE001 - no labels
            return {}
        if label and label.strip() and label.strip() != str(number):
            labels[number] = label.strip()
    return labels


# --- pypdf --------------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs repairs ("EOF marker not found") to stderr; problems reach the user through IngestError."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _open_pypdf(data: bytes):
    import pypdf
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(Said("pdf_password"), skipped=True)
        len(reader.pages)
        return reader
    except IngestError:
        raise
    except DependencyError:
        raise IngestError(Said("pdf_needs_cryptography")) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, NotImplementedError, AssertionError, ArithmeticError) as exc:
        raise IngestError(Said("pdf_damaged", error=exc.__class__.__name__)) from None


def _with_raised_limits(read, warnings_: list[str]):
    """Run read(); large real reports exceed pypdf's default safety limits, which are raised for this file."""
    import pypdf
    from pypdf.errors import LimitReachedError

    try:
        return read()
    except LimitReachedError:
        warnings_.append(Said("pdf_raised_limits"))
        try:
            with pypdf.apply_configuration(array_maximum_element_count=50_000_000,
                                           dictionary_maximum_element_count=50_000_000):
                return read()
        except LimitReachedError:
            raise IngestError(Said("pdf_too_complex")) from None


def _pypdf_page(reader, number: int, warnings_: list[str]) -> PageOut:
    from pypdf.errors import LimitReachedError

    try:
        text = clean_text(reader.pages[number - 1].extract_text() or "")
    except LimitReachedError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
        warnings_.append(Said("pdf_page_unextracted", number=number, error=exc.__class__.__name__))
        text = ""
    page = PageOut(number, None, text)
    stripped = text.strip()
    if stripped:
        lead = len(text) - len(text.lstrip())
        page.blocks.append(Block("text", lead, lead + len(stripped), "", number))
    return page


def _pypdf_pages(data: bytes, numbers: list[int], warnings_: list[str]) -> dict[int, PageOut]:
    """The pages pdfium could not load, read by pypdf (as plain text: no tables, no headings)."""
    def read() -> dict[int, PageOut]:
        with _quiet_pypdf():
            reader = _open_pypdf(data)
            return {n: _pypdf_page(reader, n, warnings_) for n in numbers if n <= len(reader.pages)}

    try:
        pages = _with_raised_limits(read, warnings_)
    except IngestError as exc:
        warnings_.append(Said("pdf_pages_unread", pages=", ".join(map(str, numbers)), problem=exc.message))
        return {}
    if pages:
        warnings_.append(Said("pdf_pages_fallback" if len(pages) > 1 else "pdf_page_fallback",
                              pages=", ".join(map(str, sorted(pages)))))
    return pages


def _read_part_pypdf(source: str, data: bytes, first: int, count: int, why: Said) -> PdfPart:
    """The whole run of pages with pypdf, for a file pdfium cannot open."""
    part = PdfPart(source, first, 0, engine="pypdf")

    def read() -> None:
        with _quiet_pypdf():
            reader = _open_pypdf(data)
            part.page_count = len(reader.pages)
            part.pages = [_pypdf_page(reader, n, part.warnings)
                          for n in range(first, min(part.page_count, first + count - 1) + 1)]
            if first == 1:
                try:
                    part.metadata = {k.lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()
                                     if isinstance(v, str)}
                except Exception:  # noqa: BLE001 - metadata only helps to describe the document
                    part.metadata = {}

    _with_raised_limits(read, part.warnings)
    if first == 1:
        part.warnings.insert(0, Said("pdf_read_with_pypdf", why=why))
    return part

