"""Table rows a question names by their label answer it (assistant/table_rows.py), with the real models. The
questions over real 10-Q filings are in tests/test_retrieval.py, which indexes the filings once."""

import pytest

from assistant.nlp import ampersand_spellings
from assistant.table_rows import holds_figures_only, label_text, named_words
from assistant.text import search_tokens

from conftest import assistant_over


def names(question: str, row: str) -> int:
    return named_words(question, set(search_tokens(question)), row)


@pytest.mark.parametrize("row, label", [
    ("Changes in operating assets and liabilities: Net cash from operations | Three Months Ended: 23,198",
     "Net cash from operations"),
    ("| Gross margin | 40,215 | 38,000 |", "Gross margin"),
    ("Inventories | September 30, 2022: 4,268", "Inventories"),
    # A Markdown or text table's row is held tab-separated.
    ("Small firms\tAccount for 95% of firms and 52% of output", "Small firms"),
])
def test_a_row_label_is_its_first_cell_without_the_headings_before_it(row, label):
    assert label_text(row) == label


@pytest.mark.parametrize("question, row, named", [
    ("What was the gross margin in Q3?", "Gross margin | Q3 2023: 40,215", 2),
    # Function words of the label ("and", "of") need not be named; every other word must be.
    ("How much did the company spend on research and development?", "Research and development | 2023: 7,457", 2),
    ("What was operating expense as a percentage of net revenue?", "% of net revenue | 2023: 34.9 %", 2),
    # A word a search leaves out still names the row: "Other, net" is not the row of a question about net cash,
    # nor "More Personal Computing" the row of one about "Personal Computing".
    ("What was the net cash from operations?", "Other, net | 2023: (860)", 0),
    ("What did the Personal Computing segment earn?", "More Personal Computing | 2023: 13,666", 0),
    ("What was the company's operating cash flow?", "Net cash provided by operating activities | 2023: 3,393", 0),
    # A label of adjectives alone is elliptical: the table's heading says what it totals, so "total" does not
    # name it (before, "Total" answered a question about one segment's share of the total revenue).
    ("What share of total revenue came from the Cloud segment?", "Total | 2023: $56,517", 0),
    ("What other income did the company report?", "Other | 2023: 1,204", 0),
    ("What was total revenue?", "Total revenue | 2023: $56,517", 2),
    # A word in parentheses is an alternative to its neighbour: "Net income (loss)" is the net income row and the
    # net loss row, but a question must still name the rest of the label.
    ("What was the company's net income in 2023?", "Net income (loss) | 2023: 3,172", 2),
    ("What was the net loss for the quarter?", "Net income (loss) | 2023: (2,758)", 2),
    ("What was the net loss for the quarter?", "Net income (loss) attributable to Acme | 2023: (2,758)", 0),
    ("How much net cash was used in investing activities?",
     "Net cash provided by (used in) investing activities | 2023: (4,120)", 5),
    ("What net gains on equity investments were recorded?", "(Gains) losses on equity investments, net | 2023: 169", 4),
    ("What was other expense, net?", "Other income/(expense), net | 2023: (443)", 3),
    ("How much did the company spend on research and development?", "Research and development (R&D) | 2023: 81", 2),
    # A group with a figure (a footnote mark, a date) qualifies the label and need not be named; a group of
    # several words is no alternative and stays part of the label.
    ("What were online stores sales?", "Online stores (1) | 2023: 51,096", 2),
    ("What is the town's population?", "Population (1 January 2024) | Count: 1.37 million", 1),
    ("What was the population in January?", "Population (1 January 2024) | Count: 1.37 million", 1),
    ("How much cash dividends were declared and paid?",
     "Cash dividends declared and paid ($0.04 per common share) | 2023: 165", 4),
    ("What was deferred revenue?", "Deferred revenue (current and long term) | 2023: 1,870", 0),
])
def test_a_question_names_a_row_when_it_names_every_word_of_its_label(question, row, named):
    assert names(question, row) == named


@pytest.mark.parametrize("cells, figures", [
    (["$5.2 billion", "2.38%–4.88%"], True),
    (["(1)ppt", "—"], True),
    (["1.37 million people"], True),
    (["Account for 95.4% of businesses"], False),  # a description is prose, whatever figures it holds
    (["—", "n/a"], False),  # no figure at all
])
def test_a_row_of_figures_is_told_from_a_row_that_describes(cells, figures):
    assert holds_figures_only(cells) is figures


def test_a_named_row_answers_where_the_model_alone_reads_prose(tmp_path, real_embedder):
    table = "\n".join([
        "| Item | 2023 | 2022 |", "| --- | --- | --- |",
        "| Net revenue | 12,949 | 15,321 |", "| Cost of sales | 8,311 | 9,734 |",
        "| Gross margin | 4,638 | 5,587 |", "| Research and development | 4,080 | 4,400 |",
    ])
    text = ("# Quarterly report\n\n## Results\n\nGross margin fell in 2023 because lower factory loadings raised "
            "unit costs, and the company expects gross margin to recover as new products ramp.\n\n"
            f"## Statement of income\n\nThe statement below is in millions of dollars.\n\n{table}\n")
    assistant = assistant_over(tmp_path, real_embedder, {"report.md": text})
    answer = assistant.ask("What was the gross margin in 2023?")
    assert not answer.abstained and answer.citations[0].kind == "row"
    assert answer.answer.strip(" |").startswith("Gross margin") and "4,638" in answer.answer
    # Why it fell is said in prose: an explanation question is not sent to the row.
    why = assistant.ask("Why did gross margin fall in 2023?")
    assert why.citations[0].kind != "row"
    # A year the row does not hold is a question about another period: the rule does not answer it (the model
    # still may).
    reader, query, hits = assistant._retrieve("What was the gross margin in 2019?", [])
    assert reader.structure.named_row(query, reader.candidates(query, hits)) is None
    reader, query, hits = assistant._retrieve("What was the gross margin in 2023?", [])
    assert reader.structure.named_row(query, reader.candidates(query, hits)) is not None


def test_an_ampersand_acronym_names_the_row_the_document_spells_out(tmp_path, real_embedder):
    text = ("Research and development rose. Sales, general and administrative costs fell; Research and "
            "development stayed first. Patents and licensed software are amortised. Sales, general and "
            "administrative spending is reviewed yearly.")
    assert ampersand_spellings("R&D", text) == ("Research and development",)  # (a capital first, then either)
    assert ampersand_spellings("SG&A", text) == ("Sales, general and administrative",)
    assert ampersand_spellings("P&L", text) == ()  # spelled once, by chance: no spelling
    assert ampersand_spellings("R&D", "Roads and drains. Roads and drains.") == ("Roads and drains",)
    table = "\n".join([
        "| Item | 2024 | 2023 |", "| --- | --- | --- |",
        "| Net revenue | 9,120 | 8,450 |", "| Research and development | 1,215 | 1,130 |",
        "| Selling and marketing | 640 | 610 |", "| Selling, general and administrative | 415 | 402 |",
        "| Operating income | 2,010 | 1,870 |",
    ])
    text = ("# Acme Harbour Tools annual report\n\n## Research\n\nResearch and development went to the new "
            "harbour cranes, and the development team grew to forty engineers during the year. Selling, "
            "general and administrative costs were held flat.\n\n"
            f"## Statement of income\n\nIn thousands of dollars.\n\n{table}\n")
    assistant = assistant_over(tmp_path, real_embedder, {"acme.md": text})
    answer = assistant.ask("What were the R&D costs in 2024?")
    # Before, "R&D" named no label word ("r", "d"), and the question was declined (no passage close enough).
    assert not answer.abstained and answer.citations[0].kind == "row"
    assert answer.answer.strip(" |").startswith("Research and development") and "1,215" in answer.answer
    # "SG" of "SG&A" is in no passage, but the folder writes the acronym in words: it is no unknown term (before,
    # the question was declined as naming something the documents never mention).
    answer = assistant.ask("What were the SG&A costs in 2024?")
    assert not answer.abstained and answer.citations[0].kind == "row"
    assert answer.answer.strip(" |").startswith("Selling, general and administrative") and "415" in answer.answer


def test_a_label_in_a_table_of_amounts_and_one_of_percentages_answers_with_the_kind_asked_for(tmp_path,
                                                                                              real_embedder):
    amounts = "\n".join([
        "| Item | 2024 | 2023 |", "| --- | --- | --- |",
        "| Net revenue | 9,120 | 8,450 |", "| Research and development | 1,215 | 1,130 |",
        "| Selling and marketing | 640 | 610 |", "| Operating income | 2,010 | 1,870 |",
    ])
    # A common-size statement: its first row is 100 percent, and its other rows write their percentages bare.
    shares = "\n".join([
        "| Item | 2024 | 2023 |", "| --- | --- | --- |", "| Net revenue | 100.0 % | 100.0 % |",
        "| Research and development | 13.3 | 13.4 |", "| Selling and marketing | 7.0 | 7.2 |",
        "| Operating income | 22.0 | 22.1 |",
    ])
    text = ("# Harbourtown Cranes annual report\n\n## Statement of income\n\nIn thousands of dollars.\n\n"
            f"{amounts}\n\n## Costs as a percentage of net revenue\n\nEach line as a percentage of net revenue.\n\n"
            f"{shares}\n")
    assistant = assistant_over(tmp_path, real_embedder, {"cranes.md": text})
    # Before, the best ranked of the two "Research and development" rows answered both questions: the percentages.
    amount = assistant.ask("What were the research and development costs in 2024?")
    assert not amount.abstained and amount.citations[0].kind == "row" and "1,215" in amount.answer
    share = assistant.ask("What was research and development as a percentage of revenue in 2024?")
    assert not share.abstained and share.citations[0].kind == "row" and "13.3" in share.answer
