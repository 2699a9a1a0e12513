"""The gold sets, run with the real model: a regression in answering fails the suite.

On the tuning set the floors are the issue's targets (the measured values in docs/answering.md are above
them); on the held-out set, which was never tuned on, they are the measured values rounded down.
"""

import pytest

from assistant.evaluate import evaluate, load_gold

from conftest import GOLD, indexed_assistant


@pytest.fixture(scope="module")
def dev_summary(paper_assistant):
    return evaluate(paper_assistant, load_gold(GOLD / "questions.jsonl")).summary()


def test_gold_set_is_large_and_covers_what_the_issue_asks(paper_assistant):
    items = load_gold(GOLD / "questions.jsonl")
    assert len(items) >= 60
    assert sum(not i["answerable"] for i in items) >= 15
    assert sum(bool(i["history"]) for i in items) >= 5
    text = paper_assistant.store.chunks[0].text  # the index is built from the paper
    assert text
    for item in items:
        if item["answerable"]:
            assert item["facts"] and item["evidence"] and item["section"]


def test_answer_accuracy_and_abstention_on_the_gold_set(dev_summary):
    assert dev_summary["answer_accuracy"] >= 0.95
    assert dev_summary["answerable_abstained"] <= 0.05
    assert dev_summary["abstention_recall"] >= 0.90
    assert dev_summary["abstention_precision"] >= 0.95


def test_first_citation_is_in_the_expected_section(dev_summary):
    assert dev_summary["citation_accuracy"] >= 0.95


def test_retrieval_finds_the_evidence(dev_summary):
    assert dev_summary["recall_at_5"] >= 0.95
    assert dev_summary["mrr"] >= 0.8


def test_held_out_set_written_apart_from_the_tuning_set(paper_assistant):
    summary = evaluate(paper_assistant, load_gold(GOLD / "heldout.jsonl")).summary()
    assert summary["answer_accuracy"] >= 0.80
    assert summary["answerable_abstained"] <= 0.05
    assert summary["abstention_recall"] >= 0.90


def test_a_second_document_with_questions_written_apart(tmp_path, real_embedder):
    """tests/gold/extra: a paper on Estonia's e-government and 45 questions, by a writer who never saw the code."""
    assistant = indexed_assistant(GOLD / "extra" / "corpus", tmp_path / "index", real_embedder)
    summary = evaluate(assistant, load_gold(GOLD / "extra" / "questions.jsonl")).summary()
    assert summary["answer_accuracy"] >= 0.75
    assert summary["answerable_abstained"] <= 0.05
    assert summary["abstention_recall"] >= 0.90
    assert summary["abstention_precision"] >= 0.90
    assert summary["citation_accuracy"] >= 0.85
