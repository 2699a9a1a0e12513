"""`python -m assistant.train soup`: the mean of several runs' weights, and the runs it refuses to mix."""

from pathlib import Path

import pytest
import torch

from assistant.train.cli import main
from assistant.train.model import average_weights


def _save(path: Path, weight, bias, ids) -> Path:
    torch.save({"layer.weight": torch.tensor(weight), "layer.bias": torch.tensor(bias),
                "position_ids": torch.tensor(ids)}, path)
    return path


def test_soup_is_the_elementwise_mean_and_keeps_integer_buffers(tmp_path):
    a = _save(tmp_path / "a.pt", [[1.0, 2.0], [3.0, 4.0]], [0.0, 1.0], [0, 1, 2])
    b = _save(tmp_path / "b.pt", [[3.0, 2.0], [1.0, 0.0]], [1.0, 1.0], [0, 1, 2])
    c = _save(tmp_path / "c.pt", [[2.0, 5.0], [2.0, 2.0]], [2.0, -2.0], [0, 1, 2])
    out = average_weights([a, b, c], tmp_path / "soup" / "final.pt")
    soup = torch.load(out)
    assert torch.allclose(soup["layer.weight"], torch.tensor([[2.0, 3.0], [2.0, 2.0]]))
    assert torch.allclose(soup["layer.bias"], torch.tensor([1.0, 0.0]))
    assert soup["position_ids"].dtype == torch.int64 and soup["position_ids"].tolist() == [0, 1, 2]


def test_soup_refuses_runs_of_different_networks(tmp_path):
    a = _save(tmp_path / "a.pt", [[1.0, 2.0]], [0.0], [0, 1])
    wider = _save(tmp_path / "b.pt", [[1.0, 2.0, 3.0]], [0.0], [0, 1])
    with pytest.raises(ValueError, match="same tensors"):
        average_weights([a, wider], tmp_path / "x.pt")
    other_ids = _save(tmp_path / "c.pt", [[1.0, 2.0]], [0.0], [1, 0])
    with pytest.raises(ValueError, match="integer tensor"):
        average_weights([a, other_ids], tmp_path / "x.pt")
    with pytest.raises(ValueError, match="two or more"):
        average_weights([a], tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_soup_command_writes_the_averaged_weights_and_which_runs_they_are(tmp_path, capsys):
    import json

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "train.json").write_text(json.dumps({"seed": 13, "null_span": True}))
    a = _save(tmp_path / "a" / "final.pt", [[0.0]], [2.0], [0])
    b = _save(tmp_path / "b.pt", [[4.0]], [4.0], [0])
    out = tmp_path / "soup" / "final.pt"
    assert main(["soup", "--weights", str(a), str(b), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert torch.load(out)["layer.bias"].item() == 3.0
    # export reads null_span from train.json beside the weights: the soup keeps the runs'
    assert json.loads((out.parent / "train.json").read_text()) == {"soup_of": [str(a), str(b)], "null_span": True}
    # A run's own folder (its weights or its record) is never overwritten.
    with pytest.raises(ValueError, match="holds a training run"):
        average_weights([a, b], tmp_path / "a" / "final.pt")
    assert torch.load(a)["layer.bias"].item() == 2.0


def test_init_seed_gives_runs_of_other_seeds_the_same_initial_heads(tmp_path):
    from assistant.train.model import train
    from assistant.train.pairs import Pair

    pairs = [Pair("When was it founded?", "It was founded in 1990.", 1, (18, 22)),
             Pair("When was it founded?", "Cats sleep a lot.", 0)]

    def heads(name, **seeds):  # learning rate 0: the saved weights are the initial ones
        state = torch.load(train(pairs, tmp_path / name, epochs=1, batch_size=2, lr=0.0, threads=1, **seeds))
        return torch.cat([state["answer.weight"].flatten(), state["span.weight"].flatten()])

    shared = heads("a", seed=1, init_seed=7)
    assert torch.equal(shared, heads("b", seed=2, init_seed=7))
    assert not torch.equal(shared, heads("c", seed=2))  # without it the heads follow --seed
