"""`fit --span-only`: a phrase model, trained on the positive pairs with the span loss alone (docs/reader-model.md)."""

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
