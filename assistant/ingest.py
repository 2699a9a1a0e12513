"""Files to Documents: Markdown and text keep headings and table rows; PDFs keep their pages."""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from .schema import Block, Document, split_row

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES
PAGE_SEPARATOR = "\n\n"


class IngestError(Exception):
    """A file that cannot be indexed; the message is one sentence a user can act on."""

    def __init__(self, message: str, skipped: bool = False):
        super().__init__(message)
        self.skipped = skipped  # skipped: nothing to index (empty, unsupported); else failed


@dataclass(frozen=True)
class SourceFile:
    source: str  # path relative to the corpus, forward slashes
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Problem:
    source: str
    reason: str

    def to_dict(self, key: str = "reason") -> dict:
        return {"path": self.source, key: self.reason}


def scan_corpus(corpus: Path, max_bytes: int) -> tuple[list[SourceFile], list[Problem]]:
    """The indexable files under corpus, and the ones passed over with a reason. Hidden files are ignored."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"The corpus folder {corpus} does not exist; create it or pass --corpus.")
    root = corpus.resolve()
    files: list[SourceFile] = []
    skipped: list[Problem] = []
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            source = path.relative_to(corpus).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    skipped.append(Problem(source, "symbolic link to a file outside the corpus; refused"))
                    continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append(Problem(source, f"unsupported file type '{path.suffix or name}'; "
                                               "only .md, .txt and .pdf are indexed"))
                continue
            try:
                stat = path.stat()
            except OSError as exc:
                skipped.append(Problem(source, f"cannot be read ({exc.strerror or exc})"))
                continue
            if stat.st_size > max_bytes:
                skipped.append(Problem(source, f"larger than the {max_bytes // (1024 * 1024)} MB limit; "
                                               "split it or raise the limit"))
                continue
            files.append(SourceFile(source, path, stat.st_size, stat.st_mtime_ns))
    return files, skipped


def read_bytes(file: SourceFile) -> tuple[bytes, str]:
    """The file's bytes and their sha256, read once so that parsing and hashing see the same content."""
    try:
        data = file.path.read_bytes()
    except FileNotFoundError:
        raise IngestError("the file disappeared while it was being read; rebuild once it is back") from None
    except OSError as exc:
        raise IngestError(f"the file cannot be read ({exc.strerror or exc}); check its permissions") from None
    return data, hashlib.sha256(data).hexdigest()


def load_document(source: str, data: bytes) -> Document:
    """Parse one file's bytes into a Document, or raise IngestError saying why it cannot be indexed."""
    suffix = Path(source).suffix.lower()
    if not data.strip():
        raise IngestError("the file is empty", skipped=True)
    if suffix in PDF_SUFFIXES:
        return load_pdf(source, data)
    text, warnings_ = decode_text(data)
    if not text.strip():
        raise IngestError("the file holds only white space", skipped=True)
    return parse_markdown(source, text, warnings_)


# --- text -------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode UTF-8 (or UTF-16 with a BOM); otherwise fall back to cp1252/Latin-1 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _clean(data.decode("utf-16")), ("decoded as UTF-16",)
        except UnicodeDecodeError:
            raise IngestError("the file claims to be UTF-16 but is not; re-save it as UTF-8") from None
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.1:
        raise IngestError("the file looks binary, not text; save it as .md, .txt or .pdf")
    try:
        return _clean(data.decode("utf-8-sig")), ()
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return _clean(data.decode(encoding)), (f"not valid UTF-8; decoded as {encoding}",)
        except UnicodeDecodeError:
            continue
    raise IngestError("the file's text encoding is unknown; re-save it as UTF-8")  # unreachable: latin-1


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


def _clean(text: str) -> str:
    # Offsets are into this normalised text: one newline convention, no NULs.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


_ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BOLD_NUMBERED_HEADING = re.compile(r"^\*\*(\d+(?:\.\d+)*\.?[ \t]+[^*\n]{1,150})\*\*[ \t]*$")
_SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_heading(raw: str) -> str:
    text = re.sub(r"[*_`]+", "", raw).strip()
    return re.sub(r"\s+", " ", text)


def _heading(line: str) -> tuple[int, str] | None:
    """(markdown level, heading text) if the line is a heading."""
    match = _ATX_HEADING.match(line)
    if match:
        text = clean_heading(match.group(2))
        return (len(match.group(1)), text) if text else None
    match = _BOLD_NUMBERED_HEADING.match(line.strip())
    if match:
        return 2, clean_heading(match.group(1))
    return None


def _depth(level: int, text: str) -> int:
    """Nesting depth: numbered headings nest by their number (3.2 under 3.), others by '#' level."""
    number = _SECTION_NUMBER.match(text)
    if number:
        return number.group(1).count(".") + 1
    return max(1, level - 1)


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def parse_markdown(source: str, text: str, warnings_: tuple[str, ...] = ()) -> Document:
    """Headings become a section path; tab-separated and pipe tables become one row block each."""
    lines = _lines(text)
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    title = ""
    para_start: int | None = None
    para_end = 0

    def section() -> str:
        return " > ".join(name for _, name in stack)

    def flush() -> None:
        nonlocal para_start
        if para_start is not None:
            blocks.append(Block("text", para_start, para_end, section()))
            para_start = None

    i = 0
    while i < len(lines):
        pos, line = lines[i]
        heading = _heading(line)
        if heading:
            flush()
            level, name = heading
            if level == 1 and not title and not blocks:
                title = name
            else:
                depth = _depth(level, name)
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                stack.append((depth, name))
            i += 1
            continue
        table_end = _table_end(lines, i)
        if table_end > i:
            flush()
            blocks.extend(_table_blocks(lines[i:table_end], section()))
            i = table_end
            continue
        if line.strip():
            if para_start is None:
                para_start = pos + (len(line) - len(line.lstrip()))
            para_end = pos + len(line.rstrip())
        i += 1
    flush()
    if not title:
        title = Path(source).stem
    return Document(source, text, title, tuple(blocks), tuple(warnings_))


def _is_tab_row(line: str) -> bool:
    return "\t" in line.strip() and len(line.strip().split("\t")) >= 2


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and stripped.count("|") >= 2


def _table_end(lines: list[tuple[int, str]], i: int) -> int:
    """Index past the table starting at line i (a header and at least one row), or i if none."""
    for is_row in (_is_tab_row, _is_pipe_row):
        j = i
        while j < len(lines) and is_row(lines[j][1]):
            j += 1
        if j - i >= 2:
            return j
    return i


def _table_blocks(rows: list[tuple[int, str]], section: str) -> list[Block]:
    headers = tuple(split_row(rows[0][1]))
    blocks = []
    for pos, line in rows[1:]:
        if _PIPE_SEPARATOR.match(line):
            continue
        start = pos + (len(line) - len(line.lstrip()))
        end = pos + len(line.rstrip())
        cells = tuple(split_row(line))
        if start < end and any(cells):
            blocks.append(Block("row", start, end, section, None, headers, cells))
    return blocks


# --- PDF --------------------------------------------------------------------------------------

def load_pdf(source: str, data: bytes) -> Document:
    """Text per page via pypdf; every page is a block that knows its 1-based number."""
    import pypdf
    from pypdf.errors import LimitReachedError

    if not data.lstrip()[:1024].startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise IngestError("the file is named .pdf but is not a PDF")
    warnings_: list[str] = []
    try:
        pages = _pdf_pages(data, warnings_)
    except LimitReachedError:
        # Large real reports exceed pypdf's default safety limits; raise them for this file only.
        warnings_.append("exceeded pypdf's default safety limits; read with raised limits")
        with pypdf.apply_configuration(array_maximum_element_count=50_000_000,
                                       dictionary_maximum_element_count=50_000_000):
            pages = _pdf_pages(data, warnings_)

    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for number, page_text in enumerate(pages, start=1):
        if parts:
            parts.append(PAGE_SEPARATOR)
            pos += len(PAGE_SEPARATOR)
        parts.append(page_text)
        stripped = page_text.strip()
        if stripped:
            lead = len(page_text) - len(page_text.lstrip())
            blocks.append(Block("text", pos + lead, pos + lead + len(stripped), "", number))
        pos += len(page_text)
    if not blocks:
        raise IngestError("the PDF has no extractable text (scanned?); run OCR on it first")
    text = "".join(parts)
    return Document(source, text, _pdf_title(source, data), tuple(blocks), tuple(warnings_))


def _pdf_pages(data: bytes, warnings_: list[str]) -> list[str]:
    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError, PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise IngestError("the PDF is password-protected, skipped; remove the password to index it",
                                  skipped=True)
            count = len(reader.pages)
    except (IngestError, LimitReachedError):
        raise
    except DependencyError:
        raise IngestError("the PDF is encrypted and needs the 'cryptography' package; "
                          "reinstall with `make install`") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise IngestError(f"the PDF is damaged or truncated and cannot be opened ({exc.__class__.__name__})") \
            from None
    pages: list[str] = []
    for number in range(count):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                page_text = reader.pages[number].extract_text() or ""
        except LimitReachedError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            warnings_.append(f"page {number + 1}: text could not be extracted ({exc.__class__.__name__})")
            page_text = ""
        pages.append(_clean(page_text))
    return pages


def _pdf_title(source: str, data: bytes) -> str:
    return Path(source).stem
