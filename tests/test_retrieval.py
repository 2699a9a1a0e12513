"""Retrieval over a folder of several companies' filings, with the real model: the filing a question names
is cited, a company that is not in the folder is refused in one sentence, and the Apple net-sales question
is answered with its table row, which is highlighted where it stands on the page. Over six filings, the held-out
table questions cite the row that holds the figure (the rules are tested apart in tests/test_tables.py). The
filings are indexed once for the whole file: the smaller folders are made from that index (subset_of_six)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from assistant import messages
from assistant.assistant import Assistant
from assistant.build import BuildReport, build_index
from assistant.figures import row_holds_figure
from assistant.pdf_view import render_page
from assistant.schema import row_label
from assistant.table_rows import label_text
from assistant.text import search_tokens
from assistant.ui import location
from conftest import FIXTURES, GOLD, PAPER, indexed_assistant

TABLES = GOLD / "heldout" / "tables"
FILINGS = ["2022 Q3 AAPL.pdf", "2023 Q3 AAPL.pdf", "2023 Q2 NVDA.pdf"]
NET_SALES = "What was Apple's total net sales for the three months ended July 1, 2023?"


@pytest.fixture(scope="module")
def six(tmp_path_factory, real_embedder) -> Assistant:
    """Six filings: the four of tests/fixtures and the held-out table set's (Apple's and Intel's 2023 Q2 10-Qs),
    three of them Apple's quarters: retrieval has to find the filing, the reader the row."""
    base = tmp_path_factory.mktemp("six-filings")
    corpus = base / "corpus"
    corpus.mkdir()
    for pdf in [*FIXTURES.glob("*.pdf"), *(TABLES / "corpus").glob("*.pdf")]:
        shutil.copy(pdf, corpus / pdf.name)
    return indexed_assistant(corpus, base / "index", real_embedder)


def subset_of_six(six: Assistant, folder: Path, embedder, names: list[str],
                  added: tuple[Path, ...] | list[Path] = ()) -> tuple[Assistant, BuildReport]:
    """An Assistant over some of the six filings (names) and the files added, from a copy of six's index that the
    incremental build brings up to date: it removes the other filings' passages and embeds only the added files,
    so this is the index a fresh build of the folder would give, without encoding the filings a second time
    (about 100 s here). Returns it and the build's report."""
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in names:
        shutil.copy(six.settings.corpus / name, corpus / name)
    for path in added:
        shutil.copy(path, corpus / path.name)
    shutil.copytree(six.settings.index, folder / "index", symlinks=True)
    settings = six.settings.with_paths(corpus, folder / "index")
    report = build_index(settings, embedder)
    assert not report.full_reason and sorted(report.unchanged) == sorted(names), report.to_dict()
    assert sorted(report.added) == sorted(p.name for p in added), report.to_dict()
    assistant = Assistant(settings, embedder)
    assistant.reload()
    return assistant, report


@pytest.fixture(scope="module")
def filings(six, tmp_path_factory, real_embedder) -> Assistant:
    """Three of them (FILINGS), indexed from six's index (subset_of_six): nothing is embedded again."""
    assistant, report = subset_of_six(six, tmp_path_factory.mktemp("filings"), real_embedder, FILINGS)
    assert report.chunks_embedded == 0 and len(report.removed) == 3, report.to_dict()
    return assistant


def document_text(assistant: Assistant, source: str) -> str:
    from assistant.ingest import load_document

    return load_document(source, (assistant.settings.corpus / source).read_bytes()).text


def test_every_filing_has_a_record(filings: Assistant):
    records = {s: e["record"] for s, e in filings.store.manifest["files"].items()}
    assert {s: (r["company"], r["form"], r["period_end"]) for s, r in records.items()} == {
        "2022 Q3 AAPL.pdf": ("Apple Inc.", "10-Q", "2022-06-25"),
        "2023 Q3 AAPL.pdf": ("Apple Inc.", "10-Q", "2023-07-01"),
        "2023 Q2 NVDA.pdf": ("NVIDIA CORPORATION", "10-Q", "2023-07-30"),
    }


def test_the_net_sales_question_is_answered_with_the_row_and_its_headers(filings: Assistant):
    answer = filings.ask(NET_SALES)
    assert not answer.abstained
    first = answer.citations[0]
    assert first.source == "2023 Q3 AAPL.pdf" and first.kind == "row"
    # The filing has the row twice (Note 2 and the MD&A's "Net sales by category" table); either is the answer.
    assert "Total net sales | Three Months Ended July 1, 2023: " in first.quote
    assert "81,797" in first.quote and "Three Months Ended June 25, 2022: " in first.quote
    assert row_label(first.headers, first.quote) == first.quote  # shown as it is written, headers once
    assert document_text(filings, first.source)[first.start:first.end] == first.quote
    # The citation names the page and the number printed on it; the page image marks that row.
    assert location(first).endswith(f"page {first.page} (printed {first.printed_page})")
    assert int(first.printed_page) == first.page - 3
    view = render_page(filings.settings.corpus / first.source, first.page, first.quote, scale=1.0)
    assert view.match == "exact"
    tops = {top for _, top, _, _ in view.boxes}
    assert max(tops) - min(tops) <= 4  # one line: the row


def test_a_company_and_year_question_cites_that_filing(filings: Assistant):
    for question, source in [
        ("What were Apple's iPhone net sales in the third quarter of 2022?", "2022 Q3 AAPL.pdf"),
        ("What was Apple's iPhone net sales for the three months ended July 1, 2023?", "2023 Q3 AAPL.pdf"),
        ("What was NVIDIA's data center revenue in Q2 2023?", "2023 Q2 NVDA.pdf"),
    ]:
        hits = filings.retrieve(question)
        assert {h.chunk.source for h in hits[:6]} == {source}, question
        answer = filings.ask(question)
        assert answer.citations[0].source == source, question


def test_a_company_not_in_the_folder_is_refused_in_one_sentence(filings: Assistant):
    answer = filings.ask("What was Adobe's operating margin in fiscal 2022?")
    assert answer.abstained and answer.answer is None
    assert answer.message == "No document in the folder is about Adobe, so the documents cannot answer this."
    # A company that is in the folder is not refused.
    assert filings._reader.retriever.unmatched_entities("What was NVIDIA's revenue?") == []


def test_named_documents_come_from_the_question_alone(filings: Assistant):
    retriever = filings._reader.retriever
    assert retriever.named_documents(search_tokens("Apple's latest 10-Q")) == ["2023 Q3 AAPL.pdf"]
    assert retriever.named_documents(search_tokens("What did the companies say about risk?")) == []


def test_numbers_that_name_the_filing_are_not_asked_of_the_answer(filings: Assistant):
    # "10-Q" and "2023" say which filing is meant; the row that holds the figure does not repeat them, and must
    # not be declined for it. A number that asks for something (a year the filing does not name) still counts.
    question = "What was NVIDIA's total revenue in the Q2 2023 10-Q?"
    reader, query, hits = filings._retrieve(question, [])
    assert reader.checks.naming_tokens(query) >= {"10", "2023"}
    best = reader.candidates(query, hits[:filings.settings.read_k])[0]
    assert best.chunk.kind == "row" and best.text.startswith("Total revenue") and "$13,507" in best.text
    assert reader.checks.veto(query, best, ("unknown_term", "number_missing")) == ""
    # Whether it is answered is the answer probability's call (a row sits near the threshold: the reader model
    # learnt from prose); the filing's numbers are never the reason it is declined.
    answer = filings.ask(question)
    assert answer.message not in {messages.text("unknown_term", "en"), messages.text("number_missing", "en")}
    assert answer.citations[0].source == "2023 Q2 NVDA.pdf" and answer.citations[0].quote == best.text
    reader, query, _ = filings._retrieve("What was NVIDIA's revenue in 1999?", [])
    assert "1999" not in reader.checks.naming_tokens(query)


def test_inside_the_named_filing_the_words_that_named_it_no_longer_steer_the_search(filings: Assistant):
    retriever = filings._reader.retriever
    question = "What was NVIDIA's operating cash flow in the Q2 2023 10-Q?"
    assert retriever.focused_question(question, search_tokens(question)) == "What was operating cash flow in the 2023"
    assert retriever.focused_question("What did the companies say about risk?",
                                      search_tokens("What did the companies say about risk?")) is None
    # With the company and "10-Q" in the query vector, the certification that repeats them ("I have reviewed this
    # Quarterly Report on Form 10-Q of NVIDIA Corporation") came first and the statement rows were not read.
    for question, wanted in [
        (question, "Net cash provided by operating activities |"),
        ("How much cash did NVIDIA hold in the Q2 2023 10-Q?", "Cash and cash equivalents |"),
        ("What was Apple's operating cash flow in the Q3 2022 10-Q?", "Cash generated by operating activities |"),
    ]:
        read = [h.chunk.text for h in filings.retrieve(question)[:filings.settings.read_k]]
        assert not [t for t in read if "I have reviewed this" in t], question
        assert [t for t in read if wanted in t], question


def test_a_passage_every_filing_repeats_is_read_once(filings: Assistant):
    # The exhibit list and the certifications stand word for word in both Apple filings (and the exhibit numbers
    # differ only by an asterisk): read in each copy they took four of the six passages read, and the answer cited
    # the same signature twice.
    def said(texts: list[str]) -> list[str]:  # words and figures, case and punctuation aside
        return [" ".join(re.sub(r"[^\w]+", " ", t.lower()).split()) for t in texts]

    question = "Who is Apple's chief financial officer?"
    read = said([h.chunk.text for h in filings.retrieve(question)[:filings.settings.read_k]])
    assert len(set(read)) == len(read), read
    answer = filings.ask(question)
    assert not answer.abstained and "Luca Maestri" in answer.citations[0].quote
    quotes = said([c.quote for c in answer.citations])
    assert len(set(quotes)) == len(quotes), quotes
    # Sentences too: passages that differ around it may both hold the same sentence ("The Company is subject to
    # other legal proceedings ..." in each filing), which the model then read, and the closest passages showed,
    # once a filing.
    reader, query, hits = filings._retrieve("What legal proceedings does Apple describe?", [])
    sentences = said([c.text for c in reader.candidates(query, hits[:filings.settings.read_k])])
    assert len(set(sentences)) == len(sentences), sentences


def test_a_passage_only_bm25_finds_is_weighed_with_its_own_cosine(paper_assistant):
    # Before, a passage outside the dense search's top 20 counted as cosine 0 in the fusion, so any passage the
    # dense search returned outranked it, however well its words matched. Over a whole index (no document named)
    # every hit now carries its cosine, and its fused score is 0.7 x cosine + 0.3 x its share of the best BM25.
    from assistant.retrieval import DENSE_WEIGHT

    _, _, reader, query, hits = paper_assistant.read_question("What did the IFT break?", [])
    retriever = reader.retriever
    assert not query.documents and len(hits) == retriever.top_k
    dense = dict(retriever.dense(query.vector, retriever.top_k))
    sparse = dict(retriever.sparse(query.tokens, retriever.top_k))
    only_bm25 = [h for h in hits if retriever.store.chunks.index(h.chunk) not in dense]
    assert only_bm25, "the question should bring a passage the dense search's top k lacks"
    best = max(sparse.values())
    for hit in hits:
        i = retriever.store.chunks.index(hit.chunk)
        assert hit.dense_score is not None and hit.dense_score > 0
        expected = DENSE_WEIGHT * hit.dense_score + (1 - DENSE_WEIGHT) * sparse.get(i, 0.0) / best
        assert hit.score == pytest.approx(expected, abs=1e-6)


def test_held_out_table_questions_cite_the_row_with_the_figure(six):
    # Written before the rule (tests/gold/heldout/tables/README.md). Measured 15 of 24 rows holding the figure
    # (1 abstained) on 2026-12-05, with PDF reader 9 and before it; 16 of 24 (none abstained) over these six filings
    # since a label's parenthesised word is an alternative; 15 of 24 (1
    # abstained) before, over these and over the 18 of ../shared/data/10q; without the named-row rule 11 and 10
    # of 24 (7 abstained). The floor is two questions under.
    questions = [json.loads(line) for line in (TABLES / "questions.jsonl").read_text().splitlines() if line.strip()]
    right = abstained = 0
    for q in questions:
        answer = six.ask(q["question"])
        first = answer.citations[0] if answer.citations else None
        abstained += answer.abstained
        right += (not answer.abstained and first.kind == "row" and first.source == q["matches"][0]
                  and row_holds_figure(first.quote, q["answer"]))
    assert len(questions) == 24
    assert right >= 14 and abstained <= 2


def _follow_ups(assistant: Assistant, name: str) -> tuple[int, int, int]:
    """(questions, first citation from the right filing, the row holding the figure) for a follow-up set."""
    items = [json.loads(line) for line in (TABLES / name).read_text().splitlines() if line.strip()]
    filing = rows = 0
    for item in items:
        answer = assistant.ask(item["question"], item["history"])
        first = answer.citations[0]
        filing += first.source == item["matches"][0]
        rows += (not answer.abstained and first.kind == "row" and first.source == item["matches"][0]
                 and row_holds_figure(first.quote, item["answer"]))
    return len(items), filing, rows


def test_a_follow_up_that_names_no_filing_stays_with_the_one_the_conversation_is_about(six):
    # tests/gold/heldout/tables/followups.jsonl, written before the change (three of its conversations are the
    # ones that showed the fault). Measured: first citation from the right filing 12 of 12, the row with the
    # figure 9 of 12; before, 5 and 1 ("What about research and development?" after a question on Intel's
    # quarter cited Microsoft's row). It became a tuning set for the possessive reading ("its" is the owner's),
    # which took the rows from 7 to 9. Floors a question or two under.
    count, filing, rows = _follow_ups(six, "followups.jsonl")
    assert count == 12 and filing >= 11 and rows >= 7
    # Written before the possessive reading, its held-out set: "What were its total assets?" after "What was
    # NVIDIA's gross profit ...?" read "... NVIDIA's gross profit's total assets?". Measured 6 of 6 rows, 2 before.
    count, filing, rows = _follow_ups(six, "followups-possessive.jsonl")
    assert count == 6 and filing >= 5 and rows >= 5
    # Written before the period reading ("And for the six months?": the earlier question asked again of that
    # period), its held-out set: measured 6 of 6 rows, none before.
    count, filing, rows = _follow_ups(six, "followups-period.jsonl")
    assert count == 6 and filing >= 5 and rows >= 5
    # The value marked is the period asked for, in the year the conversation is about: the six months ended
    # April 1, 2023 (54,158), not those ended March 26, 2022 (59,640).
    first = "What was Apple's net income in Q2 2023?"
    answer = six.ask("And for the six months?", [first])
    assert answer.answer_span is not None and answer.answer_span.text == "$54,158"


def test_a_quarter_no_filing_covers_is_declined_saying_so(six):
    # The six filings hold Microsoft's quarter ended December 31, 2022 only: its Q3 2023 inventories were
    # answered with that quarter's row (0.22, by the named-row rule) before.
    answer = six.ask("What were Microsoft's inventories in Q3 2023?")
    assert answer.abstained and answer.answer is None
    assert answer.message.startswith("No document in the folder covers Microsoft") and "Q3 2023" in answer.message
    # The sentence follows the question's language.
    spanish = six.ask("¿Cuáles fueron los inventarios de Microsoft en el tercer trimestre de 2023?")
    assert spanish.abstained and spanish.message.startswith("Ningún documento de la carpeta cubre Q3 2023")
    # A quarter the next year's filing prints as its comparative column is covered: Apple's 2023 Q2 10-Q
    # shows the three months ended March 26, 2022.
    covered = six.ask("How much did Apple spend on research and development in Q2 2022?")
    assert not covered.abstained and covered.citations[0].source == "2023 Q2 AAPL.pdf"
    assert "6,387" in covered.answer


def test_a_question_over_several_filings_cites_the_named_row_in_each(six):
    # "Changed over time" asks about every Apple filing of the six: the answer row ("Total net sales" of one
    # quarter) is cited with the same row of each other quarter, latest first, instead of the sentences the model
    # would add (over the 10-Q folder, Amazon's multi-filing table questions: filings cited with a row holding
    # the figure 2 -> 12 of 40).
    answer = six.ask("How have Apple's total net sales changed over time?")
    assert not answer.abstained
    apple = {p.name for p in [*FIXTURES.glob("*AAPL.pdf"), *(TABLES / "corpus").glob("*AAPL.pdf")]}
    assert {c.source for c in answer.citations} == apple and len(answer.citations) == len(apple) == 3
    for citation in answer.citations:
        assert citation.kind == "row" and label_text(citation.quote) == "Total net sales"
        assert citation.passage[citation.start - citation.passage_start:citation.end - citation.passage_start] \
            == citation.quote
    # Latest quarter first, and the answer is its row, with a figure of it marked.
    assert [c.source for c in answer.citations] == ["2023 Q3 AAPL.pdf", "2023 Q2 AAPL.pdf", "2022 Q3 AAPL.pdf"]
    first, span = answer.citations[0], answer.answer_span
    assert answer.answer == first.quote and span is not None and first.start <= span.start < span.end <= first.end
    assert span.text in first.quote and any(ch.isdigit() for ch in span.text)
    # A question that names the company itself asks about all its filings, even after one about a quarter.
    later = six.ask("How have Apple's total net sales changed over time?", ["What was Apple's net income in Q2 2023?"])
    assert [c.source for c in later.citations] == [c.source for c in answer.citations]


def test_an_institute_named_in_spanish_is_not_taken_for_a_company_missing_from_a_folder_of_filings(
        six, tmp_path, real_embedder):
    # Beside a 10-Q, the folder's documents are told apart by company; Apertium's "Federal Institute of
    # Telecommunications" used to be read as a company "Telecommunications" that no document is about.
    assistant, _ = subset_of_six(six, tmp_path, real_embedder, ["2023 Q2 NVDA.pdf"], [PAPER])
    answer = assistant.ask("¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    assert not answer.abstained and "2013" in answer.answer and answer.citations[0].source == PAPER.name
    # A company no document is about is still declined, saying so.
    other = assistant.ask("¿Cuáles fueron los ingresos de Tesla en 2023?")
    assert other.abstained and "Tesla" in other.message
