"""What every benchmark section shares: the plan (full or quick), caches, loaded embedders, timing wrappers."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.embedding import ModelUnavailable, OnnxEncoder, SentenceTransformerEmbedder, onnx_model_file

from .data import PAPER, REAL_PDFS
from .report import Results


@dataclass(frozen=True)
class Plan:
    """Sizes and repeats. Full mode is what the targets are about; quick mode only proves it all runs."""

    quick: bool
    runs: int  # repeats whose median is reported
    documents: int  # the generated corpus
    min_chunks: int
    big_documents: int  # the corpus behind the 100k-chunk index
    big_chunks: int
    vector_sizes: tuple[int, ...]  # synthetic vectors for the FAISS comparison
    hnsw_up_to: int  # HNSW is built for comparison only up to this many vectors (its build is slow)
    gold_limit: int | None  # gold questions used (None: all)
    passes: int  # passes over the gold questions when measuring latency
    sweep_questions: int  # questions per cell of the thread sweep
    child_runs: int  # repeats of process start-up measurements
    app: bool  # measure the Streamlit app too

    @classmethod
    def full(cls) -> "Plan":
        return cls(quick=False, runs=3, documents=100, min_chunks=2000, big_documents=1000, big_chunks=100_000,
                   vector_sizes=(100_000, 1_000_000), hnsw_up_to=100_000, gold_limit=None, passes=3,
                   sweep_questions=30, child_runs=5, app=True)

    @classmethod
    def quick_plan(cls) -> "Plan":
        return cls(quick=True, runs=1, documents=8, min_chunks=120, big_documents=20, big_chunks=2_000,
                   vector_sizes=(20_000,), hnsw_up_to=20_000, gold_limit=12, passes=1, sweep_questions=6,
                   child_runs=1, app=False)


@dataclass
class Context:
    plan: Plan
    cache: Path  # generated data kept between runs
    work: Path  # scratch space for this run
    results: Results
    shared: dict = field(default_factory=dict)  # numbers one section hands to a later one
    _embedders: dict[str, SentenceTransformerEmbedder] = field(default_factory=dict)

    @property
    def sources(self) -> list[Path]:
        """Where generated corpora take their sentences; quick mode skips the slow 72-page PDF."""
        return [PAPER, REAL_PDFS[0]] if self.plan.quick else [PAPER, *REAL_PDFS]

    @property
    def backends(self) -> list[str]:
        """The backends that load here: PyTorch always, ONNX Runtime when it is installed and exports."""
        if "backends" not in self.shared:
            available = ["torch"]
            try:
                self.embedder("onnx")
                available.append("onnx")
            except ModelUnavailable as exc:
                self.results.notes.append(f"ONNX Runtime is unavailable here ({exc}); only PyTorch was measured.")
            self.shared["backends"] = available
        return self.shared["backends"]

    def embedder(self, backend: str, query_threads: int | None = None) -> SentenceTransformerEmbedder:
        """A loaded embedder per (backend, question threads), with the question cache off: every
        question is really encoded."""
        key = f"{backend}/{query_threads}"
        if key not in self._embedders:
            embedder = SentenceTransformerEmbedder(backend=backend, query_threads=query_threads, query_cache=0)
            embedder.encode_query("load the weights")
            self._embedders[key] = embedder
        return self._embedders[key]

    def int8_embedder(self) -> SentenceTransformerEmbedder | None:
        """The ONNX export quantised to int8 (dynamic, per channel), to weigh speed against quality; or None."""
        if "int8" not in self.shared:
            self.shared["int8"] = None
            if "onnx" in self.backends:
                try:
                    self.shared["int8"] = self._quantise()
                except Exception as exc:  # noqa: BLE001 - an optional comparison; say why it is missing
                    self.results.notes.append(f"The int8 variant was not measured ({exc.__class__.__name__}: {exc}).")
        return self.shared["int8"]

    def _quantise(self) -> SentenceTransformerEmbedder:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        source = onnx_model_file()
        target = self.work / "onnx-int8" / "model.onnx"
        target.parent.mkdir(parents=True, exist_ok=True)
        root = logging.getLogger()
        level, handlers = root.level, list(root.handlers)
        try:
            quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        finally:  # the quantiser turns on debug logging for the whole process; put it back
            root.setLevel(level)
            root.handlers[:] = handlers
        shutil.copy(source.parent / "tokenizer.json", target.parent / "tokenizer.json")
        embedder = SentenceTransformerEmbedder(backend="onnx", query_cache=0, encoder=OnnxEncoder(target))
        embedder.encode_query("load the weights")
        return embedder

    def drop_embedders(self) -> None:
        self._embedders.clear()


class TimedEmbedder:
    """Passes calls through to an embedder and adds up the time spent encoding."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.document_seconds = 0.0
        self.documents = 0
        self.query_seconds: list[float] = []

    def encode_documents(self, texts, progress=None) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.encode_documents(texts, progress)
        self.document_seconds += time.perf_counter() - started
        self.documents += len(texts)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.encode_query(text)
        self.query_seconds.append(time.perf_counter() - started)
        return out
