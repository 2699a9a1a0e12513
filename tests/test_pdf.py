"""PDFs read with pdfium: table rows with their headers, sections from headings and bookmarks, printed page
numbers and labels, pypdf for what pdfium cannot open, and builds that read PDFs in worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.build import build_index
from assistant.chunking import chunk_document
from assistant.ingest import IngestError, load_document
from assistant.pdf.tables import Row, Table
from assistant.pdf_view import render_page
from assistant.schema import Document, row_label
from assistant.faiss_store import load_store
from conftest import FIXTURES, REAL_PDFS, ROOT, FakeEmbedder, make_settings
from pdf_factory import encrypt_pdf, make_layout_pdf, make_pdf

AAPL_2023_Q3 = FIXTURES / "2023 Q3 AAPL.pdf"
NET_SALES_ROW = ("Total net sales | Three Months Ended July 1, 2023: $81,797 | Three Months Ended June 25, 2022: "
                 "$82,959 | Nine Months Ended July 1, 2023: $293,787 | Nine Months Ended June 25, 2022: $304,182")


def rows(doc: Document, page: int | None = None) -> list[str]:
    return [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "row" and (page is None or b.page == page)]


# --- a table drawn by hand --------------------------------------------------------------------

RIGHT = [360, 430, 500, 570]  # right edges of the four figure columns
FIGURE = 27.5  # width of "NN,NNN" in 9 pt Helvetica


def figure(column: int, y: float, text: str) -> tuple:
    return (RIGHT[column] - (len(text) - 1) * 5.0 - 2.5 * text.count(","), y, text, 9, False)


def segment_page(footer: str) -> list[tuple]:
    items = [
        (72, 740, "Item 2. Management's Discussion and Analysis", 14, True),
        (72, 715, "Segment Results", 11, True),
        (72, 695, "Net sales by reportable segment were as follows (in millions):", 10, False),
        (318, 672, "Three Months Ended", 9, True), (458, 672, "Nine Months Ended", 9, True),
        (330, 660, "July 1,", 9, True), (334, 650, "2023", 9, True),
        (397, 660, "June 25,", 9, True), (404, 650, "2022", 9, True),
        (470, 660, "July 1,", 9, True), (474, 650, "2023", 9, True),
        (537, 660, "June 25,", 9, True), (544, 650, "2022", 9, True),
        (72, 632, "Americas", 9, False), (300, 632, "$", 9, False), figure(0, 632, "35,383"),
        (370, 632, "$", 9, False), figure(1, 632, "37,472"), (440, 632, "$", 9, False), figure(2, 632, "122,445"),
        (510, 632, "$", 9, False), figure(3, 632, "129,850"),
        (72, 620, "Europe", 9, False), figure(0, 620, "20,205"), figure(1, 620, "19,287"),
        figure(2, 620, "71,528"), figure(3, 620, "71,382"),
        (80, 608, "Total net sales", 9, False), figure(0, 608, "55,588"), figure(1, 608, "56,759"),
        figure(2, 608, "193,973"), figure(3, 608, "201,232"),
        (72, 580, "The Americas segment's net sales decreased during the third quarter compared to the same", 10,
         False),
        (72, 568, "quarter in 2022 due primarily to lower net sales of iPhone.", 10, False),
        (250, 40, footer, 9, False),
    ]
    return items


def prose_page(n: int) -> list[tuple]:
    lines = [f"Paragraph {n}, line {i}: the quarter's results are discussed here at some length." for i in range(6)]
    return [(72, 700 - 14 * i, text, 10, False) for i, text in enumerate(lines)] + \
        [(250, 40, f"Acme Corp. | Q3 2023 Form 10-Q | {n}", 9, False)]


def test_a_drawn_table_becomes_rows_with_joined_headers_and_its_section():
    pages = [prose_page(17), segment_page("Acme Corp. | Q3 2023 Form 10-Q | 18"), prose_page(19)]
    doc = load_document("acme.pdf", make_layout_pdf(pages))
    assert rows(doc, 2) == [
        "Americas | Three Months Ended July 1, 2023: $35,383 | Three Months Ended June 25, 2022: $37,472 | "
        "Nine Months Ended July 1, 2023: $122,445 | Nine Months Ended June 25, 2022: $129,850",
        "Europe | Three Months Ended July 1, 2023: 20,205 | Three Months Ended June 25, 2022: 19,287 | "
        "Nine Months Ended July 1, 2023: 71,528 | Nine Months Ended June 25, 2022: 71,382",
        "Total net sales | Three Months Ended July 1, 2023: 55,588 | Three Months Ended June 25, 2022: 56,759 | "
        "Nine Months Ended July 1, 2023: 193,973 | Nine Months Ended June 25, 2022: 201,232",
    ]
    row = next(b for b in doc.blocks if b.kind == "row")
    assert row.headers == ("", "Three Months Ended July 1, 2023", "Three Months Ended June 25, 2022",
                           "Nine Months Ended July 1, 2023", "Nine Months Ended June 25, 2022")
    assert row.cells == ("Americas", "$35,383", "$37,472", "$122,445", "$129,850")
    assert row_label(row.headers, doc.text[row.start:row.end]) == doc.text[row.start:row.end]  # never named twice
    assert row.section == "Item 2. Management's Discussion and Analysis > Segment Results"
    # The sentence after the table is a sentence, not part of the table; the heading is in no block.
    texts = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "text" and b.page == 2]
    assert texts[-1].startswith("The Americas segment's net sales decreased") and texts[-1].endswith("iPhone.")
    assert not any("Segment Results" == t for t in texts)
    # The footer is a page number, not text: the pages print 17, 18 and 19.
    assert {b.page: b.printed_page for b in doc.blocks} == {1: "17", 2: "18", 3: "19"}
    assert "Acme Corp." not in doc.text


def test_a_line_of_years_after_the_period_they_share_heads_the_table_and_is_no_row():
    # Laid out as Microsoft's statements are: the period stands in the label column, on the line of the years.
    page = [(72, 740, "INCOME STATEMENTS", 12, True), (72, 722, "(In millions)", 9, False),
            (72, 706, "Three Months Ended September 30,", 9, True), figure(0, 706, "2022"), figure(1, 706, "2021"),
            (72, 690, "Revenue", 9, False), figure(0, 690, "50,122"), figure(1, 690, "45,317"),
            (72, 678, "Gross margin", 9, False), figure(0, 678, "34,670"), figure(1, 678, "31,671"),
            (72, 666, "Net income", 9, False), figure(0, 666, "17,556"), figure(1, 666, "20,505")]
    doc = load_document("statements.pdf", make_layout_pdf([page]))
    assert rows(doc) == [
        f"{label} | Three Months Ended September 30, 2022: {a} | Three Months Ended September 30, 2021: {b}"
        for label, a, b in [("Revenue", "50,122", "45,317"), ("Gross margin", "34,670", "31,671"),
                            ("Net income", "17,556", "20,505")]]


def test_a_label_line_in_smaller_type_names_the_group_of_the_unindented_rows_under_it():
    # Laid out as Microsoft's segment table: "Revenue" and "Operating Income" stand in the type of the headers, as
    # far left as the segment rows, and the same segments come under each. A label line in the rows' own type
    # stays a row of its own ("Commitments and contingencies" on a balance sheet has no figures but is no group).
    page = [(72, 740, "Segment revenue and operating income were as follows:", 10, False),
            (72, 722, "Three Months Ended September 30,", 7.5, True), figure(0, 722, "2023"), figure(1, 722, "2022"),
            (72, 708, "Revenue", 7.5, True),
            (72, 696, "Cloud", 10, False), figure(0, 696, "24,259"), figure(1, 696, "20,325"),
            (72, 684, "Devices", 10, False), figure(0, 684, "13,666"), figure(1, 684, "13,332"),
            (80, 672, "Total", 10, False), figure(0, 672, "37,925"), figure(1, 672, "33,657"),
            (72, 660, "Operating Income", 7.5, True),
            (72, 648, "Cloud", 10, False), figure(0, 648, "11,751"), figure(1, 648, "8,978"),
            (72, 636, "Devices", 10, False), figure(0, 636, "5,174"), figure(1, 636, "4,217"),
            (72, 624, "Commitments and contingencies", 10, False),
            (72, 612, "Other", 10, False), figure(0, 612, "12"), figure(1, 612, "9")]
    doc = load_document("segments.pdf", make_layout_pdf([page]))
    period = "Three Months Ended September 30"
    assert [r.split(" | ")[0] for r in rows(doc)] == [
        "Revenue: Cloud", "Revenue: Devices", "Revenue: Total", "Operating Income: Cloud", "Operating Income: Devices",
        "Other"]
    assert rows(doc)[1] == f"Revenue: Devices | {period}, 2023: 13,666 | {period}, 2022: 13,332"


def test_a_cell_wrapped_onto_lines_of_its_own_stays_in_its_row():
    # Laid out as DocBook's package tables: a description wraps within its column, the package's name and figures
    # set level with its middle line, and the wrapped lines listed after the row's own. Each must join its own row,
    # not head the rows below it or be lost; the header over the descriptions is flush with their left edge.
    header = [(72, 740, "Package", 10, True), (180, 740, "Popularity", 10, True), (260, 740, "Size", 10, True),
              (300, 740, "Description", 10, True)]
    acme = [(72, 726, "acme-tools", 10, False), (180, 726, "V:12, I:40", 10, False), (260, 726, "154", 10, False),
            (300, 726, "tools for Acme devices", 10, False)]
    harbour = [(72, 700, "harbour", 10, False), (180, 700, "V:3, I:9", 10, False), (260, 700, "86", 10, False),
               (300, 700, "coming from the harbour power", 10, False),
               (300, 712, "daemon that manages the events", 10, False), (300, 688, "interface (HPI)", 10, False)]
    quay = [(72, 674, "quay", 10, False), (180, 674, "V:1, I:2", 10, False), (260, 674, "47", 10, False),
            (300, 674, "utility that shows the", 10, False), (300, 662, "quay devices", 10, False)]
    after = [(72, 620, "Every package above is in the archive.", 10, False)]
    doc = load_document("packages.pdf", make_layout_pdf([header + acme + harbour + quay + after]))
    assert rows(doc) == [
        "acme-tools | Popularity: V:12, I:40 | Size: 154 | Description: tools for Acme devices",
        "harbour | Popularity: V:3, I:9 | Size: 86 | Description: daemon that manages the events coming from the "
        "harbour power interface (HPI)",
        "quay | Popularity: V:1, I:2 | Size: 47 | Description: utility that shows the quay devices"]
    texts = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "text"]
    assert texts == ["Every package above is in the archive."]


def test_header_cells_closer_than_a_cell_gap_still_head_their_own_columns():
    # A bold header wider than its column of figures ("Size" over "154") stands 0.7 em from the next header: each
    # heads its own column, where before both were one cell ("Size Description") heading the two.
    header = [(72, 740, "Package", 10, True), (180, 740, "Popularity", 10, True), (260, 740, "Size", 10, True),
              (287, 740, "Description", 10, True)]
    rows_ = [(72, 726, "acme-tools", 10, False), (180, 726, "V:12, I:40", 10, False), (260, 726, "154", 10, False),
             (287, 726, "tools for Acme devices", 10, False),
             (72, 712, "quay", 10, False), (180, 712, "V:1, I:2", 10, False), (260, 712, "47", 10, False),
             (287, 712, "utility that shows the quay", 10, False)]
    doc = load_document("packages.pdf", make_layout_pdf([header + rows_]))
    assert rows(doc) == [
        "acme-tools | Popularity: V:12, I:40 | Size: 154 | Description: tools for Acme devices",
        "quay | Popularity: V:1, I:2 | Size: 47 | Description: utility that shows the quay"]


def test_a_line_of_years_and_words_heads_a_schedule_by_year():
    # Laid out as Amazon's commitments are: the years and "Thereafter" / "Total" stand over the figures.
    page = [(72, 740, "The following summarizes our commitments (in millions):", 10, False),
            figure(0, 716, "2023"), figure(1, 716, "2024"), (RIGHT[2] - 45, 716, "Thereafter", 9, True),
            (RIGHT[3] - 22, 716, "Total", 9, True),
            (72, 700, "Operating leases", 9, False), figure(0, 700, "7,604"), figure(1, 700, "9,207"),
            figure(2, 700, "52,301"), figure(3, 700, "69,112"),
            (72, 688, "Finance leases", 9, False), figure(0, 688, "3,073"), figure(1, 688, "2,230"),
            figure(2, 688, "1,425"), figure(3, 688, "6,728")]
    doc = load_document("commitments.pdf", make_layout_pdf([page]))
    assert rows(doc) == [
        "Operating leases | 2023: 7,604 | 2024: 9,207 | Thereafter: 52,301 | Total: 69,112",
        "Finance leases | 2023: 3,073 | 2024: 2,230 | Thereafter: 1,425 | Total: 6,728"]


def test_dates_set_left_of_their_figures_still_head_their_columns():
    # Laid out as NVIDIA's percentage-of-revenue table: each date stands left of its column's figures.
    page = [(18, 700, "The following table sets forth certain items as a percentage of revenue.", 10, False),
            (464, 672, "Three Months Ended", 9, True),
            (446, 659, "April 30,", 9, True), (454, 650, "2023", 9, True),
            (539, 659, "May 1,", 9, True), (543, 650, "2022", 9, True),
            (19, 636, "Revenue", 9, False), (472, 636, "100.0 %", 9, False), (560, 636, "100.0 %", 9, False),
            (19, 624, "Cost of revenue", 9, False), (484, 624, "35.4", 9, False), (572, 624, "34.5", 9, False),
            (19, 612, "Gross profit", 9, False), (484, 612, "64.6", 9, False), (572, 612, "65.5", 9, False)]
    doc = load_document("percentages.pdf", make_layout_pdf([page]))
    assert rows(doc) == [
        f"{label} | Three Months Ended April 30, 2023: {a} | Three Months Ended May 1, 2022: {b}"
        for label, a, b in [("Revenue", "100.0 %", "100.0 %"), ("Cost of revenue", "35.4", "34.5"),
                            ("Gross profit", "64.6", "65.5")]]


def body(top: float, rows: list[tuple[str, ...]]) -> list[tuple]:
    """A table's rows from top down, 12 points apart: the label at the margin, each value right-aligned in the
    next column of RIGHT."""
    return [item for i, (label, *values) in enumerate(rows) for item in
            [(72, top - 12 * i, label, 9, False), *(figure(c, top - 12 * i, v) for c, v in enumerate(values))]]


def test_a_change_column_beside_dated_columns_takes_no_date():
    # Laid out as Apple's net sales by category: month and day over each figure column, the years below them, and
    # a "Change" column with no date over it, all under the period they share. The change column used to take its
    # neighbour's date ("Three Months Ended June 25, Change").
    table = [("iPhone", "40,665", "39,570", "3 %"), ("Mac", "7,382", "8,235", "(10)%"),
             ("iPad", "7,224", "7,368", "(2)%")]
    page = [(72, 740, "Net sales by category (in millions):", 10, False),
            (330, 716, "Three Months Ended", 9, True),
            (RIGHT[0] - 38, 704, "June 25,", 9, True), (RIGHT[1] - 38, 704, "June 26,", 9, True),
            figure(0, 692, "2022"), figure(1, 692, "2021"), (RIGHT[2] - 30, 692, "Change", 9, True),
            *body(676, table)]
    doc = load_document("categories.pdf", make_layout_pdf([page]))
    assert rows(doc) == [
        f"{label} | Three Months Ended June 25, 2022: {a} | Three Months Ended June 26, 2021: {b} | "
        f"Three Months Ended Change: {c}" for label, a, b, c in table]


def test_a_percentage_change_column_beside_the_years_takes_no_year():
    # Laid out as Microsoft's summary of results: the period over the two year columns, "Percentage" / "Change"
    # over a third; that column used to take the nearer year ("Percentage Change 2021").
    table = [("Revenue", "50,122", "45,317", "11%"), ("Gross margin", "34,670", "31,671", "9%"),
             ("Net income", "17,556", "20,505", "(14)%")]
    page = [(72, 740, "SUMMARY RESULTS OF OPERATIONS", 12, True),
            (330, 716, "Three Months Ended", 9, True), (RIGHT[2] - 45, 716, "Percentage", 9, True),
            (340, 707, "September 30,", 9, True), (RIGHT[2] - 30, 707, "Change", 9, True),
            figure(0, 696, "2022"), figure(1, 696, "2021"),
            *body(684, table)]
    doc = load_document("summary.pdf", make_layout_pdf([page]))
    assert rows(doc) == [
        f"{label} | Three Months Ended September 30, 2022: {a} | Three Months Ended September 30, 2021: {b} | "
        f"Percentage Change: {c}" for label, a, b, c in table]


def test_a_statement_cut_in_two_by_a_label_line_keeps_its_dates_below_it():
    # Laid out as Apple's balance sheet: "Commitments and contingencies", a line with no figures, stands between
    # the liabilities and the equity, which then read as a table of their own with no header lines.
    assets = [("Total assets", "346,747", "352,755"), ("Total liabilities", "290,020", "302,083")]
    equity = [("Retained earnings", "3,240", "(3,068)"), ("Total shareholders' equity", "56,727", "50,672")]
    page = [(72, 740, "CONDENSED CONSOLIDATED BALANCE SHEETS", 12, True),
            (RIGHT[0] - 32, 716, "Dec 31,", 9, True), (RIGHT[1] - 32, 716, "Sep 24,", 9, True),
            figure(0, 704, "2022"), figure(1, 704, "2022"), *body(690, assets),
            (72, 640, "Commitments and contingencies", 9, False), (72, 610, "Shareholders' equity:", 9, False),
            *body(598, equity)]
    doc = load_document("balance.pdf", make_layout_pdf([page]))
    assert rows(doc) == [f"{label} | Dec 31, 2022: {a} | Sep 24, 2022: {b}" for label, a, b in assets + equity]


def test_header_lines_drawn_after_their_table_still_head_it_and_the_title_above_stays_a_heading():
    # Laid out as Intel's cash-flow statement: the title, the rows, and only then (in the PDF's own order) the
    # header lines standing between the two.
    flows = [("Cash and cash equivalents, beginning of period", "$11,144", "$4,827"),
             ("Net income (loss)", "(2,768)", "8,113"), ("Depreciation", "1,901", "2,847")]
    page = [(72, 740, "Consolidated Statements of Cash Flows", 18, False), *body(690, flows),
            (343, 716, "Three Months Ended", 9, True),
            (72, 704, "(In Millions)", 9, True), (RIGHT[0] - 40, 704, "Apr 1, 2023", 9, True),
            (RIGHT[1] - 40, 704, "Apr 2, 2022", 9, True)]
    notes = [(72, 640 - 12 * k, f"The {WORDS[k]} note to these statements explains how the cash was counted.", 9,
              False) for k in range(4)]
    doc = load_document("flows.pdf", make_layout_pdf([page + notes]))
    assert rows(doc) == [f"{label} | Three Months Ended Apr 1, 2023: {a} | Three Months Ended Apr 2, 2022: {b}"
                         for label, a, b in flows]
    assert doc.text.startswith("Consolidated Statements of Cash Flows")
    assert {b.section for b in doc.blocks} == {"Consolidated Statements of Cash Flows"}


def test_a_date_alone_over_the_label_column_dates_every_column_name_above_it():
    # Laid out as Microsoft's investment components: stacked column names, the balance date alone at the margin,
    # a group's label over two lines, then the rows.
    holdings = [("Commercial paper", "6,423", "3,307"), ("Certificates of deposit", "2,694", "2,250")]
    page = [(72, 740, "(In millions)", 9, True), (RIGHT[0] - 35, 740, "Adjusted", 9, True),
            (RIGHT[1] - 20, 740, "Cash", 9, True), (RIGHT[0] - 34, 730, "Cost Basis", 9, True),
            (RIGHT[1] - 45, 730, "Equivalents", 9, True), (72, 716, "December 31, 2022", 9, True),
            (72, 704, "Changes in Fair Value Recorded in Other", 9, False), (83, 695, "Comprehensive Income", 9, False),
            *body(684, holdings)]
    doc = load_document("holdings.pdf", make_layout_pdf([page]))
    assert rows(doc) == [f"{label} | December 31, 2022 Adjusted Cost Basis: {a} | December 31, 2022 Cash Equivalents: "
                         f"{b}" for label, a, b in holdings]


@pytest.mark.parametrize("spacing", [1.1, 1.3, 1.5, 2.0])
def test_the_lines_of_a_paragraph_stay_one_paragraph_at_any_line_spacing(spacing):
    # Found on a DocBook manual (13 pt lines in 10 pt type) whose sentences broke at line ends, and double-spaced
    # reports broke at every line: a blank line is judged against the page's own spacing.
    paragraphs = [["The harbour of Acme was dredged in 1998 so that larger vessels could reach",
                   "the inner quays, and the work took three summers to finish because the",
                   "silt returned after every storm. The council paid for the dredging with",
                   "a loan from the regional bank, repaid by 2010."],
                  ["The second basin opened in 2004 and serves the ferries to the islands, which",
                   "leave every hour in summer and four times a day in winter, weather allowing."]]
    items, y, step = [], 720.0, 11 * spacing
    for paragraph in paragraphs:
        for line in paragraph:
            items.append((72, y, line, 11, False))
            y -= step
        y -= 11 * 1.2  # the space between paragraphs: a blank line of the body type
    doc = load_document("harbour.pdf", make_layout_pdf([items]))
    units = [doc.text[s:e].replace("\n", " ") for c in chunk_document(doc) for s, e in c.units]
    assert units == ["The harbour of Acme was dredged in 1998 so that larger vessels could reach the inner quays, and "
                     "the work took three summers to finish because the silt returned after every storm.",
                     "The council paid for the dredging with a loan from the regional bank, repaid by 2010.",
                     " ".join(paragraphs[1])]
    assert [b.kind for b in doc.blocks] == ["text", "text"]  # and the two paragraphs stay apart


def _layout_units(name: str, items: list[tuple]) -> tuple[Document, list[str]]:
    """The document a one-page PDF of these placed lines reads as, and its answer units with line ends as spaces."""
    doc = load_document(name, make_layout_pdf([items]))
    return doc, [doc.text[s:e].replace("\n", " ") for c in chunk_document(doc) for s, e in c.units]


def test_a_line_that_opens_with_a_word_in_smaller_type_stays_in_its_paragraph():
    # A line's size of type was its first character's: a code word (or a bullet glyph) set smaller at a line's
    # start parted it from its paragraph, and the line before it, too short to stand alone, was dropped.
    items = [(72, 700, "Each rule has an optional", 11, False),
             (72, 686, "priority", 9, False),
             (110, 686, "attribute for all of its matches, and the default", 11, False),
             (72, 672, "value of that attribute is fifty.", 11, False),
             (72, 640, "Rules are read from the top of the file down.", 11, False)]
    _, units = _layout_units("rules.pdf", items)
    assert units == ["Each rule has an optional priority attribute for all of its matches, and the default value of "
                     "that attribute is fifty.", "Rules are read from the top of the file down."]


def test_a_line_in_small_capitals_that_ends_a_sentence_stays_in_its_paragraph():
    # Found on a LaTeX manual: "... se distribuye bajo licencia GNU FREE" / "DOCUMENTATION." (small capitals, set at
    # 0.8 of the text's size) left its paragraph, so the sentence was quoted without its last word and the word
    # became a unit of its own. A cover page's caption in capitals under a line in capitals stays apart.
    items = [(72, 700, "The Acmezip manual is distributed under the licence named ACME FREE", 11, False),
             (72, 686, "DOCUMENTATION LICENCE.", 8.8, False),
             (72, 672, "Copies may be made for any purpose.", 11, False),
             (72, 600, "HARBOURTOWN 91-1144442", 11, False),
             (72, 588, "(STATE OF INCORPORATION) (TAX ID)", 8.8, False)]
    doc, units = _layout_units("acmezip.pdf", items)
    assert units[:2] == ["The Acmezip manual is distributed under the licence named ACME FREE DOCUMENTATION LICENCE.",
                         "Copies may be made for any purpose."]
    assert "HARBOURTOWN 91-1144442\n\n(STATE OF INCORPORATION)" in doc.text  # two paragraphs


def test_every_unit_is_an_exact_slice_and_no_longer_than_80_words_unless_a_sentence():
    doc = load_document(AAPL_2023_Q3.name, AAPL_2023_Q3.read_bytes())
    for chunk in chunk_document(doc):
        assert doc.text[chunk.start:chunk.end] == chunk.text
        for start, end in chunk.units:
            words = doc.text[start:end].split()
            assert len(words) <= 80 or (chunk.kind == "text" and doc.text[end - 1] in ".;:")


def test_page_labels_are_the_printed_numbers():
    pages = [[(72, 700, f"Front matter page {n}.", 11, False)] for n in (1, 2)] + \
        [[(72, 700, f"Body page {n}.", 11, False)] for n in (1, 2)]
    doc = load_document("labels.pdf", make_layout_pdf(pages, page_labels="0 << /S /r >> 2 << /S /D >>"))
    assert [(b.page, b.printed_page) for b in doc.blocks] == [(1, "i"), (2, "ii"), (3, "1"), (4, "2")]


def test_a_page_number_printed_before_the_footer_text_is_the_page_number():
    # A book prints its left-hand pages' number first ("2    Chapter 1. Basics") and its right-hand pages' last
    # ("Basics    3"). Chapter 1's left-hand footer repeats too few times to be a running line.
    def page(n: int) -> list[tuple]:
        body = [(72, 700 - 20 * k, f"Body line {k} of page {n} says something plain.", 11, False) for k in range(6)]
        footer = [(72, 50, str(n), 10, False), (400, 50, "Chapter 1. Basics", 10, False)] if n % 2 == 0 else \
            [(72, 50, "Basics", 10, False), (520, 50, str(n), 10, False)]
        return body + footer

    covers = [[(72, 700, "A Plain Book", 20, True)], [(72, 700, "For the reader.", 11, False)]]
    doc = load_document("book.pdf", make_layout_pdf(covers + [page(n) for n in range(1, 5)]))
    assert "Chapter 1" not in doc.text and "Basics" not in doc.text
    assert {(b.page, b.printed_page) for b in doc.blocks if b.page > 2} == {(3, "1"), (4, "2"), (5, "3"), (6, "4")}
    # A page that ends the chapter with a line or two keeps none of its footer either, and prints its number.
    short = [(72, 700, "Notes of the reader go here.", 11, False)] + page(6)[-2:]
    doc = load_document("book.pdf", make_layout_pdf(covers + [page(n) for n in range(1, 6)] + [short]))
    assert "Chapter 1" not in doc.text and "Basics" not in doc.text
    assert [(b.page, b.printed_page) for b in doc.blocks if b.page == 8] == [(8, "6")]


WORDS = "zero one two three four five six seven eight".split()


def test_the_page_number_is_the_edge_number_other_pages_agree_with():
    # A contents page's first entry ("Glossary    47") stands under its header ("3    Acme Manual    CONTENTS"); the
    # header's number, which the other pages' numbers agree with, is the page's.
    def page(n: int, entry: str, at: int) -> list[tuple]:
        header = [(72, 740, str(n), 10, False), (280, 740, "Acme Manual", 10, False), (480, 740, "CONTENTS", 10, False)]
        lines = [(72, 710, entry, 10, True), (530, 710, str(at), 10, True)]
        return header + lines + [(90, 680 - 18 * k, f"The {WORDS[k]} topic of the {WORDS[n]} page . . . . . . . . "
                                  f"{at + k}", 10, False) for k in range(5)]

    doc = load_document("contents.pdf", make_layout_pdf([[(72, 700, "Acme Manual", 24, True)],
                                                         [(72, 700, "For the reader.", 11, False)],
                                                         page(3, "Glossary", 47), page(4, "Layers", 52),
                                                         page(5, "Plugins", 61)]))
    assert "CONTENTS" not in doc.text
    assert {(b.page, b.printed_page) for b in doc.blocks if b.page > 2} == {(3, "3"), (4, "4"), (5, "5")}


def test_a_running_header_leaves_a_page_of_few_lines_too_and_n_of_m_is_its_page_number():
    # A manual's pages of screenshots hold the running header and a caption; "3 / 8" prints page 3 of 8.
    def page(n: int, full: bool) -> list[tuple]:
        header = [(72, 760, "Acme Handbook", 10, False), (500, 760, f"{n} / 8", 10, False)]
        lines = 6 if full else 1
        return header + [(72, 700 - 20 * k, f"The {WORDS[n]} page's line {WORDS[k]} says something plain.", 11, False)
                         for k in range(lines)]

    cover = [(72, 700, "Welcome", 20, True)]
    doc = load_document("handbook.pdf", make_layout_pdf([cover] + [page(n, n % 3 != 0) for n in range(2, 9)]))
    assert "Acme Handbook" not in doc.text and "/ 8" not in doc.text
    assert "The three page's line zero says" in doc.text and "The six page's line zero says" in doc.text
    assert {(b.page, b.printed_page) for b in doc.blocks if b.page in (3, 4)} == {(3, "3"), (4, "4")}


def passages(doc: Document) -> list[tuple[str, str]]:
    """Each block's text and section path."""
    return [(doc.text[b.start:b.end], b.section) for b in doc.blocks]


def test_bookmarks_give_the_section_path():
    pages = [[(72, 700, "Opening words of the report.", 11, False)],
             [(72, 700, "Revenue grew in every region.", 11, False),
              (72, 400, "Costs fell for the second year.", 11, False)]]
    outline = [(1, "Part I", 0, 792), (2, "Revenue", 1, 720), (2, "Costs", 1, 420)]
    doc = load_document("marks.pdf", make_layout_pdf(pages, outline=outline))
    assert passages(doc) == [
        ("Opening words of the report.", "Part I"),
        ("Revenue grew in every region.", "Part I > Revenue"),
        ("Costs fell for the second year.", "Part I > Costs"),
    ]


def test_a_heading_that_prints_its_bookmarks_title_is_that_section():
    # A book's bookmark "Costs" opens the section whose page prints "2.1 Costs": one level, not "Costs > 2.1 Costs".
    pages = [[(72, 720, "1 Scope", 18, True),
              (72, 690, "This report covers the whole company and its year.", 11, False)],
             [(72, 720, "2 Results", 18, True),
              (72, 690, "Revenue grew in every region of the company.", 11, False),
              (72, 650, "2.1 Costs", 14, True),
              (72, 620, "Costs fell for the second year in a row.", 11, False),
              (72, 580, "Other matters", 14, True),
              (72, 550, "The board met four times during the year.", 11, False)],
             [(72, 720, "A Appendix", 18, True),
              (72, 690, "The appendix lists where the figures come from.", 11, False),
              (72, 650, "A.1 Sources", 14, True),
              (72, 620, "The harbour master kept the logs of every ship.", 11, False)]]
    outline = [(1, "Scope", 0, 722), (1, "Results", 1, 722), (2, "Costs", 1, 652), (1, "A Appendix", 2, 722),
               (2, "Sources", 2, 652)]
    doc = load_document("book.pdf", make_layout_pdf(pages, outline=outline))
    assert passages(doc) == [
        ("This report covers the whole company and its year.", "1 Scope"),
        ("Revenue grew in every region of the company.", "2 Results"),
        ("Costs fell for the second year in a row.", "2 Results > 2.1 Costs"),
        ("The board met four times during the year.", "2 Results > 2.1 Costs > Other matters"),  # no bookmark
        ("The appendix lists where the figures come from.", "A Appendix"),
        ("The harbour master kept the logs of every ship.", "A Appendix > A.1 Sources"),  # an appendix's number too
    ]


def test_an_appendix_word_is_a_number_when_a_heading_prints_its_bookmarks_title():
    # Texinfo's bookmark "A A sample voyage" is the letter and a title that opens with the article "A"; the page
    # prints "Appendix A A sample voyage": one section, printed as the page prints it. A bookmark that leaves out
    # a number the page prints ("3. Anexo B- Licencia" for "Anexo B- Licencia") keeps that number.
    pages = [[(72, 720, "1 Scope", 18, True),
              (72, 690, "This report covers the whole harbour and its year.", 11, False)],
             [(72, 720, "Appendix A A sample voyage", 18, True),
              (72, 690, "The ship left the harbour at dawn and came back at noon.", 11, False),
              (72, 650, "A.1 The crew", 14, True),
              (72, 620, "Four sailors and a cook were on board.", 11, False)],
             [(72, 720, "3. Anexo B- Licencia", 18, True),
              (72, 690, "El texto se puede copiar y repartir libremente.", 11, False)]]
    outline = [(1, "Scope", 0, 722), (1, "A A sample voyage", 1, 722), (2, "The crew", 1, 652),
               (1, "Anexo B- Licencia", 2, 722)]
    doc = load_document("voyage.pdf", make_layout_pdf(pages, outline=outline))
    assert passages(doc) == [
        ("This report covers the whole harbour and its year.", "1 Scope"),
        ("The ship left the harbour at dawn and came back at noon.", "Appendix A A sample voyage"),
        ("Four sailors and a cook were on board.", "Appendix A A sample voyage > A.1 The crew"),
        ("El texto se puede copiar y repartir libremente.", "3. Anexo B- Licencia"),
    ]


def test_a_paragraph_set_in_capitals_is_text_and_a_title_over_two_lines_a_heading():
    # A licence's warranty paragraph in capitals: each line looks like a heading, together they are a paragraph.
    warranty = ["THE HARBOUR BOARD PROVIDES THE TIDE TABLES AS THEY ARE WITHOUT WARRANTY OF",
                "ANY KIND EITHER EXPRESSED OR IMPLIED INCLUDING THE WARRANTY THAT THE TIDES",
                "WILL COME AT THE TIMES PRINTED AND THAT THE ENTIRE RISK OF SAILING",
                "IS WITH YOU AND WITH NOBODY ELSE."]
    page = [(72, 740, "Tide Tables and Harbour Dues for the Three Months Ended", 16, True),
            (72, 720, "March 31, 2024 and March 31, 2023", 16, True),
            (72, 690, "Ships pay their dues at the harbour office before they leave.", 11, False),
            (72, 676, "The office opens at six in the morning every day of the week.", 11, False),
            (72, 640, "Warranty", 11, True)] + \
        [(72, 610 - 14 * k, line, 11, False) for k, line in enumerate(warranty)] + \
        [(72, 530, "Questions go to the harbour master, who answers them in writing.", 11, False)]
    doc = load_document("tides.pdf", make_layout_pdf([page]))
    title = "Tide Tables and Harbour Dues for the Three Months Ended March 31, 2024 and March 31, 2023"
    assert passages(doc) == [
        ("Ships pay their dues at the harbour office before they leave.\n"
         "The office opens at six in the morning every day of the week.", title),
        ("\n".join(warranty), f"{title} > Warranty"),
        ("Questions go to the harbour master, who answers them in writing.", f"{title} > Warranty"),
    ]


def test_a_page_in_two_columns_is_read_a_column_at_a_time():
    # Lines of the two columns share their heights; each column is a paragraph of its own, never a table of rows.
    left = ["The harbour of Valmar was built in the twelfth", "century by merchants from the south. It grew",
            "quickly as grain and timber came from the north."]
    right = ["Trade declined after the river silted up in the", "seventeenth century. The council dredged the",
             "channel twice, but the ships grew larger still."]
    page = [(72, 740, "A Short History of Valmar", 16, True)] + \
        [(72, 700 - 13 * k, line, 10, False) for k, line in enumerate(left)] + \
        [(320, 700 - 13 * k, line, 10, False) for k, line in enumerate(right)]
    doc = load_document("valmar.pdf", make_layout_pdf([page]))
    assert [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks] == [("text", "\n".join(left)),
                                                                       ("text", "\n".join(right))]


def test_a_table_of_contents_set_as_text_stays_in_the_text_but_answers_nothing():
    contents = [(72, 700 - 16 * k, f"{k + 1}. {title} . . . . . . . . . . . . . . . . {2 * k + 3}", 11, False)
                for k, title in enumerate(["Scope of the report", "Results of the year", "Costs and savings"])]
    body = [(72, 400, "The sum of the parts is R = R1 + R2 + . . . .", 11, False)]
    doc = load_document("contents.pdf", make_layout_pdf([contents + body]))
    assert "Results of the year . . ." in doc.text
    assert [doc.text[b.start:b.end] for b in doc.blocks] == ["The sum of the parts is R = R1 + R2 + . . . ."]


def test_a_line_in_capitals_is_a_heading_only_with_words_in_it():
    # A code line's one or two letters are capitals too ("N = N+1"); "RISK FACTORS" is a heading in capitals.
    page = [(72, 740, "RISK FACTORS", 11, False),
            (72, 720, "The harbour may flood in a storm, as it did twice before.", 11, False),
            (72, 690, "N = N+1", 11, False),
            (72, 660, "The loop above counts the ships that came in during the night.", 11, False)]
    doc = load_document("code.pdf", make_layout_pdf([page]))
    assert {section for _, section in passages(doc)} == {"Risk Factors"}
    assert "N = N+1" in " ".join(text for text, _ in passages(doc))


def test_a_date_set_large_on_a_cover_is_text_not_a_heading():
    cover = [(72, 600, "Acme Harbour Handbook", 24, True), (72, 560, "Date of publication: 31/01/2024", 24, True)]
    body = [(72, 700, "Results: 2024 in review", 16, True),
            (72, 670, "The harbour handled more ships than in any year before.", 11, False)]
    doc = load_document("cover.pdf", make_layout_pdf([cover, body]))
    assert passages(doc) == [
        ("Date of publication: 31/01/2024", "Acme Harbour Handbook"),
        ("The harbour handled more ships than in any year before.", "Acme Harbour Handbook > Results: 2024 in review"),
    ]


def test_a_title_pages_authors_and_date_under_the_title_are_text_not_empty_sections():
    # A LaTeX article sets its authors and date larger than its text and smaller than its title: they were read as
    # headings of sections with nothing in them, so no passage said who wrote it or when (PDF reader 35). A numbered
    # heading ends the title block, a word alone ("Contents") too, and a line as large as the title stays a heading.
    title_page = [(72, 720, "Harbour Tides and Berths", 20, False),
                  (72, 690, "Maria Lindqvist", 14, False), (300, 690, "Per Valmar", 14, False),
                  (72, 670, "Acme Harbour School", 14, False),
                  (72, 640, "March 3, 2021", 14, False),
                  (72, 610, "1 Introduction", 16, True),
                  (72, 585, "The harbour keeps a record of every berth it lets to a ship.", 10, False),
                  (72, 570, "Its tides are read twice a day by the harbour master.", 10, False)]
    doc = load_document("tides.pdf", make_layout_pdf([title_page]))
    assert passages(doc) == [
        ("Maria Lindqvist Per Valmar\nAcme Harbour School", "Harbour Tides and Berths"),
        ("March 3, 2021", "Harbour Tides and Berths"),
        ("The harbour keeps a record of every berth it lets to a ship.\n"
         "Its tides are read twice a day by the harbour master.", "1 Introduction"),
    ]
    contents = [(72, 720, "Harbour Tides and Berths", 20, False), (72, 690, "Contents", 14, False),
                (72, 660, "The harbour keeps a record of every berth.", 10, False)]
    doc = load_document("contents.pdf", make_layout_pdf([contents]))
    assert passages(doc) == [("The harbour keeps a record of every berth.", "Harbour Tides and Berths > Contents")]
    on_page_two = [[(72, 720, "The harbour keeps a record of every berth it lets to a ship.", 10, False)],
                   [(72, 720, "Harbour Tides and Berths", 20, False), (72, 690, "Per Valmar", 14, False),
                    (72, 660, "The harbour keeps a record of every berth.", 10, False)]]
    doc = load_document("later.pdf", make_layout_pdf(on_page_two))
    assert "Per Valmar" not in [text for text, _ in passages(doc)]


def test_a_heading_whose_number_stands_an_em_from_its_title_is_a_heading():
    # LaTeX sets "2.3" an em before "Orientation"; third-level headings here are bold and a little smaller than the
    # text. A number far from the words after it is no heading's.
    body = [(72, 700 - 14 * k, f"The {WORDS[k]} line of plain text about the harbour and its ships.", 10, False)
            for k in range(3)]
    page = [(57, 740, "2.3", 10.8, True), (84, 740, "Orientation", 10.8, True), *body,
            (57, 640, "2.3.1", 9, True), (87, 640, "Main page", 9, True),
            (72, 620, "The main page shows every service the harbour offers.", 10, False),
            (57, 600, "2.3.2", 9, True), (87, 600, "¿Qué es el puerto?", 9, True),
            (72, 585, "El puerto es el lugar donde atracan los barcos.", 10, False),
            (57, 480, "52", 10, False), (395, 480, "Chapter 5. Sound", 10, False)]
    doc = load_document("book.pdf", make_layout_pdf([page]))
    assert passages(doc) == [
        ("\n".join(text for _, _, text, _, _ in body), "2.3 Orientation"),
        ("The main page shows every service the harbour offers.", "2.3 Orientation > 2.3.1 Main page"),
        ("El puerto es el lugar donde atracan los barcos.", "2.3 Orientation > 2.3.2 ¿Qué es el puerto?"),
        ("52 Chapter 5. Sound", "2.3 Orientation > 2.3.2 ¿Qué es el puerto?"),
    ]


# --- the real reports -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def aapl() -> Document:
    return load_document(AAPL_2023_Q3.name, AAPL_2023_Q3.read_bytes())


def test_apple_net_sales_row_reads_with_its_headers_and_printed_page(aapl: Document):
    note = next(b for b in aapl.blocks if aapl.text[b.start:b.end] == NET_SALES_ROW)
    assert (note.kind, note.page, note.printed_page) == ("row", 10, "7")
    assert note.section.startswith("Part I — Financial Information > Item 1. Financial Statements > Note 2")
    statement = next(b for b in aapl.blocks if b.kind == "row" and b.page == 4
                     and aapl.text[b.start:b.end].startswith("Total net sales"))
    assert aapl.text[statement.start:statement.end] == (
        "Total net sales | Three Months Ended July 1, 2023: 81,797 | Three Months Ended June 25, 2022: 82,959 | "
        "Nine Months Ended July 1, 2023: 293,787 | Nine Months Ended June 25, 2022: 304,182")
    assert statement.printed_page == "1"  # the footer "Apple Inc. | Q3 2023 Form 10-Q | 1"


def test_a_row_is_highlighted_where_it_stands_on_the_page(aapl: Document):
    note = next(b for b in aapl.blocks if aapl.text[b.start:b.end] == NET_SALES_ROW)
    view = render_page(AAPL_2023_Q3, note.page, aapl.text[note.start:note.end], scale=1.0)
    assert view.match == "exact"
    tops = {top for _, top, _, _ in view.boxes}
    assert max(tops) - min(tops) <= 4  # one line of the page: the row, not the table
    lefts = sorted(left for left, _, _, _ in view.boxes)
    assert lefts[0] < 100 and max(right for _, _, right, _ in view.boxes) > 500  # label to last figure


@pytest.mark.parametrize("path", REAL_PDFS, ids=lambda p: p.name)
def test_real_reports_have_rows_sections_and_printed_pages(path: Path):
    doc = load_document(path.name, path.read_bytes())
    assert sum(b.kind == "row" for b in doc.blocks) > 150
    assert sum(1 for b in doc.blocks if b.section.startswith(("Part I", "Part II"))) > 0.8 * len(doc.blocks)
    printed = {b.page: b.printed_page for b in doc.blocks if b.printed_page}
    assert len(printed) > 0.7 * max(b.page for b in doc.blocks)


@pytest.mark.parametrize("name", ["2023 Q3 AAPL.pdf", "2023 Q1 MSFT.pdf", "2023 Q2 NVDA.pdf"])
def test_a_table_of_contents_stays_in_the_text_but_gives_no_rows(name: str):
    """Three companies lay their contents out three ways ("Item 2. | Management's Discussion ... | 14", the
    titles in a column of their own, a page number column): none of its lines is an answer unit."""
    doc = load_document(name, (FIXTURES / name).read_bytes())
    title = "Quantitative and Qualitative Disclosures About Market Risk"
    assert doc.text.lower().count(title.lower()) >= 2  # the contents line and the item's own heading
    assert not [row for row in rows(doc) if title in row]
    assert sum(b.kind == "row" for b in doc.blocks) > 150  # the statements' rows are all there


def test_only_titles_ending_in_rising_page_numbers_make_a_contents_table():
    def table(*rows):
        return Table(columns=[(0, 1), (1, 2)], headers=["", ""],
                     rows=[Row(lines=[i], label=label, values=list(values)) for i, (label, *values) in enumerate(rows)])

    assert table(("Item 1.", "Financial Statements", "1"), ("Item 2.", "Management's Discussion", "14"),
                 ("", "Signatures", ""), ("Item 3.", "Market Risk", "19")).is_contents
    # Figures beside the last column, or page numbers that go back, are a table of data.
    assert not table(("Americas", "$ 35,383", "1"), ("Europe", "20,205", "14"), ("Japan", "(56)", "19")).is_contents
    assert not table(("Item 1.", "Financial Statements", "21"), ("Item 2.", "Discussion", "14"),
                     ("Item 3.", "Market Risk", "19")).is_contents
    assert not table(("Notes", "due", "2025"), ("Notes", "due", "2030"), ("Notes", "due", "2050")).is_contents


# --- what pdfium cannot open ------------------------------------------------------------------

def no_root(data: bytes) -> bytes:
    """The trailer loses its /Root: pdfium refuses the file, pypdf finds the catalog by searching."""
    return data.replace(b"/Root 1 0 R", b"/Rxxx 1 0 R")


def no_endobj(data: bytes) -> bytes:
    """Objects without 'endobj': pdfium opens the file but cannot load a page; pypdf reads them."""
    return data.replace(b"endobj", b"")


def test_a_file_pdfium_cannot_open_is_read_with_pypdf():
    doc = load_document("rootless.pdf", no_root(make_pdf([["Alpha page text."], ["Beta page text."]])))
    assert [doc.text[b.start:b.end] for b in doc.blocks] == ["Alpha page text.", "Beta page text."]
    assert doc.warnings[0].startswith("read with pypdf: pdfium could not open it")


def test_pages_pdfium_cannot_load_are_read_with_pypdf():
    doc = load_document("broken.pdf", no_endobj(make_pdf([["Alpha page text."], ["Beta page text."]])))
    assert [(b.page, doc.text[b.start:b.end]) for b in doc.blocks] == [(1, "Alpha page text."),
                                                                       (2, "Beta page text.")]
    assert doc.warnings == ("page 2 read with pypdf: pdfium could not load it",)


def test_neither_engine_can_read_it_is_one_sentence():
    data = make_pdf([["Cut short."]])
    with pytest.raises(IngestError, match=r"^the PDF is damaged or truncated and cannot be opened \(\w+\); "
                                          r"re-export or download it again$"):
        load_document("cut.pdf", data[: len(data) // 2])


def test_a_build_with_worker_processes_reads_what_it_can_and_says_why_for_the_rest(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = make_pdf([["Quarterly revenue grew on page one."], ["Costs fell on page two."]])
    (corpus / "good.pdf").write_bytes(good)
    (corpus / "rootless.pdf").write_bytes(no_root(make_pdf([["Read by pypdf instead."]])))
    (corpus / "cut.pdf").write_bytes(good[: len(good) // 2])
    (corpus / "locked.pdf").write_bytes(encrypt_pdf(make_pdf([["Secret."]]), "hunter2"))
    (corpus / "scan.pdf").write_bytes(make_pdf([[], []]))
    (corpus / "notes.md").write_text("# Notes\n\nA Markdown file read while the workers read the PDFs.\n")
    settings = make_settings(corpus, tmp_path / "index")
    settings = type(settings)(**{**settings.__dict__, "read_workers": 2})

    report = build_index(settings, FakeEmbedder())

    assert sorted(report.added) == ["good.pdf", "notes.md", "rootless.pdf"]
    assert {p.source: p.reason for p in report.failed} == {
        "cut.pdf": "the PDF is damaged or truncated and cannot be opened (PdfStreamError); re-export or download "
                   "it again",
        "scan.pdf": "the PDF has no extractable text (scanned?); run OCR on it first",
    }
    assert {p.source: p.reason for p in report.skipped} == {
        "locked.pdf": "the PDF is password-protected, skipped; remove the password to index it"}
    assert any(p.source == "rootless.pdf" and p.reason.startswith("read with pypdf") for p in report.warnings)
    store = load_store(settings)
    assert {c.text for c in store.chunks if c.source == "good.pdf"} == {"Quarterly revenue grew on page one.",
                                                                          "Costs fell on page two."}
    # The same folder read in this process gives the same chunks.
    inline = make_settings(corpus, tmp_path / "index-inline")
    inline = type(inline)(**{**inline.__dict__, "read_workers": 0})
    build_index(inline, FakeEmbedder())
    assert [c.id for c in load_store(inline).chunks] == [c.id for c in store.chunks]


def test_every_run_of_a_long_pdf_reads_headings_against_the_whole_documents_type(monkeypatch):
    # The last run is mostly an index in small type; a line of the text's own size there is no heading.
    text = [[(72, 700 - 14 * k, f"Line {WORDS[k]} of page {WORDS[n]} tells the reader about the harbour.", 10, False)
             for k in range(6)] for n in range(4)]
    index = [[(72, 740 - 11 * k, f"harbour, {10 * n + k}", 8, False) for k in range(40)] for n in range(2)]
    index[0].append((300, 300, "Invoking the program from a terminal window on Unix", 10, False))
    data = make_layout_pdf(text + index)
    whole = load_document("manual.pdf", data)
    from assistant.pdf import document, reader

    monkeypatch.setattr(reader, "PART_PAGES", 4)
    monkeypatch.setattr(document, "PART_PAGES", 4)
    in_runs = load_document("manual.pdf", data)
    assert passages(in_runs) == passages(whole)
    assert "Invoking the program from a terminal window on Unix" in [t for t, _ in passages(in_runs)]


def test_a_long_pdf_is_read_in_runs_of_pages_that_join_up(tmp_path: Path, monkeypatch):
    from assistant.pdf import reader

    pages = [[(72, 740, f"Chapter {n // 3 + 1}", 16, True)] if n % 3 == 0 else [] for n in range(7)]
    for n, items in enumerate(pages):
        items.append((72, 700, f"Sentence number {n + 1} of the long report.", 11, False))
    data = make_layout_pdf(pages)
    whole = load_document("long.pdf", data)
    monkeypatch.setattr(reader, "PART_PAGES", 2)
    from assistant.pdf import document

    monkeypatch.setattr(document, "PART_PAGES", 2)
    in_parts = load_document("long.pdf", data)
    assert in_parts.text == whole.text and in_parts.blocks == whole.blocks
    assert [b.section for b in whole.blocks] == ["Chapter 1"] * 3 + ["Chapter 2"] * 3 + ["Chapter 3"]


def test_a_tex_ligature_left_as_a_control_code_is_read_as_its_letters_and_highlighted():
    # A LaTeX paper whose fonts have no map to Unicode gives pdfium its f-ligatures as T1 codes 0x1B-0x1F, which were
    # dropped as control characters: "unied framework", "exibly", "signicance" (PDF reader 34).
    pdf = ROOT / "tests/gold/heldout/conclusions/strucchange/strucchange-intro.pdf"  # (GPL, Debian's r-cran-strucchange)
    doc = load_document(pdf.name, pdf.read_bytes())
    quote = ("It provides a unified framework for displaying information about structural changes flexibly and for "
             "assessing their significance according\nto various tests.")
    assert quote in doc.text and "unied" not in doc.text and "\x1c" not in doc.text
    page = next(b.page for b in doc.blocks if b.start <= doc.text.index(quote) < b.end)
    view = render_page(pdf, page, quote, scale=1.0)
    assert view.match == "exact" and view.boxes


def test_an_accent_drawn_apart_from_its_letter_is_composed_with_it_and_highlighted(tmp_path: Path):
    # A TeX font draws "ö" as "¨" then "o": the nettle manual read "Niels M¨oller" and "Micha¨el", so a search for the
    # name found nothing. The quote (composed) and the page's characters (apart) are still matched exactly.
    pdf = tmp_path / "acme.pdf"
    pdf.write_bytes(make_pdf([["Acme manual", "Originally written in 2001 by Niels M\xa8oller and Jos\xb4e Mart\xb4in.",
                               "The version 2\xa8q has no letter for its accent."]]))
    doc = load_document(pdf.name, pdf.read_bytes())
    assert "by Niels Möller and José Martín." in doc.text and "2\xa8q" in doc.text
    quote = "Originally written in 2001 by Niels Möller and José Martín."
    view = render_page(pdf, 1, quote, scale=1.0)
    assert view.match == "exact" and view.boxes
