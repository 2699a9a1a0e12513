"""The SQuAD training pairs (assistant/train/pairs.py), the near misses `fit --swap-negatives` adds, and the
round-trip questions of `fit --roundtrip`."""

from __future__ import annotations

import random

from assistant.train.pairs import build_pairs, load_articles, load_split, swapped_question
from assistant.train.roundtrip import load_roundtrips


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
    answering = {p.sentence for p in plain if p.label}
    kept = {(p.question, p.sentence) for p in plain}
    near = [p for p in swapped if (p.question, p.sentence) not in kept]
    assert len(near) == added and all(p.label == 0 for p in near)
    # Each near miss is paired with the sentence that answers the question it was made from.
    assert all(p.sentence in answering for p in near)


def test_a_null_span_head_is_trained_to_point_at_cls_for_sentences_that_do_not_answer():
    import torch

    from assistant.train.model import build_network, encode_pairs, load_tokenizer
    from assistant.train.pairs import Pair

    pairs = [Pair("When was it founded?", "It was founded in 1990.", 1, (18, 22)),
             Pair("When was it founded?", "Cats sleep a lot.", 0)]
    tokenizer = load_tokenizer()
    plain, null = encode_pairs(tokenizer, pairs), encode_pairs(tokenizer, pairs, null_span=True)
    assert plain[0]["start"] == null[0]["start"] > 0  # the positive's phrase is the same either way
    assert (plain[1]["start"], plain[1]["end"]) == (-100, -100)  # no phrase loss for a negative ...
    assert (null[1]["start"], null[1]["end"]) == (0, 0)  # ... or a target on [CLS]
    ids = torch.tensor([null[1]["input_ids"]])
    types = torch.tensor([null[1]["token_type_ids"]])
    for flag in (False, True):
        with torch.no_grad():
            _, start, _ = build_network(null_span=flag).eval()(ids, torch.ones_like(ids), types)
        assert (start[0, 0] > -1e3) == flag  # only a null-span head may point at [CLS]
        assert start[0, 1] < -1e3  # the question's own tokens never start a phrase


def test_the_round_trip_file_holds_every_squad_question_in_apertium_english():
    trips = load_roundtrips()
    questions = {" ".join(qa["question"].split()) for a in load_articles() for p in a["paragraphs"] for qa in p["qas"]}
    assert questions <= set(trips)
    changed = [q for q in questions if trips[q] != q]
    assert len(changed) > 0.5 * len(questions)  # most questions come back worded otherwise
    assert all(trips[q].strip() for q in questions)


def test_roundtrip_share_rewords_that_share_of_the_questions_and_keeps_every_sentence_label_and_span():
    articles = load_split()["train"][:2]
    plain = build_pairs(articles)
    tripped = build_pairs(articles, roundtrip=load_roundtrips(), roundtrip_share=0.3)
    assert [(p.sentence, p.label, p.span) for p in plain] == [(p.sentence, p.label, p.span) for p in tripped]
    reworded = {(a.question, b.question) for a, b in zip(plain, tripped) if a.question != b.question}
    asked = {p.question for p in plain}
    assert 0.15 * len(asked) < len(reworded) < 0.45 * len(asked)
    trips = load_roundtrips()
    assert all(trips[" ".join(a.split())] == b for a, b in reworded)
    # A question is read in one form in all its pairs.
    assert len({a for a, _ in reworded}) == len(reworded)
