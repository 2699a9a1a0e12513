"""Training options tried beside the shipped recipe (docs/reader-model.md): `fit --span-only`, `fit --listwise`,
`fit --verifier`."""

import pytest
import torch


def test_span_only_trains_the_phrase_on_positives_and_leaves_the_answer_head_as_drawn(tmp_path):
    import json

    from assistant.train.model import train
    from assistant.train.pairs import Pair

    pairs = [Pair("When was it founded?", "It was founded in 1990.", 1, (18, 22)),
             Pair("When was it founded?", "Cats sleep a lot.", 0),
             Pair("Who wrote it?", "It was written by Ann Lee.", 1, (18, 25))]
    drawn = torch.load(train(pairs, tmp_path / "drawn", epochs=1, batch_size=2, lr=0.0, threads=1, seed=3))
    trained = torch.load(train(pairs, tmp_path / "phrase", epochs=2, batch_size=2, lr=1e-3, threads=1, seed=3,
                               span_only=True))
    assert torch.equal(trained["answer.weight"], drawn["answer.weight"])  # no answer loss reaches it
    assert not torch.equal(trained["span.weight"], drawn["span.weight"])
    assert json.loads((tmp_path / "phrase" / "train.json").read_text())["pairs"] == 2  # the negative left out
    with pytest.raises(ValueError, match="positive pairs"):
        train(pairs[1:2], tmp_path / "none", epochs=1, batch_size=2, threads=1, span_only=True)


def test_listwise_loss_is_the_softmax_cross_entropy_over_each_answerable_questions_pairs():
    from assistant.train.model import listwise_loss

    answer = torch.tensor([2.0, 0.0, 1.0, 3.0, 0.5, -1.0])
    labels = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    groups = torch.tensor([0, 0, 0, 1, 1, 2])  # question 1 has no answer sentence, question 2 one pair: left out
    want = -torch.log_softmax(torch.tensor([2.0, 0.0, 1.0]), 0)[0]
    assert torch.isclose(listwise_loss(answer, labels, groups), want)
    assert listwise_loss(answer, torch.zeros(6), groups).item() == 0.0


def test_question_batches_keep_each_questions_pairs_together():
    import random

    from assistant.train.model import question_batches

    encoded = [{"group": g, "input_ids": [0] * (3 + g % 4)} for g in range(20) for _ in range(g % 3 + 1)]
    out = question_batches(encoded, 3, random.Random(1))
    assert sorted(id(e) for b in out for e in b) == sorted(id(e) for e in encoded)
    for batch in out:
        groups = {e["group"] for e in batch}
        assert len(groups) <= 3
        assert all(sum(e["group"] == g for e in batch) == g % 3 + 1 for g in groups)  # whole questions only


def test_fit_with_listwise_adds_the_loss_over_batches_of_whole_questions(tmp_path, monkeypatch):
    import json

    from assistant.train import model
    from assistant.train.pairs import Pair

    pairs = [Pair("When was it founded?", "It was founded in 1990.", 1, (18, 22), "a"),
             Pair("When was it founded?", "Cats sleep a lot.", 0, None, "a"),
             Pair("Who wrote it?", "It was written by Ann Lee.", 1, (18, 25), "a"),
             Pair("Who wrote it?", "It was founded in 1990.", 0, None, "a"),
             Pair("Who wrote it?", "Cats sleep a lot.", 0, None, "b")]  # another article's question
    seen = []
    real = model.listwise_loss

    def spy(answer, labels, groups):
        seen.append((groups.tolist(), labels.tolist()))
        return real(answer, labels, groups)

    monkeypatch.setattr(model, "listwise_loss", spy)
    model.train(pairs, tmp_path / "list", epochs=2, batch_size=2, lr=1e-3, threads=1, seed=3, listwise=1.0)
    record = json.loads((tmp_path / "list" / "train.json").read_text())
    # three questions (the same words in two articles are two), about two pairs a batch: one question a batch
    assert record["listwise"] == 1.0 and record["steps"] == 6 and len(seen) == 6
    sizes = {(0,): 2, (1,): 2, (2,): 1}
    for groups, labels in seen:
        assert len(set(groups)) == 1 and len(groups) == sizes[(groups[0],)]  # each question's pairs, all of them
    assert sorted(sum(labels) for _, labels in seen) == [0, 0, 1, 1, 1, 1]
    model.train(pairs, tmp_path / "plain", epochs=1, batch_size=2, threads=1, seed=3)
    assert len(seen) == 6  # without --listwise the loss is never asked


def test_verifier_pairs_are_answer_sentences_against_the_sentence_each_unanswerable_question_was_written_against(
        monkeypatch):
    from assistant.train import pairs as module

    context = ("Acme was founded in Harbourtown in 1921. Its first mill burned down in 1930. "
               "The company moved to Valmar after the fire.")
    article = {"title": "Acme", "paragraphs": [{"context": context, "qas": [
        {"question": "When was Acme founded?", "is_impossible": False,
         "answers": [{"answer_start": context.index("1921"), "text": "1921"}]},
        {"question": "When did Acme's second mill burn down?", "is_impossible": True, "answers": [],
         "plausible_answers": [{"answer_start": context.index("1930"), "text": "1930"}]}]}]}
    monkeypatch.setattr(module, "load_articles", lambda names=None: [article])
    pairs = sorted(module.build_verifier_pairs(["Acme"]), key=lambda p: -p.label)
    assert [(p.label, p.sentence) for p in pairs] == [
        (1, "Acme was founded in Harbourtown in 1921."), (0, "Its first mill burned down in 1930.")]
    assert pairs[0].sentence[slice(*pairs[0].span)] == "1921" and pairs[1].span is None
