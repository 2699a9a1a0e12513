"""The table-row training pairs (assistant/train/rows.py): made from the tuning companies' filings only, each
question paired with its row (the answer phrase on that row's value) and with other rows and prose as negatives."""

from __future__ import annotations

from collections import defaultdict

from assistant.text import search_tokens
from assistant.train.rows import TUNING_COMPANIES, build_row_pairs, load_pairs
from conftest import FIXTURES


def test_pairs_come_from_tuning_companies_only():
    assert build_row_pairs([FIXTURES / "2023 Q3 AAPL.pdf", FIXTURES / "2022 Q3 AAPL.pdf"]) == []
    shipped = load_pairs()
    assert len(shipped) > 5000
    assert {p.article.split()[-1].removesuffix(".pdf") for p in shipped} <= set(TUNING_COMPANIES)


def test_a_row_question_names_its_row_and_marks_a_value():
    pairs = build_row_pairs([FIXTURES / "2023 Q2 NVDA.pdf", FIXTURES / "2023 Q1 MSFT.pdf"], seed=5)
    by_question = defaultdict(list)
    for p in pairs:
        by_question[p.question].append(p)
    positives = [p for p in pairs if p.label == 1]
    assert len(positives) >= 50
    for p in positives:
        label = p.sentence.split(" | ", 1)[0].rsplit(": ", 1)[-1]
        assert set(search_tokens(label)) & set(search_tokens(p.question)), (p.question, p.sentence)
        if p.span is None:  # the value could not be placed in the row as the model reads it: no phrase loss
            continue
        a, b = p.span
        # The phrase is one cell's value: it follows its header (or the cell mark) and ends where the cell does.
        assert p.sentence[a:b].strip() and p.sentence[a - 2:a] in (": ", "| ")
        assert b == len(p.sentence) or p.sentence[b:b + 2] == " |"
        negatives = [n for n in by_question[p.question] if n.label == 0]
        assert negatives and all(n.sentence != p.sentence for n in negatives)
    assert sum(p.span is not None for p in positives) >= 0.9 * len(positives)
    # Questions about a label the table does not have: only negatives.
    unanswerable = [q for q, ps in by_question.items() if not any(p.label for p in ps)]
    assert len(unanswerable) >= 10
