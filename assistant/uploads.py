"""Safe uploads into the corpus: plain file names, checked content, no silent overwrites; and removal."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from .ingest import IngestError, decode_text

UPLOAD_SUFFIXES = (".md", ".txt", ".pdf")
MAX_NAME_CHARS = 120
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Letters, digits, space and a few punctuation marks; anything else in a name becomes "_".
_UNSAFE_CHAR = re.compile(r"[^\w .()\-+,&'\[\]]", re.UNICODE)


class UploadError(ValueError):
    """An upload or removal that was refused; the message says what happened and what to do."""


class UploadExists(UploadError):
    """A document with that name is already in the corpus and replacing it was not asked for."""


def safe_name(raw: str) -> str:
    """A plain, visible file name with a supported suffix, or UploadError saying why the name is refused.

    Names that try to leave the corpus (folders, "..", absolute paths) are refused rather than cut down,
    because a browser never sends folder parts: such a name is a mistake or an attack, not a file.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise UploadError("The file has no name; give it a name ending in .md, .txt or .pdf and upload it again.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise UploadError("The file name contains control characters (such as NUL); rename the file and "
                          "upload it again.")
    name = unicodedata.normalize("NFC", raw.strip())
    if "/" in name or "\\" in name or name in (".", "..") or re.match(r"^[A-Za-z]:", name):
        raise UploadError(f"The file name '{raw}' contains folder parts; rename it to a plain name such as "
                          f"'{_plain_part(name)}' and upload it again.")
    if name.startswith("."):
        raise UploadError(f"The file name '{raw}' starts with a dot, which makes it a hidden file that is "
                          "never indexed; rename it and upload it again.")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(f"'{raw}' is not a .md, .txt or .pdf file; only those can be added to the documents.")
    stem = _UNSAFE_CHAR.sub("_", name[: -len(suffix)]).strip(" .")
    if not any(ch.isalnum() for ch in stem):
        raise UploadError(f"The file name '{raw}' has no letters or digits before '{suffix}'; rename it and "
                          "upload it again.")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .")
    return stem + suffix


def _plain_part(name: str) -> str:
    last = re.split(r"[\\/]", name)[-1].lstrip(".")
    return last or "notes.md"


def check_content(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse empty, over-size or mislabelled content: a .pdf must be a PDF, a text file must be text."""
    if len(data) > max_bytes:
        raise UploadError(f"'{name}' is {len(data) / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.0f} MB "
                          "limit; split it into smaller files and upload those.")
    if not data.strip():
        raise UploadError(f"'{name}' is empty; there is nothing in it to index.")
    if name.lower().endswith(".pdf"):
        # The same header test ingest applies, so a file accepted here is not refused at indexing.
        if not data[:1024].lstrip().startswith(b"%PDF-"):
            raise UploadError(f"'{name}' is named .pdf but is not a PDF (it does not start with %PDF-); "
                              "export it as a real PDF and upload it again.")
        return
    try:
        text, _warnings = decode_text(data)
    except IngestError as exc:
        raise UploadError(f"'{name}' cannot be read as text ({exc}).") from None
    if not text.strip():
        raise UploadError(f"'{name}' holds only white space; there is nothing in it to index.")


def save_upload(corpus: Path, raw_name: str, data: bytes, overwrite: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """Write an uploaded file into the corpus under its safe name; return the path written.

    The bytes go to a hidden temporary file first (the corpus scan ignores hidden files), then are linked
    or renamed into place, so a half-written upload is never indexed and an existing file is never
    replaced unless overwrite is set.
    """
    name = safe_name(raw_name)
    check_content(name, data, max_bytes)
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise UploadError(f"The documents folder {corpus} does not exist; create it and try again.")
    target = corpus / name
    if target.resolve().parent != corpus.resolve():  # defence in depth: safe_name already forbids this
        raise UploadError(f"'{raw_name}' would be saved outside the documents folder; refused.")
    if target.exists() and not overwrite:
        raise UploadExists(f"A document named '{name}' already exists; choose to replace existing files, "
                           "or rename the file, and upload it again.")
    tmp = corpus / f".upload-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        with tmp.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the name appeared meanwhile: no race to overwrite
            except FileExistsError:
                raise UploadExists(f"A document named '{name}' already exists; choose to replace existing "
                                   "files, or rename the file, and upload it again.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def remove_document(corpus: Path, source: str) -> Path:
    """Delete one indexed document (a path relative to the corpus) from the corpus folder."""
    corpus = Path(corpus).resolve()
    if not source or "\x00" in source or Path(source).is_absolute() or ".." in Path(source).parts:
        raise UploadError(f"'{source}' is not a document in the corpus; pick one from the list.")
    path = corpus / source
    # Only the folder entry is deleted (a symlink, not its target), so the folder is what must be inside.
    if not path.parent.resolve().is_relative_to(corpus):
        raise UploadError(f"'{source}' points outside the documents folder; it was not removed.")
    if not (path.is_file() or path.is_symlink()):
        raise UploadError(f"'{source}' is no longer in the documents folder; rebuild the index to forget it.")
    path.unlink()
    return path
