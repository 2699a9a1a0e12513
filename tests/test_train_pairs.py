"""The SQuAD training pairs (assistant/train/pairs.py), and the near misses `fit --swap-negatives` adds."""

from __future__ import annotations

import random

from assistant.train.pairs import build_pairs, load_split, swapped_question


def test_a_near_miss_swaps_a_name_or_year_the_question_shares_with_its_answer_sentence():
    rng = random.Random(0)
    sentence = "In 1789 George Washington was inaugurated in New York."
    near = swapped_question("Where was Washington inaugurated?", sentence, ["Lincoln", "New York"], rng)
    assert near == "Where was Lincoln inaugurated?"  # a name the sentence has is never the replacement
    year = swapped_question("Who was inaugurated in 1789?", sentence, [], rng)
    assert year != "Who was inaugurated in 1789?" and year.startswith("Who was inaugurated in 17")
    assert "1789" not in year
    # Nothing shared with the sentence: no near miss.
    assert swapped_question("Who was inaugurated in Paris?", sentence, ["Lincoln"], rng) is None


def test_swap_negatives_only_add_negatives_and_keep_every_other_pair():
    articles = load_split()["train"][:2]
    plain = build_pairs(articles)
    swapped = build_pairs(articles, swap_negatives=True)
    added = len(swapped) - len(plain)
    assert added > 100
    assert sum(p.label for p in swapped) == sum(p.label for p in plain)
    positives = {(p.question, p.sentence) for p in plain if p.label}
    near = [p for p in swapped if (p.question, p.sentence) not in {(q.question, q.sentence) for q in plain}]
    assert len(near) == added and all(p.label == 0 for p in near)
    # Each near miss is paired with the sentence that answers the question it was made from.
    assert all(any(s == p.sentence for _, s in positives) for p in near)
