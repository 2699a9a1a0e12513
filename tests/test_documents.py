"""Document records (company, form, period from the first pages) and which documents a question names."""

from __future__ import annotations

from assistant.documents import DocumentCatalogue, describe, pdf_title, question_period
from assistant.ingest import load_document
from assistant.pdf import PdfAssembler, read_part
from assistant.text import search_tokens
from conftest import FIXTURES, PAPER


def record(file: str, company: str, period_end: str, ticker: str = "") -> dict:
    stem = file.rsplit(".", 1)[0]
    year, quarter = stem.split()[:2]
    return {"file": file, "title": stem, "company": company, "ticker": ticker, "form": "10-Q",
            "period_end": period_end, "years": sorted({year, period_end[:4]}), "quarters": [quarter.lower()]}


FILINGS = {r["file"]: r for r in [
    record("2022 Q3 AAPL.pdf", "Apple Inc.", "2022-06-25"),
    record("2023 Q1 AAPL.pdf", "Apple Inc.", "2022-12-31"),
    record("2023 Q3 AAPL.pdf", "Apple Inc.", "2023-07-01"),
    record("2023 Q1 MSFT.pdf", "Microsoft Corp", "2022-12-31", "MSFT"),
    record("2023 Q3 MSFT.pdf", "Microsoft Corp", "2023-09-30", "MSFT"),
    record("2023 Q1 NVDA.pdf", "NVIDIA CORPORATION", "2023-04-30", "NVDA"),
    record("2023 Q2 NVDA.pdf", "NVIDIA CORPORATION", "2023-07-30", "NVDA"),
    record("2023 Q3 AMZN.pdf", "AMAZON.COM, INC.", "2023-09-30", "AMZN"),
]}


def named(question: str) -> list[str]:
    return DocumentCatalogue(FILINGS).named(search_tokens(question))


def test_a_record_comes_from_the_cover_page():
    path = FIXTURES / "2022 Q3 AAPL.pdf"
    assembler = PdfAssembler(path.name)
    part = read_part(path.name, path.read_bytes())
    assembler.add(part)
    rec = describe(assembler.document(), assembler.cover, assembler.metadata)
    assert {k: rec[k] for k in ("company", "form", "period", "period_end", "years", "quarters")} == {
        "company": "Apple Inc.", "form": "10-Q", "period": "June 25, 2022", "period_end": "2022-06-25",
        "years": ["2022"], "quarters": ["q3"]}


def test_a_title_comes_from_metadata_only_when_it_reads_as_one():
    assert pdf_title("2023 Q3 AAPL.pdf", {"Title": "0000320193-23-000077"}) == "2023 Q3 AAPL"
    assert pdf_title("x.pdf", {"Title": "Form 10-Q for Microsoft Corp filed 10/24/2023"}) == \
        "Form 10-Q for Microsoft Corp filed 10/24/2023"


def test_company_and_period_name_one_filing():
    assert named("What was Apple's iPhone revenue in Q3 2023?") == ["2023 Q3 AAPL.pdf"]
    assert named("In the first quarter of 2023, what did NVIDIA spend on research?") == ["2023 Q1 NVDA.pdf"]
    assert named("What was Microsoft's gross margin in the most recent 10-Q?") == ["2023 Q3 MSFT.pdf"]
    assert named("What were Apple's total net sales for the three months ended July 1, 2023?") == \
        ["2023 Q3 AAPL.pdf"]
    assert named("What is MSFT's effective tax rate in the latest quarter?") == ["2023 Q3 MSFT.pdf"]


def test_a_company_alone_names_all_its_filings_and_two_companies_both():
    assert named("How has Apple's revenue changed over time?") == ["2022 Q3 AAPL.pdf", "2023 Q1 AAPL.pdf",
                                                                   "2023 Q3 AAPL.pdf"]
    assert named("Compare Apple and Amazon on operating income in Q3 2023.") == ["2023 Q3 AAPL.pdf",
                                                                                 "2023 Q3 AMZN.pdf"]


def test_a_question_that_names_no_filing_names_none():
    assert named("What are the main risk factors?") == []
    assert DocumentCatalogue({"a.md": {"title": "A"}}).named(search_tokens("What is Apple's revenue?")) == []


def test_question_periods():
    period = question_period(search_tokens("Apple's FY2022 results for the third quarter and Q1 2023, July 1, 2023"))
    assert period.years == {"2022", "2023"} and period.quarters == {"q1", "q3"}
    assert period.dates == {"2023-07-01"} and not period.latest
    assert question_period(search_tokens("in the latest 10-Q")).latest
    # A date written day first, as much of the world writes it and as Apertium writes "el 1 de julio de 2023".
    assert question_period(search_tokens("net sales in the quarter ended 1 July 2023")).dates == {"2023-07-01"}
    assert question_period(search_tokens("the 12 months to 30 September 2022")).dates == {"2022-09-30"}
    assert question_period(search_tokens("sales in 2022 March 2023")).dates == set()  # no day: no date
    assert question_period(search_tokens("What were the sales in 2023 up to July")).years == {"2023"}  # month last


def test_an_organisation_no_document_is_about_is_unmatched():
    catalogue = DocumentCatalogue(FILINGS)
    mentions = {"azur": 60, "googl": 3, "person": 40, "comput": 90}.get

    def unmatched(question: str) -> list[str]:
        return catalogue.unmatched_entities(question, lambda t: mentions(t, 0))

    assert unmatched("What is Adobe's operating margin for FY2022?") == ["Adobe"]
    assert unmatched("What did Google report as revenue at Alphabet Inc?") == ["Alphabet"]
    assert unmatched("What was Google's revenue?") == ["Google"]  # mentioned in passing (3 passages) only
    assert unmatched("What was Apple's gross margin in Q3 2023?") == []
    assert unmatched("What was Azure's revenue growth?") == []  # the documents discuss it
    assert unmatched("What were the revenues of Personal Computing in Q1 2023?") == []  # not an organisation
    # "of" inside a longer name does not introduce one: Apertium's English of "el Instituto Federal de
    # Telecomunicaciones" names no organisation called "Telecommunications".
    assert unmatched("When was the Federal Institute of Telecommunications created?") == []
    assert unmatched("What was the revenue of Bank of America?") == ["Bank of America"]
    assert unmatched("What did Bank of America's filing say?") == ["Bank of America"]


def test_a_folder_without_companies_never_reports_an_unmatched_name():
    paper = load_document(PAPER.name, PAPER.read_bytes())
    catalogue = DocumentCatalogue({PAPER.name: describe(paper, [])})
    assert catalogue.unmatched_entities("What is Estonia's digital identity programme?", lambda t: 0) == []


def uncovered(question: str):
    return DocumentCatalogue(FILINGS).uncovered_quarter(search_tokens(question))


def test_a_quarter_that_no_filing_of_the_company_covers_is_found():
    assert uncovered("What were Microsoft's inventories in Q2 2023?") == ("Microsoft Corp", "Q2 2023")
    assert uncovered("What was Amazon's net income in the fourth quarter of 2022?") == ("AMAZON.COM, INC.", "Q4 2022")
    # Covered by the quarter a filing is named for, by its period's end (December 31, 2022 ends a fourth
    # quarter), or as the comparative column of the same quarter a year later.
    assert uncovered("What was Microsoft's revenue in Q1 2023?") is None
    assert uncovered("What was Microsoft's revenue in Q4 2022?") is None
    assert uncovered("What was NVIDIA's revenue in Q1 2022?") is None
    # Not judged: a fiscal year (each company's calendar is its own), no company, no quarter.
    assert uncovered("What was NVIDIA's revenue in the second quarter of fiscal 2024?") is None
    assert uncovered("What was the revenue in Q2 2023?") is None
    assert uncovered("What was Apple's revenue in 2021?") is None
