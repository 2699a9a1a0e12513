"""Uploads: safe names, content checks, no silent overwrite, removal that stays inside the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import messages
from assistant.uploads import (MAX_NAME_CHARS, UploadError, UploadExists, check_content, remove_document,
                               safe_name, save_upload)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.mark.parametrize("raw, expected", [
    ("notes.md", "notes.md"),
    ("  Report 2024.PDF ", "Report 2024.pdf"),  # suffixes are lower-cased
    ("résumé (final).txt", "résumé (final).txt"),
    ("a*b?c<d>e|f.md", "a_b_c_d_e_f.md"),
    ("name;rm -rf.md", "name_rm -rf.md"),
])
def test_safe_name_keeps_a_plain_visible_name(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("../../etc/passwd.md", "contains folder parts"),
    ("..\\..\\boot.ini.txt", "contains folder parts"),
    ("/etc/notes.md", "contains folder parts"),
    ("sub/notes.md", "contains folder parts"),
    ("C:notes.md", "contains folder parts"),
    ("..", "contains folder parts"),
    (".hidden.md", "starts with a dot"),
    (".md", "starts with a dot"),
    ("evil\x00.md", "control characters"),
    ("line\nbreak.md", "control characters"),
    ("", "has no name"),
    ("   ", "has no name"),
    ("program.exe", "not a .md, .txt or .pdf"),
    ("notes.md.exe", "not a .md, .txt or .pdf"),
    ("notes", "not a .md, .txt or .pdf"),
    ("***.md", "no letters or digits"),
])
def test_safe_name_refuses_names_that_leave_the_corpus_or_hide(raw: str, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        safe_name(raw)


def test_folder_parts_message_suggests_the_plain_name() -> None:
    with pytest.raises(UploadError, match="such as 'passwd.md'"):
        safe_name("../../etc/passwd.md")


def test_long_names_are_cut_but_keep_their_suffix() -> None:
    name = safe_name("x" * 500 + ".pdf")
    assert len(name) == MAX_NAME_CHARS and name.endswith(".pdf")


def test_check_content_accepts_real_text_and_pdf() -> None:
    check_content("a.md", "# Título\n\nTexto en español.".encode("utf-8"))
    check_content("b.txt", "café".encode("cp1252"))  # ingest decodes cp1252 with a warning
    check_content("c.pdf", PDF_BYTES)


@pytest.mark.parametrize("name, data, message", [
    ("fake.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF"),
    ("fake.pdf", b"PK\x03\x04 a zip file", "is not a PDF"),
    ("empty.md", b"", "is empty"),
    ("blank.txt", b"  \n\t\n", "is empty"),
    ("binary.txt", b"\x00\x01\x02\x03" * 100, "cannot be read as text"),
])
def test_check_content_refuses_mislabelled_or_empty_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UploadError, match=message):
        check_content(name, data)


def test_check_content_refuses_files_over_the_limit() -> None:
    with pytest.raises(UploadError, match=r"over the 1 MB limit; split it"):
        check_content("big.txt", b"a" * (1024 * 1024 + 1), max_bytes=1024 * 1024)


def test_save_upload_writes_under_the_safe_name_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = save_upload(corpus, "My notes?.md", b"# Notes\n\nSome text.")
    assert path == corpus / "My notes_.md"
    assert path.read_bytes() == b"# Notes\n\nSome text."
    assert sorted(p.name for p in corpus.iterdir()) == ["My notes_.md"]


def test_save_upload_never_writes_outside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(UploadError, match="folder parts"):
        save_upload(corpus, "../escaped.md", b"text")
    assert not (tmp_path / "escaped.md").exists()
    assert list(corpus.iterdir()) == []


def test_save_upload_does_not_overwrite_unless_asked(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("original")
    with pytest.raises(UploadExists, match="already exists; choose to replace"):
        save_upload(corpus, "a.md", b"new text")
    assert (corpus / "a.md").read_text() == "original"
    save_upload(corpus, "a.md", b"new text", overwrite=True)
    assert (corpus / "a.md").read_text() == "new text"
    assert sorted(p.name for p in corpus.iterdir()) == ["a.md"]


def test_save_upload_checks_content_before_writing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(UploadError, match="is not a PDF"):
        save_upload(corpus, "report.pdf", b"not a pdf at all")
    assert list(corpus.iterdir()) == []


def test_save_upload_needs_an_existing_corpus(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="does not exist; create it"):
        save_upload(tmp_path / "missing", "a.md", b"text")


def test_remove_document_deletes_only_inside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "b.md").write_text("b")
    outside = tmp_path / "outside.md"
    outside.write_text("keep me")
    assert remove_document(corpus, "sub/b.md") == corpus.resolve() / "sub" / "b.md"
    assert not (corpus / "sub" / "b.md").exists()
    for bad in ("../outside.md", str(outside), "", "sub/../../outside.md"):
        with pytest.raises(UploadError, match="not a document in the corpus"):
            remove_document(corpus, bad)
    assert outside.read_text() == "keep me"


def test_remove_document_through_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "c.md").write_text("keep me")
    (corpus / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UploadError, match="outside the documents folder"):
        remove_document(corpus, "link/c.md")
    assert (elsewhere / "c.md").exists()


def test_remove_document_says_when_the_file_is_already_gone(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(UploadError, match="no longer in the documents folder; rebuild"):
        remove_document(corpus, "gone.md")


def test_a_refused_upload_says_why_in_the_readers_language() -> None:
    with pytest.raises(UploadError) as info:
        safe_name("../../etc/passwd.md")
    assert str(info.value) == info.value.message == ("The file name '../../etc/passwd.md' contains folder parts; "
                                                     "rename it to a plain name such as 'passwd.md' and upload it "
                                                     "again.")
    assert messages.in_language(info.value.message, "en") == str(info.value)
    assert messages.in_language(info.value.message, "es") == (
        "El nombre de archivo '../../etc/passwd.md' incluye carpetas; cámbielo por un nombre simple como "
        "'passwd.md' y vuelva a subirlo.")
    # Sizes are written with a decimal comma in Spanish.
    with pytest.raises(UploadError) as info:
        check_content("big.txt", b"a" * 2_411_725, max_bytes=1024 * 1024)
    assert str(info.value) == "'big.txt' is 2.3 MB, over the 1 MB limit; split it into smaller files and upload those."
    assert info.value.message.in_language("es") == ("'big.txt' pesa 2,3 MB, más que el límite de 1 MB; divídalo en "
                                                    "archivos más pequeños y súbalos.")
    # Why the text cannot be read is the reader's reason, in Spanish too.
    with pytest.raises(UploadError) as info:
        check_content("binary.txt", b"\x00\x01\x02\x03" * 100)
    assert str(info.value) == ("'binary.txt' cannot be read as text (the file looks binary, not text; save it as "
                               ".md, .txt or .pdf).")
    assert info.value.message.in_language("es") == ("'binary.txt' no se puede leer como texto (el archivo parece "
                                                    "binario, no texto; guárdelo como .md, .txt o .pdf).")
