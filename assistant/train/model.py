"""The reader network and its training loop: all-MiniLM-L6-v2 with an answer head and a span head.

Input: "[CLS] question [SEP] sentence [SEP]". Outputs: one logit that the sentence answers the question
(from the mean of the token states, the pooling the packaged model was trained with), and start/end logits
over the tokens for the answer phrase (trained on positives only). Needs PyTorch and transformers; the
assistant itself runs the ONNX export (assistant/answer_model.py) and never imports this module.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from pathlib import Path

import numpy as np

from ..embedding import model_path
from .pairs import Pair

log = logging.getLogger(__name__)

MAX_LENGTH = 128  # question + sentence; batches are padded to their longest pair, not to this
SPAN_WEIGHT = 0.5  # weight of the answer-phrase loss against the answer/not-answer loss


def _torch():
    import torch

    return torch


def build_network(base: str | None = None, null_span: bool = False):
    """The reader: MiniLM with an answer head (does this sentence answer?) and a span head (which phrase). With
    null_span the span head may also point at the first token ([CLS]), which is where it is trained to point for
    a sentence that does not answer, as SQuAD 2.0 readers do: the phrase's score over that "no phrase" score is
    then the head's own say on whether there is an answer."""
    torch = _torch()
    from transformers import AutoModel

    class ReaderNet(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.answer = torch.nn.Linear(hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            answer_logit = self.answer(pooled).squeeze(-1)
            span = self.span(states)
            # Only the sentence's tokens can start or end the phrase; token_type_ids marks them (1).
            outside = (token_type_ids == 0) | (attention_mask == 0)
            if null_span:
                first = torch.arange(outside.shape[1], device=outside.device).unsqueeze(0) == 0
                outside = outside & ~first
            start = span[..., 0].masked_fill(outside, -1e4)
            end = span[..., 1].masked_fill(outside, -1e4)
            return answer_logit, start, end

    encoder = AutoModel.from_pretrained(base or model_path(), local_files_only=True, attn_implementation="eager")
    return ReaderNet(encoder)


def load_tokenizer(base: str | None = None):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(base or model_path(), local_files_only=True)


def encode_pairs(tokenizer, pairs: list[Pair], null_span: bool = False) -> list[dict]:
    """Token ids and, for positives, the token positions of the answer phrase (with null_span, negatives point
    at the first token)."""
    enc = tokenizer([p.question for p in pairs], [p.sentence for p in pairs], truncation="only_second",
                    max_length=MAX_LENGTH, return_offsets_mapping=True)
    out = []
    for i, pair in enumerate(pairs):
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        start = end = 0 if null_span and pair.label == 0 else -100  # -100: ignored by the loss
        if pair.span is not None:
            a, b = pair.span
            inside = [t for t, s in enumerate(seq) if s == 1 and offsets[t][1] > a and offsets[t][0] < b]
            if inside:
                start, end = inside[0], inside[-1]
        out.append({"input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                    "label": pair.label, "start": start, "end": end})
    return out


def batches(encoded: list[dict], batch_size: int, rng: random.Random) -> list[list[dict]]:
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    pool = batch_size * 50
    out = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: len(encoded[j]["input_ids"]))
        out.extend([encoded[j] for j in chunk[k:k + batch_size]] for k in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def question_batches(encoded: list[dict], per_batch: int, rng: random.Random) -> list[list[dict]]:
    """Batches of whole questions: all the pairs of `per_batch` questions (entries sharing a "group"), questions of
    similar length together, in random order. The listwise loss needs a question's pairs in one batch."""
    by_group: dict[int, list[dict]] = {}
    for entry in encoded:
        by_group.setdefault(entry["group"], []).append(entry)
    groups = list(by_group.values())
    rng.shuffle(groups)
    pool = per_batch * 50
    out = []
    for i in range(0, len(groups), pool):
        chunk = sorted(groups[i:i + pool], key=lambda g: max(len(e["input_ids"]) for e in g))
        out.extend([e for g in chunk[k:k + per_batch] for e in g] for k in range(0, len(chunk), per_batch))
    rng.shuffle(out)
    return out


def listwise_loss(answer, labels, groups):
    """The mean, over the batch's questions with exactly one answer sentence, of the cross-entropy of the softmax
    over that question's answer logits towards its answer sentence (0 when the batch has none)."""
    torch = _torch()
    losses = []
    for g in torch.unique(groups):
        mine = groups == g
        if int(labels[mine].sum()) == 1 and int(mine.sum()) > 1:
            losses.append(torch.nn.functional.cross_entropy(answer[mine].unsqueeze(0),
                                                            labels[mine].argmax().unsqueeze(0)))
    return torch.stack(losses).mean() if losses else answer.sum() * 0.0


def collate(batch: list[dict]):
    torch = _torch()
    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.zeros(len(batch), width, dtype=torch.long)
    types = torch.zeros(len(batch), width, dtype=torch.long)
    mask = torch.zeros(len(batch), width, dtype=torch.long)
    for i, b in enumerate(batch):
        n = len(b["input_ids"])
        ids[i, :n] = torch.tensor(b["input_ids"])
        types[i, :n] = torch.tensor(b["token_type_ids"])
        mask[i, :n] = 1
    labels = torch.tensor([b["label"] for b in batch], dtype=torch.float32)
    starts = torch.tensor([b["start"] for b in batch])
    ends = torch.tensor([b["end"] for b in batch])
    return ids, mask, types, labels, starts, ends


def train(pairs: list[Pair], out_dir: Path, epochs: float = 2.0, batch_size: int = 32, lr: float = 5e-5,
          seed: int = 13, threads: int = 2, log_every: int = 50, checkpoint_every: int = 300,
          stop_after: float | None = None, null_span: bool = False, init_seed: int | None = None,
          span_only: bool = False, listwise: float = 0.0) -> Path:
    """Fine-tune and save state to out_dir/final.pt; resumes from out_dir/checkpoint.pt when present.

    The learning rate decays over `epochs`; with stop_after, training ends after that many epochs (the
    schedule unchanged), which is how the shipped model was made (docs/reader-model.md). span_only trains a
    phrase model: the positives alone, with the span loss alone (its answer head stays as drawn). listwise adds that
    weight times the listwise loss (listwise_loss), with batches of whole questions (question_batches). init_seed, when
    given, draws the new heads' initial weights apart from `seed` (which then draws the pairs, batches and
    dropout), so that runs differing only in data order start from the same network and can be averaged.
    """
    torch = _torch()
    torch.manual_seed(seed if init_seed is None else init_seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer()
    encoded = encode_pairs(tokenizer, pairs, null_span)
    if span_only:
        encoded = [e for e in encoded if e["start"] >= 0]
        if not encoded:
            raise ValueError("a phrase model needs positive pairs with an answer phrase, and none was given")
    net = build_network(null_span=null_span)
    if init_seed is not None:
        torch.manual_seed(seed)
    steps_per_epoch = math.ceil(len(encoded) / batch_size)
    make_batches = lambda: batches(encoded, batch_size, rng)  # noqa: E731
    if listwise:
        keys: dict[tuple[str, str], int] = {}
        for entry, pair in zip(encoded, pairs):
            entry["group"] = keys.setdefault((pair.article, pair.question), len(keys))
        per_batch = max(1, round(batch_size * len(keys) / len(encoded)))  # about batch_size pairs a batch
        steps_per_epoch = math.ceil(len(keys) / per_batch)
        make_batches = lambda: question_batches(encoded, per_batch, rng)  # noqa: E731
    total = int(steps_per_epoch * epochs)
    warmup = max(1, int(0.06 * total))
    no_decay = ("bias", "LayerNorm.weight")
    groups = [{"params": [p for n, p in net.named_parameters() if not any(k in n for k in no_decay)],
               "weight_decay": 0.01},
              {"params": [p for n, p in net.named_parameters() if any(k in n for k in no_decay)],
               "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    step = 0
    checkpoint = out_dir / "checkpoint.pt"
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        step = state["step"]
        rng.setstate(state["rng"])
        log.info("resumed at step %d of %d", step, total)
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    net.train()
    started, seen, running = time.time(), 0, []
    epoch_batches: list = []
    done_in_epoch = step % steps_per_epoch
    epoch_rng_state = rng.getstate()
    last = total if stop_after is None else min(total, int(steps_per_epoch * stop_after))
    while step < last:
        if not epoch_batches:
            epoch_batches = make_batches()[done_in_epoch:]
            done_in_epoch = 0
            epoch_rng_state = rng.getstate()
        batch = epoch_batches.pop(0)
        ids, mask, types, labels, starts, ends = collate(batch)
        answer, start_logits, end_logits = net(ids, mask, types)
        if span_only:
            loss = 0.5 * (ce(start_logits, starts) + ce(end_logits, ends))
        else:
            loss = bce(answer, labels)
            if (starts >= 0).any():
                loss = loss + SPAN_WEIGHT * 0.5 * (ce(start_logits, starts) + ce(end_logits, ends))
            if listwise:
                loss = loss + listwise * listwise_loss(answer, labels, torch.tensor([b["group"] for b in batch]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        seen += len(batch)
        running.append(float(loss.detach()))
        if step % log_every == 0:
            rate = seen / (time.time() - started)
            log.info("step %d/%d loss %.4f  %.1f pairs/s  eta %.0f min", step, total,
                     float(np.mean(running[-log_every:])), rate, (total - step) * batch_size / rate / 60)
        if step % checkpoint_every == 0 or step == last:
            # The rng state saved is the one this epoch's batches were drawn with, so a resume redraws them.
            torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                        "schedule": schedule.state_dict(), "step": step, "rng": epoch_rng_state},
                       out_dir / "checkpoint.tmp")
            (out_dir / "checkpoint.tmp").replace(checkpoint)
        if step % steps_per_epoch == 0:
            torch.save(net.state_dict(), out_dir / f"epoch{step // steps_per_epoch}.pt")
    torch.save(net.state_dict(), out_dir / "final.pt")
    (out_dir / "train.json").write_text(json.dumps({"pairs": len(encoded), "epochs": epochs, "batch_size": batch_size,
                                                    "lr": lr, "seed": seed, "steps": last, "schedule_steps": total,
                                                    "null_span": null_span, "init_seed": init_seed,
                                                    "span_only": span_only, "listwise": listwise,
                                                    "minutes": round((time.time() - started) / 60, 1)}))
    return out_dir / "final.pt"


def average_weights(weights: list[Path], out: Path) -> Path:
    """Write the element-wise mean of several runs' saved weights to `out` (a "model soup"), and beside it a
    train.json naming the runs (with the first run's null_span, which `export` reads).

    Runs fine-tuned from the same network (the same base, and heads drawn with the same `fit --init-seed`)
    stay close enough in weight space that their mean is itself a model, of the same size and speed
    (Wortsman et al., "Model soups", ICML 2022); runs whose heads started apart do not average well. What the
    soups tried here scored is in docs/reader-model.md. Every run must have the same tensors; integer buffers
    (token-type ids, position ids) must agree and are kept as is.
    """
    torch = _torch()
    if len(weights) < 2:
        raise ValueError("averaging needs the weights of two or more runs")
    record = out.parent / "train.json"
    if record.is_file() and "soup_of" not in json.loads(record.read_text()):
        raise ValueError(f"{out.parent} holds a training run; write the soup into a folder of its own")
    states = [torch.load(path, map_location="cpu") for path in weights]
    keys = list(states[0])
    for path, state in zip(weights[1:], states[1:]):
        if list(state) != keys or any(state[k].shape != states[0][k].shape for k in keys):
            raise ValueError(f"{path} does not hold the same tensors as {weights[0]}: runs of different networks "
                             f"cannot be averaged")
    soup = {}
    for key in keys:
        tensors = [state[key] for state in states]
        if tensors[0].is_floating_point():
            soup[key] = torch.stack([t.float() for t in tensors]).mean(dim=0).to(tensors[0].dtype)
        elif all(torch.equal(tensors[0], t) for t in tensors[1:]):
            soup[key] = tensors[0]
        else:
            raise ValueError(f"{key} is an integer tensor that differs between the runs, so it cannot be averaged")
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(soup, out)
    first = weights[0].parent / "train.json"
    null_span = bool(json.loads(first.read_text()).get("null_span")) if first.is_file() else False
    record.write_text(json.dumps({"soup_of": [str(p) for p in weights], "null_span": null_span}))
    return out
