"""Safe uploads into the corpus: plain file names, checked content, no silent overwrites; and removal."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from decimal import Decimal

from .ingest import IngestError, decode_text
from .messages import Said

UPLOAD_SUFFIXES = (".md", ".txt", ".pdf")
MAX_NAME_CHARS = 120
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Letters, digits, space and a few punctuation marks; anything else in a name becomes "_".
_UNSAFE_CHAR = re.compile(r"[^\w .()\-+,&'\[\]]", re.UNICODE)


class UploadError(ValueError):
    """An upload or removal that was refused; the message, a messages.Said (English text that a page writes in
    its own language), says what happened and what to do."""

    def __init__(self, message: Said):
        super().__init__(message)
        self.message = message


class UploadExists(UploadError):
    """A document with that name is already in the corpus and replacing it was not asked for."""


def safe_name(raw: str) -> str:
    """A plain, visible file name with a supported suffix, or UploadError saying why the name is refused.

    Names that try to leave the corpus (folders, "..", absolute paths) are refused rather than cut down,
    because a browser never sends folder parts: such a name is a mistake or an attack, not a file.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise UploadError(Said("upload_no_name"))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        raise UploadError(Said("upload_control"))
    name = unicodedata.normalize("NFC", raw.strip())
    if "/" in name or "\\" in name or name in (".", "..") or re.match(r"^[A-Za-z]:", name):
        raise UploadError(Said("upload_folders", name=raw, plain=_plain_part(name)))
    if name.startswith("."):
        raise UploadError(Said("upload_hidden", name=raw))
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(Said("upload_type", name=raw))
    stem = _UNSAFE_CHAR.sub("_", name[: -len(suffix)]).strip(" .")
    if not any(ch.isalnum() for ch in stem):
        raise UploadError(Said("upload_no_letters", name=raw, suffix=suffix))
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .")
    return stem + suffix


def _plain_part(name: str) -> str:
    last = re.split(r"[\\/]", name)[-1].lstrip(".")
    return last or "notes.md"


def check_content(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse empty, over-size or mislabelled content: a .pdf must be a PDF, a text file must be text."""
    if len(data) > max_bytes:
        raise UploadError(Said("upload_too_large", name=name, size=Decimal(f"{len(data) / 1_048_576:.1f}"),
                               limit=Decimal(f"{max_bytes / 1_048_576:.0f}")))
    if not data.strip():
        raise UploadError(Said("upload_empty", name=name))
    if name.lower().endswith(".pdf"):
        # The same header test ingest applies, so a file accepted here is not refused at indexing.
        if not data[:1024].lstrip().startswith(b"%PDF-"):
            raise UploadError(Said("upload_not_pdf", name=name))
        return
    try:
        text, _warnings = decode_text(data)
    except IngestError as exc:
        raise UploadError(Said("upload_not_text", name=name, problem=exc.message)) from None
    if not text.strip():
        raise UploadError(Said("upload_blank", name=name))


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
        raise UploadError(Said("upload_no_folder", folder=str(corpus)))
    target = corpus / name
    if target.resolve().parent != corpus.resolve():  # defence in depth: safe_name already forbids this
        raise UploadError(Said("upload_outside", name=raw_name))
    if target.exists() and not overwrite:
        raise UploadExists(Said("upload_exists", name=name))
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
                raise UploadExists(Said("upload_exists", name=name)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def remove_document(corpus: Path, source: str) -> Path:
    """Delete one indexed document (a path relative to the corpus) from the corpus folder."""
    corpus = Path(corpus).resolve()
    if not source or "\x00" in source or Path(source).is_absolute() or ".." in Path(source).parts:
        raise UploadError(Said("remove_unknown", name=source))
    path = corpus / source
    # Only the folder entry is deleted (a symlink, not its target), so the folder is what must be inside.
    if not path.parent.resolve().is_relative_to(corpus):
        raise UploadError(Said("remove_outside", name=source))
    if not (path.is_file() or path.is_symlink()):
        raise UploadError(Said("remove_gone", name=source))
    path.unlink()
    return path
