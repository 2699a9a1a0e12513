"""Files to Documents: Markdown and text keep headings and table rows; PDFs keep their pages."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat as stat_
from decimal import Decimal
from dataclasses import dataclass
from pathlib import Path

from .messages import Said
from .schema import SPACED_CELL, Block, Document, split_row
from .text import in_code

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = MARKDOWN_SUFFIXES | {".txt"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES
MAX_HEADING_CHARS = 200  # a heading is carried on every chunk of its section: keep hostile ones short
MAX_SECTION_CHARS = 400
READ_ATTEMPTS = 3  # a file that keeps changing while it is read is reported, not indexed half-written


class IngestError(Exception):
    """A file that cannot be indexed; the message is one sentence a user can act on, a messages.Said (English
    text that a page writes in its own language)."""

    def __init__(self, message: str, skipped: bool = False):
        super().__init__(message)
        self.message = message
        self.skipped = skipped  # skipped: nothing to index (empty, unsupported); else failed

    def __reduce__(self):
        # Raised in worker processes: the flag and the message's key and values must survive pickling back.
        return (IngestError, (self.message, self.skipped))


@dataclass(frozen=True)
class SourceFile:
    source: str  # path relative to the corpus, forward slashes
    path: Path
    size: int
    mtime_ns: int
    target: Path | None = None  # the resolved file a symbolic link inside the corpus points to


@dataclass(frozen=True)
class FileContent:
    """A file's bytes with the sha256, size and mtime of exactly those bytes."""

    data: bytes
    sha256: str
    size: int
    mtime_ns: int


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        for name in sorted(dirnames):
            if not name.startswith(".") and (Path(dirpath) / name).is_symlink():
                # os.walk does not follow links; say so instead of silently leaving the folder out.
                skipped.append(Problem((Path(dirpath) / name).relative_to(corpus).as_posix(),
                                       Said("scan_folder_link")))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (Path(dirpath) / d).is_symlink())
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            file, problem = _scan_file(corpus, root, Path(dirpath) / name, max_bytes)
            if file:
                files.append(file)
            if problem:
                skipped.append(problem)
    return files, skipped


def _scan_file(corpus: Path, root: Path, path: Path, max_bytes: int) -> tuple[SourceFile | None, Problem | None]:
    source = path.relative_to(corpus).as_posix()
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        # Names with bytes that are not UTF-8 cannot be written to the manifest or shown reliably.
        shown = os.fsencode(source).decode("utf-8", "backslashreplace")
        return None, Problem(shown, Said("scan_bad_name"))
    target = None
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            return None, Problem(source, Said("scan_outside_link"))
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None, Problem(source, Said("scan_unsupported", suffix=path.suffix or path.name))
    try:
        info = path.stat()
    except OSError as exc:
        return None, Problem(source, Said("scan_unreadable", error=str(exc.strerror or exc)))
    if not stat_.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end when read.
        return None, Problem(source, Said("scan_not_regular"))
    if info.st_size > max_bytes:
        return None, Problem(source, Said("scan_too_large", limit=human_size(max_bytes),
                                          size=human_size(info.st_size)))
    return SourceFile(source, path, info.st_size, info.st_mtime_ns, target), None


def human_size(n: int) -> Said:
    """'16 KB', '9.8 KB', '50 MB': sizes as a user reads them in a message ('9,8 KB' in Spanish)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            value = n / scale
            number = f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}"
            return Said("size", number=Decimal(number), unit=unit)
    return Said("size", number=n, unit="bytes")


def read_file(file: SourceFile) -> FileContent:
    """The file's bytes, read once so that parsing and hashing see the same content.

    The file is stat'ed before and after reading: if it changed meanwhile (an editor saving, a download
    still running) it is read again, and reported after READ_ATTEMPTS so a half-written file is never indexed.
    """
    for _ in range(READ_ATTEMPTS):
        before = _stat(file)
        data = _read(file)
        after = _stat(file)
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and len(data) == after.st_size:
            return FileContent(data, hashlib.sha256(data).hexdigest(), len(data), after.st_mtime_ns)
    raise IngestError(Said("read_changing"))


def _stat(file: SourceFile) -> os.stat_result:
    try:
        return (file.target or file.path).stat()
    except FileNotFoundError:
        raise IngestError(Said("read_gone")) from None
    except OSError as exc:
        raise IngestError(Said("read_denied", error=str(exc.strerror or exc))) from None


def _read(file: SourceFile) -> bytes:
    # O_NOFOLLOW: a file swapped for a link after the scan is refused rather than followed out of the corpus.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(file.target or file.path, flags)
    except FileNotFoundError:
        raise IngestError(Said("read_gone")) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError(Said("read_link")) from None
        raise IngestError(Said("read_denied", error=str(exc.strerror or exc))) from None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def load_document(source: str, data: bytes) -> Document:
    """Parse one file's bytes into a Document, or raise IngestError saying why it cannot be indexed."""
    suffix = Path(source).suffix.lower()
    if not data:
        raise IngestError(Said("file_empty"), skipped=True)
    if not data.strip():
        raise IngestError(Said("file_blank"), skipped=True)
    if suffix in PDF_SUFFIXES:
        return load_pdf(source, data)
    text, warnings_ = decode_text(data)
    if not text.strip():
        raise IngestError(Said("file_blank"), skipped=True)
    return parse_markdown(source, text, warnings_, plain=suffix == ".txt")


# --- text -------------------------------------------------------------------------------------

def decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode UTF-8 (or UTF-16 with a BOM); otherwise fall back to cp1252/Latin-1 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return clean_text(data.decode("utf-16")), (Said("decoded_utf16"),)
        except UnicodeDecodeError:
            raise IngestError(Said("bad_utf16")) from None
    bomless = _utf16_without_bom(data)
    if bomless:
        return clean_text(data.decode(bomless)), (Said("decoded_no_bom", encoding=bomless.upper()),)
    if b"\x00" in data[:8192] or _control_ratio(data[:8192]) > 0.1:
        raise IngestError(Said("file_binary"))
    try:
        return clean_text(data.decode("utf-8-sig")), ()
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return clean_text(data.decode(encoding)), (Said("decoded_legacy", encoding=encoding),)
        except UnicodeDecodeError:
            continue
    raise IngestError(Said("unknown_encoding"))  # unreachable: latin-1


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like mostly-ASCII UTF-16 text without a BOM."""
    sample = data[:8192]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, zeros, chars in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) == 0:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            if text.isprintable() or _control_ratio(text.encode("utf-8", "replace")) < 0.01:
                return encoding
    return None


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(data)


def clean_text(text: str) -> str:
    # Offsets are into this normalised text: one newline convention, no NULs.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Broken PDF font maps can yield lone surrogates, which no UTF-8 index file can hold; one '?' each
        # keeps every offset where it was.
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


# Closing '#'s are stripped in Python: the lazy regex form backtracked quadratically on long lines.
_ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_BOLD_NUMBERED_HEADING = re.compile(r"^\*\*(\d+(?:\.\d+)*\.?[ \t]+[^*\n]{1,150})\*\*[ \t]*$")
# A setext heading's underline: "=" under a heading of level 1, "-" under one of level 2.
_UNDERLINE = re.compile(r"^ {0,3}(=+|-{2,})[ \t]*$")
# Front matter: YAML between "---" lines at the top of a Markdown file (docs sites, notes, R Markdown, Quarto).
MAX_FRONT_MATTER_LINES = 60
_YAML_LINE = re.compile(r"^(?:[\w-][\w .-]*:(?:\s.*)?|\s*- .*|\s+\S.*|#.*)$")
_YAML_TITLE = re.compile(r"^title:\s*(.+?)\s*$")
_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"
PLAIN_HEADING_WORDS = 10  # a plain-text heading is a short line standing alone
PLAIN_HEADING_CHARS = 80
CONTENTS_LINES = 5  # a table of contents in plain text has at least this many lines, ...
CONTENTS_WORDS = 12  # ... its numbered titles at most this many words after the number,
CONTENTS_SHORT = 6  # ... its other lines (a title without a number, a long title's wrapped end) at most this many
# "3.1. Un resumen", "A. Apéndice", "12 Index", "2. ¿Qué es Debian?": a number, then a word (not "1.0 3:2.5")
_CONTENTS_NUMBER = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)*)\.?\s+[¿¡\"'(]?[^\W\d_]")
LABEL_DEPTH = 1_000  # a label inside a section (_a_label) is deeper than any heading: the next heading closes it
_SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s")
# "Chapter 9. ...", "Capítulo 9. ...", "Part II": a division of the document, a heading in any case, over its sections.
_DIVISION = re.compile(r"^(?:chapter|cap[ií]tulo|part|parte|appendix|ap[ée]ndice|annex|anexo)\s+(?:\d+|[IVXLC]+)\b"
                       r"(?!\.\d)", re.I)
# "Table 1.25. ...", "Figura 3: ...": a caption, never a heading, however it is written.
_CAPTION = re.compile(r"^(?:table|tabla|cuadro|figure|figura|fig\.|chart|gr[aá]fico|map|mapa)\s+\d", re.I)
# A rule under a table's header whose columns are aligned with spaces: two or more runs of "-" (or of "=").
_RULE_RUNS = re.compile(r"^[ \t]*(?:-{2,}|={2,})(?:[ \t]+(?:-{2,}|={2,}))+[ \t]*$")
_RUN = re.compile(r"-{2,}|={2,}")
# A rule of a grid table: "+---+---+", "|----+----|", "+===+===+" (a border or the line between two rows).
_GRID_RULE = re.compile(r"^\s*[+|](?=[-=:+|]*[-=]{3})[-=:+|]*[+|]\s*$")  # \s: some indent with no-break spaces
# Possessive runs: the same language, but no quadratic backtracking on a long line of spaces.
_PIPE_SEPARATOR = re.compile(r"^\s*+\|?\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?\s*+$")


def clean_heading(raw: str) -> str:
    text = re.sub(r"[*_`]+", "", raw).strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= MAX_HEADING_CHARS else text[:MAX_HEADING_CHARS - 1].rstrip() + "…"


def _heading(line: str) -> tuple[int, str] | None:
    """(markdown level, heading text) if the line is a heading."""
    match = _ATX_HEADING.match(line)
    if match:
        text = clean_heading(_strip_closing_hashes(match.group(2)))
        return (len(match.group(1)), text) if text else None
    match = _BOLD_NUMBERED_HEADING.match(line.strip())
    if match:
        return 2, clean_heading(match.group(1))
    return None


def _plain_heading(line: str) -> str | None:
    """The heading a line of plain text is, when it stands alone (the caller checks the blank lines around it):
    short, opening with a capital or a section number, and in capitals ("TERMS AND CONDITIONS"), numbered ("1.
    Source Code.", "3.2 Scope") or with its longer words capitalised and no full stop ("How to Apply These Terms").
    A sentence ("Thank you for reading.") or a list item ("1. buy the tickets") is none."""
    text = line.strip()
    words = text.split()
    if not words or len(words) > PLAIN_HEADING_WORDS or len(text) > PLAIN_HEADING_CHARS or text[-1] in ",;:?!" \
            or _CAPTION.match(text):
        return None
    if _DIVISION.match(text) and not text.endswith("."):
        return clean_heading(text)
    numbered = _SECTION_NUMBER.match(text)
    rest = text[numbered.end():].strip() if numbered else text
    if not rest or not rest[0].isupper():
        return None
    letters = [ch for ch in rest if ch.isalpha()]
    capitals = len(letters) >= 2 and all(ch.isupper() for ch in letters)
    titled = all(w[0].isupper() for w in rest.split() if len(w.strip("\"'’.,()")) >= 5)
    # A number of two or more levels ("1.4.9.") is a section's, in any case: Spanish, among others, writes headings
    # in sentence case ("1.4.9. Grabación de las actividades"); a list item has one level ("1. buy the tickets").
    deep = numbered is not None and "." in numbered.group(1) and not text.endswith(".")
    if capitals or numbered and titled or titled and not text.endswith(".") or deep:
        return clean_heading(text)
    return None


def _contents_end(lines: list[tuple[int, str]], i: int) -> tuple[int, int]:
    """(index past the table of contents that starts at line i (a numbered title), or i if none; index past the lines
    read, none of which starts one when i does not: each run is read once). Its lines, up to a
    blank one, are numbered titles ("3.1. Un resumen del proceso de arranque", "A. Apéndice": a number, then at most
    CONTENTS_WORDS words) or short titles and the wrapped ends of long ones (at most CONTENTS_SHORT words), none
    ending as a sentence or clause does; at least CONTENTS_LINES lines, most of them numbered, and at least half the
    numbers of two or more levels ("1.1."), which a list of steps or clauses ("1. buy the tickets") does not have."""
    if not _CONTENTS_NUMBER.match(lines[i][1].strip()):
        return i, i + 1
    j, numbered, deep = i, 0, 0
    while j < len(lines) and (text := lines[j][1].strip()):
        words = len(text.split())
        number = _CONTENTS_NUMBER.match(text)
        if text[-1] in ".;:," or words > CONTENTS_WORDS + 1 or (number is None and words > CONTENTS_SHORT):
            break
        numbered += number is not None
        deep += number is not None and "." in number.group(1)
        j += 1
    if j - i < CONTENTS_LINES or numbered < 0.6 * (j - i) or deep < 0.5 * numbered:
        return i, max(j, i + 1)
    return j, j


def _a_label(lines: list[tuple[int, str]], i: int, name: str) -> bool:
    """A plain heading of one word, not in capitals, indented as the paragraph after it is ("    Sugerencia" over a
    tip in a manual whose headings stand at the margin and its text four spaces in): a label inside the section it
    stands in, not a section of its own ("Preamble", centred over its text, or a name at the margin). Longer
    headings indented with their text are sections (a licence indented whole: "    Third-Party Software Licenses")."""
    if len(name.split()) != 1 or name.isupper():
        return False
    line = lines[i][1]
    indent = len(line) - len(line.lstrip())
    after = next((lines[k][1] for k in range(i + 1, len(lines)) if lines[k][1].strip()), "")
    return indent > 0 and indent == len(after) - len(after.lstrip())


def _strip_closing_hashes(text: str) -> str:
    """'Title ##' -> 'Title' but 'C#' stays: a closing run of '#' counts only after white space."""
    text = text.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.rstrip(" \t")
    return text


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


def parse_markdown(source: str, text: str, warnings_: tuple[str, ...] = (), plain: bool = False,
                   titled: bool = True) -> Document:
    """Headings become a section path; tab-separated and pipe tables become one row block each. Headings are "#"
    lines, bold numbered lines and underlined (setext) lines; in plain text (plain), also a short line standing
    alone that reads as one (_plain_heading), which stays text as well, since it is only a guess. A level-1 heading
    before any text is the document's title, unless the file has more (release notes: one per version), when each
    is a section (titled=False)."""
    lines = _lines(text)
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    title = ""
    top_headings = 0  # level-1 headings met
    para_start: int | None = None
    para_end = 0

    def section() -> str:
        path = " > ".join(name for _, name in stack)
        # Deeply numbered headings (1.1.1.1...) could make every chunk carry a huge path: keep its end.
        return path if len(path) <= MAX_SECTION_CHARS else "… " + path[-(MAX_SECTION_CHARS - 2):]

    def flush() -> None:
        nonlocal para_start
        if para_start is not None:
            blocks.append(Block("text", para_start, para_end, section()))
            para_start = None

    def open_section(level: int, name: str, depth: int) -> None:
        nonlocal title, top_headings
        top_headings += level == 1
        if level == 1 and titled and not title and len(blocks) == fields:
            title = name
            return
        while stack and stack[-1][0] >= depth:
            stack.pop()
        stack.append((depth, name))

    i, named = _front_matter(lines) if not plain else (0, "")
    for pos, line in lines[1:i - 1] if i else ():  # each field a unit ("author: Jane Roe"); the title is the title
        if line.strip() and not _YAML_TITLE.match(line):
            blocks.append(Block("text", pos + len(line) - len(line.lstrip()), pos + len(line.rstrip()), ""))
    fields = len(blocks)
    fence = ""  # the opening fence of the code block the line is in
    contents_read = 0  # lines before this one were read by _contents_end already
    while i < len(lines):
        pos, line = lines[i]
        code, fence = in_code(line, fence)
        if code:  # a code block is text whatever its lines look like: "# conda" is a comment, not a heading
            if line.strip():
                if para_start is None:
                    para_start = pos + (len(line) - len(line.lstrip()))
                para_end = pos + len(line.rstrip())
            i += 1
            continue
        if not plain and line.lstrip().startswith(_COMMENT_OPEN):  # an HTML comment: not shown, so not read
            flush()
            i = _comment_end(lines, i)
            continue
        if plain and i >= contents_read:
            contents_end, contents_read = _contents_end(lines, i)
            if contents_end > i:  # a table of contents: in the text, but no answer (it says where, not what)
                flush()
                i = contents_end
                continue
        heading = _heading(line)
        following = lines[i + 1][1] if i + 1 < len(lines) else ""
        alone = i == 0 or not lines[i - 1][1].strip()  # a blank line (or the file's start) before it
        if not heading and alone and line.strip() and _UNDERLINE.match(following) \
                and not _is_pipe_row(line) and not _is_tab_row(line):
            name = clean_heading(line)  # "Title" over "=====": a heading, and its underline no text
            if name:
                flush()
                level = 1 if following.strip().startswith("=") else 2
                open_section(level, name, _depth(level, name))
                i += 2
                continue
        if heading:
            flush()
            level, name = heading
            open_section(level, name, _depth(level, name))
            i += 1
            continue
        if plain and alone and not following.strip() and (name := _plain_heading(line)):
            # A plain-text heading: unnumbered ones ("TERMS AND CONDITIONS") and divisions ("Capítulo 9") hold the
            # numbered ones under them; a label of one word indented with its text ("Sugerencia") stands under the
            # section it is in until the next heading.
            flush()
            number = _SECTION_NUMBER.match(name)
            if number:
                open_section(2, name, number.group(1).count(".") + 2)
            elif _DIVISION.match(name):
                open_section(2, name, 1)
            elif stack and _a_label(lines, i, name):
                open_section(2, name, LABEL_DEPTH)
            else:
                open_section(2, name, 1)
        aligned = _grid_table(lines, i, section()) or _aligned_table(lines, i, section())
        if aligned is not None:
            flush()
            i, rows = aligned
            blocks.extend(rows)
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
    if title and top_headings > 1:  # the first of several level-1 headings is a section like the others
        return parse_markdown(source, text, warnings_, plain, titled=False)
    if not title:
        title = named or Path(source).stem
    return Document(source, text, title, tuple(blocks), tuple(warnings_))


def _comment_end(lines: list[tuple[int, str]], i: int) -> int:
    """Index past the HTML comment that line i opens: past the line that closes it, or past line i alone when
    nothing closes it (a stray "<!--" does not hide the rest of the file)."""
    rest = lines[i][1].lstrip()[len(_COMMENT_OPEN):]
    j = i
    while _COMMENT_CLOSE not in rest:
        j += 1
        if j >= len(lines):
            return i + 1
        rest = lines[j][1]
    return j + 1


def _front_matter(lines: list[tuple[int, str]]) -> tuple[int, str]:
    """(index of the first line after a YAML front matter, its title), or (0, "") when the file has none."""
    if not lines or lines[0][1].rstrip() != "---":
        return 0, ""
    title = ""
    for i, (_, line) in enumerate(lines[1:MAX_FRONT_MATTER_LINES + 1], start=1):
        if line.rstrip() in ("---", "..."):
            return (i + 1, title) if i > 1 else (0, "")
        if line.strip() and not _YAML_LINE.match(line):
            return 0, ""
        if not title and (match := _YAML_TITLE.match(line)):
            title = match.group(1).strip("\"'")
    return 0, ""


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


def _grid_table(lines: list[tuple[int, str]], i: int, section: str) -> tuple[int, list[Block]] | None:
    """(index past it, its rows) for a grid table, whose rows run over several lines between rules ("+---+---+",
    "|---+---|", "+===+===+"), as pandoc writes a table with a cell of several lines and as text editions of
    manuals set theirs; None for anything else. Its lines are rules and pipe lines, at least two of them rules; the
    pipe lines between two rules are one row (each column's pieces read top to bottom: schema.split_row), the first
    such group the header. A pipe line with another number of cells than the header's leaves the lines to the
    pipe-table reader."""
    j, rules = i, set()
    while j < len(lines) and (_GRID_RULE.match(lines[j][1]) or _is_pipe_row(lines[j][1])):
        if _GRID_RULE.match(lines[j][1]):
            rules.add(j)
        j += 1
    if len(rules) < 2:
        return None
    groups: list[list[int]] = []
    for k in range(i, j):
        if k in rules:
            if groups and groups[-1]:
                groups.append([])
            continue
        if not groups:
            groups.append([])
        groups[-1].append(k)
    groups = [g for g in groups if g]
    if len(groups) < 2:
        return None
    width = len(split_row(lines[groups[0][0]][1]))
    if any(len(split_row(lines[k][1])) != width for g in groups for k in g):
        return None
    text = "\n".join(lines[k][1] for k in groups[0])
    headers = tuple(split_row(text))
    rows = []
    for group in groups[1:]:
        first, last = lines[group[0]], lines[group[-1]]
        start = first[0] + len(first[1]) - len(first[1].lstrip())
        end = last[0] + len(last[1].rstrip())
        cells = tuple(split_row("\n".join(lines[k][1] for k in group)))
        if any(cells):
            rows.append(Block("row", start, end, section, None, headers, cells))
    return (j, rows) if rows else None


def _aligned_table(lines: list[tuple[int, str]], i: int, section: str) -> tuple[int, list[Block]] | None:
    """(index past it, its rows) for a table whose columns are aligned with spaces under a rule of dash runs, as
    pandoc writes a simple table and plain-text reports set one ("Terminal   Ships" over "--------  -----"), or
    between rules of "=" runs (reST's simple tables, which close with one more rule); None for anything else.
    It is a table only when its header and every row have one cell per run, each over its run (cells stand two
    or more spaces apart: schema.SPACED_CELL), and no pipe or tab: a row with an empty or overflowing cell could
    not be read back from its own text, so the lines then stay text."""
    opened = i + 2 < len(lines) and _RULE_RUNS.match(lines[i][1]) is not None  # reST: a rule over the header
    head = i + 1 if opened else i
    if head + 2 >= len(lines) or not _RULE_RUNS.match(lines[head + 1][1]):
        return None
    runs = [m.span() for m in _RUN.finditer(lines[head + 1][1])]

    def cells(line: str) -> list[str] | None:
        if "|" in line or "\t" in line:
            return None
        found = list(SPACED_CELL.finditer(line))
        if len(found) != len(runs) or any(m.end() <= a or b <= m.start() for m, (a, b) in zip(found, runs)):
            return None
        return [m.group() for m in found]

    headers = cells(lines[head][1])
    if headers is None:
        return None
    rows: list[Block] = []
    j = head + 2
    while j < len(lines) and lines[j][1].strip() and not _RULE_RUNS.match(lines[j][1]):
        pos, line = lines[j]
        values = cells(line)
        if values is None:
            return None
        start = pos + len(line) - len(line.lstrip())
        rows.append(Block("row", start, pos + len(line.rstrip()), section, None, tuple(headers), tuple(values)))
        j += 1
    if j < len(lines) and _RULE_RUNS.match(lines[j][1]):
        j += 1  # the closing rule
    return (j, rows) if rows else None


def _table_blocks(rows: list[tuple[int, str]], section: str) -> list[Block]:
    headers = tuple(split_row(rows[0][1]))
    blocks = []
    for pos, line in rows[1:]:
        if _PIPE_SEPARATOR.match(line) or _GRID_RULE.match(line):
            continue
        start = pos + (len(line) - len(line.lstrip()))
        end = pos + len(line.rstrip())
        cells = tuple(split_row(line))
        if start < end and any(cells):
            blocks.append(Block("row", start, end, section, None, headers, cells))
    return blocks


# --- PDF --------------------------------------------------------------------------------------

def load_pdf(source: str, data: bytes) -> Document:
    """Pages, tables, headings and printed page numbers, read with pdfium (see assistant/pdf and docs/pdf.md)."""
    from .pdf import load_pdf as read_pdf

    return read_pdf(source, data)
