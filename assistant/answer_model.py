"""The trained reader model (assistant/models/reader, int8 ONNX, 7-bit weights): does a sentence answer a question,
and where.

It is all-MiniLM-L6-v2 fine-tuned on SQuAD 2.0 articles (docs/reader-model.md; reproduced by
`python -m assistant.train`). This module runs it with ONNX Runtime only: no PyTorch at question time.
"""

from __future__ import annotations

import json
import math
import threading
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"
MAX_SPAN_TOKENS = 30  # the span confidence: the best phrase of up to this many tokens (longer is a clause)
PHRASE_TOKENS = 15  # the phrase marked: the best of up to this many tokens (docs/answering.md, section 3)
# Each (question, sentence) pair is read in a run of its own, never in a batch: the int8 model quantises its
# activations with one scale per run, so in a batch a pair's score depended on the other pairs read with it, and
# every pair was padded to the longest (a list read whole, 128 tokens, doubled the work of eleven sentences of 50).
# One pair a run is as fast here (docs/benchmarks.md) and gives a sentence the same score whatever else is read.
# A run uses two threads where there are two cores, with ONNX Runtime's spin-waiting off: a question is read in
# about half the time on an idle machine, and faster too with both cores busy, where spinning threads would take
# turns from the work (docs/benchmarks.md, "The reader model's threads"). The scores are the same, bit for bit.
READER_THREADS = 2


class ReaderModelUnavailable(RuntimeError):
    """The reader model files are missing or unreadable."""


@dataclass(frozen=True)
class Scored:
    logit: float  # the model's answer logit
    probability: float  # calibrated: the chance that this sentence answers the question
    span: tuple[int, int] | None  # the answer phrase as character offsets into the scored text
    span_score: float = 0.0  # start + end logit of that phrase: how sure the span head is of it


def sigmoid(z: float) -> float:
    """The logistic function, clipped so that math.exp cannot overflow."""
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


class AnswerModel:
    def __init__(self, directory: Path = MODEL_DIR, threads: int | None = None):
        from .embedding import cpu_threads

        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            self.config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or min(READER_THREADS, cpu_threads())
            options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = ort.InferenceSession(str(directory / "model.onnx"), options,
                                                providers=["CPUExecutionProvider"])
        except (OSError, ValueError, ImportError) as exc:
            raise ReaderModelUnavailable(
                f"The reader model in {directory} cannot be loaded ({exc}); restore it from git "
                f"or rebuild it with `python -m assistant.train`.") from None
        # Longest first: a question longer than the whole budget (a pasted paragraph) is cut too, instead of
        # failing; for ordinary questions it cuts only the sentence, as in training.
        self.tokenizer.enable_truncation(max_length=int(self.config["max_length"]), strategy="longest_first")
        self.tokenizer.no_padding()
        calibration = self.config.get("calibration", {})
        self.scale = float(calibration.get("scale", 1.0))
        self.bias = float(calibration.get("bias", 0.0))
        # Trained with a "no phrase" target on [CLS] (docs/reader-model.md): span_score is the phrase's start+end
        # logit over that of [CLS].
        self.null_span = bool(self.config.get("null_span", False))
        self._lock = threading.Lock()

    def probability(self, logit: float) -> float:
        return sigmoid(self.scale * logit + self.bias)

    def score(self, question: str, texts: Sequence[str]) -> list[Scored]:
        """One Scored per text, in order."""
        if not texts:
            return []
        encodings = self.tokenizer.encode_batch([(question, t) for t in texts])
        out = []
        for enc in encodings:  # one pair a run (see the note on top)
            ids = np.asarray([enc.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64)}
            with self._lock:  # one ONNX run at a time per model: the chat's threads share it
                logits, starts, ends = self.session.run(None, feed)
            span, span_score = _best_span(starts[0], ends[0], enc)
            if self.null_span:  # a head trained to point at [CLS] when there is no phrase: the phrase's lead
                span_score -= float(starts[0][0] + ends[0][0])
            out.append(Scored(float(logits[0]), self.probability(float(logits[0])), span, span_score))
        return out


@lru_cache(maxsize=4)
def load_answer_model(directory: Path = MODEL_DIR) -> AnswerModel:
    """One model per process: it is read-only, and every Assistant of the process can share it."""
    return AnswerModel(directory)


def _best_span(start: np.ndarray, end: np.ndarray, encoding) -> tuple[tuple[int, int] | None, float]:
    """The phrase marked: the highest start+end pair over the text's tokens (end not before start, at most
    PHRASE_TOKENS), and the span confidence: the highest start+end logit of a phrase of up to MAX_SPAN_TOKENS."""
    inside = [t for t, s in enumerate(encoding.sequence_ids) if s == 1]
    if not inside:
        return None, 0.0
    first, last = inside[0], inside[-1] + 1
    s = start[first:last]
    e = end[first:last]
    n = len(s)
    grid = s[:, None] + e[None, :]
    ordered = np.triu(np.ones((n, n), dtype=bool))
    confidence = float(np.max(np.where(ordered & ~np.triu(ordered, k=MAX_SPAN_TOKENS), grid, -np.inf)))
    grid = np.where(ordered & ~np.triu(ordered, k=PHRASE_TOKENS), grid, -np.inf)
    a, b = np.unravel_index(int(np.argmax(grid)), grid.shape)
    offsets = encoding.offsets
    return (offsets[first + a][0], offsets[first + b][1]), confidence
