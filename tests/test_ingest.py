"""Ingestion: Markdown structure, tables, encodings, generated and real PDFs, and files that cannot be read."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.ingest import (IngestError, SourceFile, decode_text, load_document, parse_markdown, read_file,
                              scan_corpus)
from assistant.messages import Said
from assistant.schema import Document, row_label, row_values
from conftest import PAPER, REAL_PDFS
from pdf_factory import encrypt_pdf, make_pdf

MB = 1024 * 1024


@pytest.fixture(scope="module")
def paper() -> Document:
    return load_document(PAPER.name, PAPER.read_bytes())


def sections(doc: Document) -> list[str]:
    seen: list[str] = []
    for block in doc.blocks:
        if block.section not in seen:
            seen.append(block.section)
    return seen


# --- the default paper ------------------------------------------------------------------------

def test_paper_title_and_section_paths(paper: Document):
    assert paper.title == "G20 — Technological Transformation and Digital Public Infrastructure in Mexico"
    assert sections(paper) == [
        "",  # the author lines before the first heading
        "Abstract",
        "1. Introduction and Background",
        "2. Rationale",
        "3. Research Review",
        "3. Research Review > 3.1 Smart City Initiatives",
        "3. Research Review > 3.2 Telecommunications Transformation",
        "3. Research Review > 3.3 Healthcare Digitalization",
        "3. Research Review > 3.4 Digital Education Transformation",
        "3. Research Review > 3.5 SMEs and Open Banking",
        "3. Research Review > 3.6 Space Sector Development",
        "4. Data Analysis",
        "5. Space Program Timeline",
        "6. Conclusion",
        "References",
    ]


def test_paper_section_text_belongs_to_its_heading(paper: Document):
    chunks = chunk_document(paper)
    telecom = [c for c in chunks if c.section == "3. Research Review > 3.2 Telecommunications Transformation"]
    assert telecom and "Federal Telecommunications Institute" in telecom[0].text
    # Headings are structure, not text: no chunk repeats a heading line.
    assert not any("**3.2" in c.text or c.text.startswith("#") for c in chunks)


def test_paper_data_analysis_rows_carry_their_headers(paper: Document):
    rows = [b for b in paper.blocks if b.kind == "row" and b.section == "4. Data Analysis"]
    labels = [row_label(b.headers, paper.text[b.start:b.end]) for b in rows]
    assert len(labels) == 7
    assert "Metric: Broadband access | Insights: Approximately 20 million Mexicans lack reliable broadband " \
           "coverage" in labels
    assert labels[0] == "Metric: E-commerce growth | Insights: Increased by 27% in 2021 compared to 2020"
    assert all(b.headers == ("Metric", "Insights") for b in rows)


def test_paper_timeline_rows_carry_their_headers(paper: Document):
    rows = [b for b in paper.blocks if b.kind == "row" and b.section == "5. Space Program Timeline"]
    labels = [row_label(b.headers, paper.text[b.start:b.end]) for b in rows]
    assert labels == [
        "Year: 2010 | Milestone: Established National Space Agency",
        "Year: 2019 | Milestone: Launched first satellite, SATMEX-7",
        "Year: 2023 | Milestone: Scheduled first Mexican astronaut mission to the ISS",
        "Year: Current | Milestone: Developing indigenous launch vehicle and human spaceflight program",
    ]
    # The header line itself is not a row.
    assert not any(paper.text[b.start:b.end].startswith("Year\t") for b in rows)


def test_every_block_is_a_trimmed_slice_of_the_text(paper: Document):
    for block in paper.blocks:
        piece = paper.text[block.start:block.end]
        assert piece and piece == piece.strip()


# --- Markdown forms ---------------------------------------------------------------------------

def test_heading_forms_nest_by_number_or_level():
    text = ("# Title\n\n**1. First**\n\nOne.\n\n#### **1.1 Sub one**\n\nOne one.\n\n## 2. Second\n\nTwo.\n\n"
            "### Unnumbered child\n\nChild.\n\n## Back to top ##\n\nTop.\n")
    doc = parse_markdown("forms.md", text)
    assert doc.title == "Title"
    assert sections(doc) == ["1. First", "1. First > 1.1 Sub one", "2. Second", "2. Second > Unnumbered child",
                             "Back to top"]


def test_underlined_headings_are_headings():
    text = ("Harbourtown Port Report\n=======================\n\nIntro.\n\nBerths\n------\n\nThe berths.\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nA paragraph line\nstill the paragraph.\n")
    doc = parse_markdown("setext.md", text)
    assert doc.title == "Harbourtown Port Report"
    assert sections(doc) == ["", "Berths"]
    assert "=====" not in " ".join(doc.text[b.start:b.end] for b in doc.blocks)
    assert [b.kind for b in doc.blocks].count("row") == 1  # a table's separator is no underline


def test_a_fenced_code_block_holds_no_headings_and_stays_text():
    text = ("# Harbourtown tools\n\n## Install\n\nWith either tool:\n\n```sh\n# conda\nconda install harbour\n```\n\n"
            "~~~\n# or pip\npip install harbour\nA line\n---\n| a | b |\n|---|---|\n~~~\n\nThen run it.\n\n"
            "## Use\n\n````md\n# Not a heading\n```\nstill code\n````\n\nAsk away.\n")
    doc = parse_markdown("tools.md", text)
    assert sections(doc) == ["Install", "Use"]  # "# conda" and "# or pip" are shell comments
    assert [b.kind for b in doc.blocks] == ["text", "text"]  # no table, no underlined heading inside code
    install = doc.text[doc.blocks[0].start:doc.blocks[0].end]
    assert "conda install harbour" in install and install.endswith("Then run it.")
    assert "still code" in doc.text[doc.blocks[1].start:doc.blocks[1].end]  # a shorter fence does not close


GUIDE = ('---\ntitle: "Harbourtown ferry guide"\nauthor: Jane Roe\ndate: 2024-03-01\ntags: [ferry, travel]\n---\n\n'
         "<!-- Generated from the timetable database.\nDo not edit by hand. -->\n\n# Harbourtown ferry guide\n\n"
         "The ferry to Gull Island leaves every hour.\n<!-- TODO: winter times -->\nIt carries bicycles free.\n")


def test_release_notes_with_a_level_one_heading_per_version_have_no_title_heading():
    notes = ("harbour 2.1 (8 January 2023)\n============================\n\n * Fix the crash on empty berths.\n\n"
             "harbour 2.0 (15 November 2022)\n==============================\n\n * Add the tide table.\n")
    doc = parse_markdown("NEWS.md", notes)
    # The first version was taken for the title, so its items had no section and its name was in no passage.
    assert doc.title == "NEWS" and sections(doc) == ["harbour 2.1 (8 January 2023)", "harbour 2.0 (15 November 2022)"]
    single = parse_markdown("guide.md", "# Harbour guide\n\n## Fees\n\nA berth costs ten euros.\n")
    assert single.title == "Harbour guide" and sections(single) == ["Fees"]  # one level-1 heading: the title


def test_front_matter_fields_are_units_and_html_comments_are_not_text():
    doc = parse_markdown("guide.md", GUIDE)
    texts = [doc.text[b.start:b.end] for b in doc.blocks]
    # Each field of the front matter is a unit of its own; its title is the document's title, not a unit.
    assert texts == ["author: Jane Roe", "date: 2024-03-01", "tags: [ferry, travel]",
                     "The ferry to Gull Island leaves every hour.", "It carries bicycles free."]
    assert doc.title == "Harbourtown ferry guide" and all(b.section == "" for b in doc.blocks)
    # Without a "# " title, the front matter's names the document; a stray "<!--" hides nothing after it.
    untitled = parse_markdown("guide.md", GUIDE.replace("# Harbourtown ferry guide\n\n", "").replace(
        "<!-- TODO: winter times -->", "<!-- no end"))
    assert untitled.title == "Harbourtown ferry guide"
    assert "It carries bicycles free." in untitled.text[untitled.blocks[-1].start:untitled.blocks[-1].end]
    # A "---" rule that opens a file of prose is no front matter.
    ruled = parse_markdown("notes.md", "---\nThe ferry leaves every hour, weather allowing.\n---\n")
    assert [ruled.text[b.start:b.end] for b in ruled.blocks] == ["---\nThe ferry leaves every hour, weather "
                                                                  "allowing.\n---"]


def test_plain_text_headings_give_section_paths_and_stay_text():
    text = ("HARBOURTOWN BERTH RULES\n    Version 2, 3 May 2024\n\n                Preamble\n\n"
            "  These rules say who may berth.\n\n  TERMS AND CONDITIONS\n\n  0. Definitions.\n\n"
            "  A \"vessel\" is any boat.\n\n  1. Use of Berths by Visiting Vessels.\n\n  A vessel may berth for a day.\n\n"
            "Thank you for reading.\n\n1. bring the papers\n\nEnd.\n")
    doc = load_document("rules.txt", text.encode())
    assert sections(doc) == ["", "Preamble", "TERMS AND CONDITIONS", "TERMS AND CONDITIONS > 0. Definitions.",
                             "TERMS AND CONDITIONS > 1. Use of Berths by Visiting Vessels."]
    # The heading is a guess, so its words stay in the text that is read; a sentence and a list item are no heading.
    units = [doc.text[s:e] for c in chunk_document(doc) for s, e in c.units]
    assert "Preamble" in units and "1. bring the papers" in units and "Thank you for reading." in units
    # The same lines in Markdown are paragraphs: only "#", bold numbered and underlined lines are headings there.
    assert sections(parse_markdown("rules.md", text)) == [""]


def test_plain_text_headings_in_sentence_case_chapters_and_labels():
    # As the text edition of a Spanish manual sets them: headings numbered in sentence case under "Capítulo N.", the
    # text four spaces in, a tip's one-word label at the text's margin, and a table's caption, which is no heading.
    text = ("Capítulo 1. Tutoriales de GNU/Linux\n\n"
            "1.4.9. Grabación de las actividades del intérprete de órdenes\n\n"
            "    Es una buena práctica registrar la actividad.\n\n"
            "    Sugerencia\n\n"
            "    El nuevo Vim se puede usar para registrar las actividades.\n\n"
            "1.4.10. Órdenes básicas de Unix\n\n"
            "    Aprendamos las órdenes fundamentales.\n\n"
            "Tabla 1.2. Relación de órdenes\n\n"
            "    Pruebe las órdenes siguientes.\n")
    doc = parse_markdown("manual.txt", text, plain=True)
    where = {doc.text[b.start:b.end].split("\n")[-1].strip(): b.section for b in doc.blocks}
    chapter = "Capítulo 1. Tutoriales de GNU/Linux"
    recording = f"{chapter} > 1.4.9. Grabación de las actividades del intérprete de órdenes"
    assert where["Es una buena práctica registrar la actividad."] == recording
    assert where["El nuevo Vim se puede usar para registrar las actividades."] == f"{recording} > Sugerencia"
    assert where["Pruebe las órdenes siguientes."] == f"{chapter} > 1.4.10. Órdenes básicas de Unix"


def test_a_plain_text_table_of_contents_stays_in_the_text_but_gives_no_passage():
    # As the text edition of a manual opens: numbered titles, most of two levels, one wrapped; it says where, not
    # what. A list of steps numbered on one level, or clauses that end as sentences do, are content.
    contents = ("Tabla de contenidos\n\n"
                "Prefacio\n    1. Aviso\n    2. ¿Qué es Debian?\n        2.1. Directrices\n"
                "        2.2. Herramientas gráficas para la administración del\n        sistema\n"
                "        2.3. Prerrequisitos\n\n"
                "El libro empieza aquí.\n")
    doc = parse_markdown("manual.txt", contents, plain=True)
    units = [doc.text[b.start:b.end] for b in doc.blocks]
    assert not any("Directrices" in u or "Prerrequisitos" in u for u in units)
    assert "2.1. Directrices" in doc.text and any("El libro empieza aquí." in u for u in units)
    steps = "Steps\n\n1. Buy the tickets\n2. Pack the bags\n3. Lock the door\n4. Take the train\n5. Arrive\n"
    clauses = "".join(f"3.{n} The tenant shall keep the room clean.\n" for n in range(1, 7))
    for text, line in ((steps, "4. Take the train"), (clauses, "3.6 The tenant shall keep the room clean.")):
        doc = parse_markdown("list.txt", text, plain=True)
        assert line in " ".join(doc.text[b.start:b.end] for b in doc.blocks)
    # Each run of numbered lines is read once: a long list takes linear time (it took 20 s for 8,000 lines).
    many = "".join(f"{n}. Buy the tickets\n" for n in range(20_000))
    assert len(parse_markdown("long.txt", many, plain=True).blocks) == 1


def test_a_closing_hash_needs_white_space_before_it():
    doc = parse_markdown("c.md", "## Learning C#\n\nText.\n")
    assert doc.blocks[0].section == "Learning C#"


def test_pipe_table_rows_carry_headers_and_skip_the_separator():
    text = "## Prices\n\n| Item | Price |\n|---|:---:|\n| Tea | 2 EUR |\n| Coffee | 3 EUR |\n\nAfter the table.\n"
    doc = parse_markdown("prices.md", text)
    rows = [b for b in doc.blocks if b.kind == "row"]
    assert [row_label(b.headers, doc.text[b.start:b.end]) for b in rows] == ["Item: Tea | Price: 2 EUR",
                                                                            "Item: Coffee | Price: 3 EUR"]
    assert all(b.section == "Prices" for b in rows)
    assert doc.text[doc.blocks[-1].start:doc.blocks[-1].end] == "After the table."


PANDOC_TABLE = """# Harbourtown port report

The port handled more cargo this year than last.

  Terminal      Ships   Tonnes (thousands)
  ------------ ------- --------------------
  North quay        41                  320
  South quay        27                  198
  Ferry berth      112                   45

Table: Cargo by terminal in 2025.
"""


def test_a_table_aligned_with_spaces_under_a_rule_of_dashes_gives_rows():
    # As pandoc writes a simple table and plain-text reports set one: before, it was one run-on "sentence".
    for name, parse in (("port.md", parse_markdown), ("port.txt", lambda n, t: parse_markdown(n, t, plain=True))):
        doc = parse(name, PANDOC_TABLE)
        rows = [b for b in doc.blocks if b.kind == "row"]
        assert [row_label(b.headers, doc.text[b.start:b.end]) for b in rows] == [
            "Terminal: North quay | Ships: 41 | Tonnes (thousands): 320",
            "Terminal: South quay | Ships: 27 | Tonnes (thousands): 198",
            "Terminal: Ferry berth | Ships: 112 | Tonnes (thousands): 45"], name
        assert rows[2].cells == ("Ferry berth", "112", "45")
        assert [row_values(doc.text[b.start:b.end], b.headers) for b in rows][0] == [("Ships", 18, 20),
                                                                                     ("Tonnes (thousands)", 38, 41)]
        texts = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "text"]
        assert texts == ["The port handled more cargo this year than last.", "Table: Cargo by terminal in 2025."]


def test_a_rest_simple_table_gives_rows_and_its_closing_rule_no_text():
    text = "Sizes\n\n=====  =====\nName   Size\n=====  =====\nacme   154\nquay   47\n=====  =====\n\nThe end.\n"
    doc = parse_markdown("sizes.txt", text, plain=True)
    assert [row_label(b.headers, doc.text[b.start:b.end]) for b in doc.blocks if b.kind == "row"] == [
        "Name: acme | Size: 154", "Name: quay | Size: 47"]
    assert [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "text"][-1] == "The end."


GRID_TABLE = """Harbour services

+-------------+--------+------------------------------+
| Service     | Berths | What it offers               |
+=============+========+==============================+
| Pilotage    | 4      | pilots who board ships at    |
|             |        | the outer buoy               |
+-------------+--------+------------------------------+
| Towage      | 2      | tugs for ships over 200 m    |
+-------------+--------+------------------------------+

Every service runs day and night.
"""


def test_a_grid_table_row_over_several_lines_is_one_row():
    # As pandoc writes a table with a cell of several lines, and text editions of manuals set theirs: each line
    # used to be a row of fragments, and the rules rows of dashes.
    doc = parse_markdown("harbour.txt", GRID_TABLE, plain=True)
    rows = [b for b in doc.blocks if b.kind == "row"]
    texts = [doc.text[b.start:b.end] for b in rows]
    assert [row_label(b.headers, t) for b, t in zip(rows, texts)] == [
        "Service: Pilotage | Berths: 4 | What it offers: pilots who board ships at the outer buoy",
        "Service: Towage | Berths: 2 | What it offers: tugs for ships over 200 m"]
    assert texts[0] == "| Pilotage    | 4      | pilots who board ships at    |\n|             |        | the outer buoy  " \
                       "             |"  # the quote is the lines as they stand
    assert [(h, texts[0][s:e]) for h, s, e in row_values(texts[0], rows[0].headers)] == [
        ("Berths", "4"), ("What it offers", "pilots who board ships at")]
    assert [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "text"][-1] == "Every service runs day and night."


def test_lines_that_do_not_fit_the_rule_of_dashes_stay_text():
    # An empty cell could not be read back from the row's own text; prose over dashes is no header.
    gap = "  Terminal   Ships   Tonnes\n  --------   -----   ------\n  North             320\n"
    prose = "We said this much and no more about it.\n-------  ------\n"
    for text in (gap, prose):
        doc = parse_markdown("t.md", text)
        assert all(b.kind == "text" for b in doc.blocks), text


def test_a_single_tab_line_is_not_a_table():
    doc = parse_markdown("tab.md", "Name\tValue\n\nJust a paragraph.\n")
    assert all(b.kind == "text" for b in doc.blocks)


# --- encodings --------------------------------------------------------------------------------

def test_utf8_with_bom_and_crlf_is_normalised_without_warning():
    text, warnings = decode_text("\ufeffLine one.\r\nLine two.\r\n".encode("utf-8"))
    assert text == "Line one.\nLine two.\n" and warnings == ()


def test_latin1_falls_back_with_a_warning():
    doc = load_document("latin.txt", "Café crème. Naïve résumé.".encode("latin-1"))
    assert doc.text == "Café crème. Naïve résumé."
    assert doc.warnings == ("not valid UTF-8; decoded as cp1252",)


@pytest.mark.parametrize("encoding, warning", [("utf-16", "decoded as UTF-16"),
                                               ("utf-16-le", "decoded as UTF-16-LE (no byte-order mark)"),
                                               ("utf-16-be", "decoded as UTF-16-BE (no byte-order mark)")])
def test_utf16_with_or_without_bom(encoding: str, warning: str):
    doc = load_document("wide.txt", "Grüße aus México.\nSecond line.".encode(encoding))
    assert doc.text == "Grüße aus México.\nSecond line."
    assert doc.warnings == (warning,)


# --- generated PDFs ---------------------------------------------------------------------------

def test_generated_pdf_text_lands_on_its_pages():
    pages = [["Apples grow on the first page."], ["Bananas ripen on the second page."], [],
             ["Cherries (red) close the fourth page."]]
    doc = load_document("fruit.pdf", make_pdf(pages))
    by_page = {b.page: doc.text[b.start:b.end] for b in doc.blocks}
    assert by_page == {1: "Apples grow on the first page.", 2: "Bananas ripen on the second page.",
                       4: "Cherries (red) close the fourth page."}  # the blank third page keeps its number
    chunks = chunk_document(doc)
    assert [(c.page, c.text) for c in chunks] == sorted(by_page.items())
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_pdf_encrypted_with_empty_password_opens():
    doc = load_document("locked.pdf", encrypt_pdf(make_pdf([["Secret but open."]]), ""))
    assert doc.text.strip() == "Secret but open."


def test_pdf_with_a_real_password_is_skipped_with_reason():
    with pytest.raises(IngestError, match="password-protected, skipped") as info:
        load_document("locked.pdf", encrypt_pdf(make_pdf([["Really secret."]]), "hunter2"))
    assert info.value.skipped


def test_pdf_without_text_layer_is_reported_as_scanned():
    with pytest.raises(IngestError, match=r"no extractable text \(scanned\?\)"):
        load_document("scan.pdf", make_pdf([[], []]))


def test_a_page_that_fails_is_reported_and_the_others_kept(monkeypatch):
    from assistant.pdf import reader

    real_lines = reader.PageLines

    def lines(textpage):
        if "Broken" in textpage.get_text_range():
            raise KeyError("/Font")
        return real_lines(textpage)

    monkeypatch.setattr(reader, "PageLines", lines)
    doc = load_document("mixed.pdf", make_pdf([["Good page one."], ["Broken page two."], ["Good page three."]]))
    assert [b.page for b in doc.blocks] == [1, 3]
    assert doc.warnings == ("page 2: text could not be extracted (KeyError)",)


def test_truncated_pdf_is_reported_as_damaged():
    data = make_pdf([["Complete text."]])
    with pytest.raises(IngestError, match="damaged or truncated"):
        load_document("cut.pdf", data[: len(data) // 2])


# --- the two real reports ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_docs() -> dict[str, Document]:
    return {p.name: load_document(p.name, p.read_bytes()) for p in REAL_PDFS}


def page_text(doc: Document, page: int) -> str:
    return "\n".join(doc.text[b.start:b.end] for b in doc.blocks if b.page == page)


@pytest.mark.parametrize("name, pages, contents", [("2022 Q3 AAPL.pdf", 28, 3), ("2023 Q1 MSFT.pdf", 72, 2)])
def test_real_pdf_ingests_every_page(real_docs, name: str, pages: int, contents: int):
    """Every page gives answer units but the one that is only a table of contents: its text is kept in the
    document (between the pages around it), and none of it is an answer."""
    doc = real_docs[name]
    answering = [p for p in range(1, pages + 1) if p != contents]
    assert sorted({b.page for b in doc.blocks}) == answering
    chunks = chunk_document(doc)
    assert {c.page for c in chunks} == set(answering)
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)
    before = max(b.end for b in doc.blocks if b.page == contents - 1)
    after = min(b.start for b in doc.blocks if b.page == contents + 1)
    assert "Management’s Discussion and Analysis" in doc.text[before:after]


def test_aapl_is_decrypted_and_its_pages_are_where_they_belong(real_docs):
    doc = real_docs["2022 Q3 AAPL.pdf"]
    second_page = min(b.start for b in doc.blocks if b.page == 2)
    assert "FORM 10-Q" in doc.text[:second_page]  # a heading: in the text, in no block
    assert "For the quarterly period ended June 25, 2022" in page_text(doc, 1)
    assert doc.blocks[-1].page == 28 and "Timothy D. Cook" in page_text(doc, 28)
    assert doc.warnings == ()


def test_msft_is_read_fully_by_pdfium(real_docs):
    # pypdf needed raised safety limits for this file (its arrays are huge); pdfium reads it as it is.
    doc = real_docs["2023 Q1 MSFT.pdf"]
    assert doc.warnings == ()
    assert len(doc.text) > 200_000
    assert "Outstanding as of January 19, 2023" in page_text(doc, 1)


# --- scanning a corpus ------------------------------------------------------------------------

def test_scan_lists_supported_files_and_reasons_for_the_rest(tmp_path: Path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.md").write_text("A.")
    (tmp_path / "sub" / "deeper" / "b.TXT").write_text("B.")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / ".hidden.md").write_text("never indexed")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.md").write_text("never indexed")
    files, skipped = scan_corpus(tmp_path, MB)
    assert [f.source for f in files] == ["a.md", "sub/deeper/b.TXT"]
    assert [(p.source, p.reason) for p in skipped] == [
        ("photo.jpg", "unsupported file type '.jpg'; only .md, .txt and .pdf are indexed")]


def test_scan_refuses_a_missing_corpus(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="does not exist; create it or pass --corpus"):
        scan_corpus(tmp_path / "nope", MB)


def test_read_file_hashes_exactly_the_bytes_read(tmp_path: Path):
    path = tmp_path / "x.md"
    path.write_bytes(b"hello world.")
    stat = path.stat()
    content = read_file(SourceFile("x.md", path, stat.st_size, stat.st_mtime_ns))
    assert content.data == b"hello world." and content.size == 12 and content.mtime_ns == stat.st_mtime_ns
    assert content.sha256 == hashlib.sha256(b"hello world.").hexdigest()


def test_an_ingest_error_keeps_its_message_key_and_values_through_pickling():
    """Workers are separate processes: why a file failed comes back pickled, and must still be writable in
    Spanish."""
    failed = IngestError(Said("pdf_damaged", error="PdfReadError"))
    skipped = IngestError(Said("file_empty"), skipped=True)
    for original in (failed, skipped):
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is IngestError and str(copy) == str(original)
        assert (copy.message.key, copy.message.values, copy.skipped) == \
            (original.message.key, original.message.values, original.skipped)
    assert str(failed) == "the PDF is damaged or truncated and cannot be opened (PdfReadError); re-export or " \
                          "download it again"
    assert pickle.loads(pickle.dumps(failed)).message.in_language("es") == \
        "el PDF está dañado o incompleto y no se puede abrir (PdfReadError); expórtelo o descárguelo de nuevo"
    assert pickle.loads(pickle.dumps(skipped)).message.in_language("es") == "el archivo está vacío"
    # A reason within a reason (a PDF warning that names why pypdf failed) is written in Spanish through and through.
    warning = pickle.loads(pickle.dumps(Said("pdf_pages_unread", pages="3, 4", problem=failed.message)))
    assert warning == "pages 3, 4 could not be read by pdfium or pypdf (the PDF is damaged or truncated and cannot " \
                      "be opened (PdfReadError); re-export or download it again)"
    assert warning.in_language("es").startswith("las páginas 3, 4 no se pudieron leer ni con pdfium ni con pypdf "
                                                "(el PDF está dañado")
