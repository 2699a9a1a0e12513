"""Shared fixtures: the real packaged model (loaded once), a deterministic fake, and built indexes."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.assistant import Assistant  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embedding import SentenceTransformerEmbedder  # noqa: E402
from assistant.build import build_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAPER = ROOT / "corpus" / "g20-mexico-dpi.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_PDFS = [FIXTURES / "2022 Q3 AAPL.pdf", FIXTURES / "2023 Q1 MSFT.pdf"]
GOLD = Path(__file__).resolve().parent / "gold"


# The files that take longest, longest first, in seconds of one worker's time in a full run on 2026-12-07 (a per-test
# timeline; docs/benchmarks.md). `make test` runs them first and the many short files after (pytest-xdist's
# --dist loadfile with --no-loadscope-reorder hands out files in collection order), so that the two workers end
# together: in pytest-xdist's own order (most tests first) the four longest came last and one worker ran 127 s after
# the other had finished; in this order they ended a second apart. A file not listed keeps its place after these.
# (With the tuning sets' floors slow, the same order measured gold 165 s, retrieval 152, browser 141 and SQuAD 163,
# beside the six filings' build, on 2026-12-07's thirty-third session; the workers ended 3 s apart.)
LONGEST_FIRST = {
    "test_gold.py": 378, "test_retrieval.py": 163, "test_browser.py": 141, "test_squad.py": 102,
    "test_cli_ask.py": 52, "test_reliability.py": 49, "test_calibrate.py": 46, "test_backends.py": 44,
    "test_app.py": 44, "test_properties.py": 32, "test_service.py": 18, "test_reader.py": 17,
}


def pytest_collection_modifyitems(config, items):
    # Stable: a file's tests keep their order, and so do the files of the same weight.
    items.sort(key=lambda item: -LONGEST_FIRST.get(item.path.name, 0))


class FakeEmbedder:
    """Deterministic bag-of-words hashing vectors: for pure-logic tests that need no real model."""

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, fail_after: int | None = None):
        self.calls = 0
        self.encoded = 0
        self.fail_after = fail_after

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def encode_documents(self, texts, progress=None):
        self.calls += 1
        if self.fail_after is not None and self.encoded + len(texts) > self.fail_after:
            raise RuntimeError("embedder failed on purpose")
        self.encoded += len(texts)
        if progress:
            progress(len(texts), len(texts))
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_query(self, text: str):
        return self._vector(text)


class SharedVectors:
    """The real embedder, with its document vectors remembered per call for the whole test run, across the
    pytest-xdist workers: many tests index the same documents (the paper above all), and a build asks for the
    vectors of the same batches of texts in the same order each time.

    The key is the call's whole list of texts, so a remembered answer is exactly what the encoder returns for
    that call (the encoder pads each batch to its longest text, so a text's vector may differ in the last float
    bits between batches: a cache per text would make a test's vectors depend on which test ran first). Questions
    are encoded as they are. The folder lives under the run's temporary root: every run starts empty.
    $ASSISTANT_TEST_VECTOR_LOG, when set, names a file each worker adds its counts to at the end of the run."""

    def __init__(self, embedder: SentenceTransformerEmbedder, folder: Path):
        self.embedder = embedder
        self.folder = folder
        self.hits = self.misses = self.texts_remembered = 0

    def __getattr__(self, name: str):
        return getattr(self.embedder, name)

    def _key(self, texts) -> str:
        digest = hashlib.sha256(f"{self.name}|{self.embedder.backend}|{len(texts)}".encode())
        for text in texts:
            data = text.encode("utf-8")
            digest.update(len(data).to_bytes(8, "little") + data)
        return digest.hexdigest()

    def encode_documents(self, texts, progress=None):
        path = self.folder / f"{self._key(texts)}.npy"
        try:
            vectors = np.load(path)
        except (OSError, ValueError):
            self.misses += 1
            vectors = self.embedder.encode_documents(texts, progress)
            spare = path.with_suffix(f".{os.getpid()}.tmp")
            with spare.open("wb") as out:
                np.save(out, vectors)
            os.replace(spare, path)  # whole or not at all: the other worker may be reading
            return vectors
        self.hits += 1
        self.texts_remembered += len(texts)
        if progress:
            progress(len(texts), len(texts))
        return vectors

    def encode_query(self, text: str):
        return self.embedder.encode_query(text)


@pytest.fixture(scope="session")
def real_embedder(tmp_path_factory) -> SharedVectors:
    """The packaged model (ONNX, else PyTorch), its document vectors shared by the whole run (SharedVectors)."""
    root = tmp_path_factory.getbasetemp()
    shared = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "shared-vectors"
    shared.mkdir(exist_ok=True)
    embedder = SharedVectors(SentenceTransformerEmbedder(), shared)
    yield embedder
    log = os.environ.get("ASSISTANT_TEST_VECTOR_LOG")
    if log:
        with open(log, "a") as out:
            out.write(f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}: {embedder.hits} calls remembered "
                      f"({embedder.texts_remembered} texts), {embedder.misses} encoded\n")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def make_settings(corpus: Path, index: Path) -> Settings:
    return Settings().with_paths(corpus, index)


@pytest.fixture
def paper_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    return corpus


@pytest.fixture(scope="session")
def paper_assistant(tmp_path_factory, real_embedder) -> Assistant:
    """The default paper, indexed once with the real model, shared by read-only tests."""
    base = tmp_path_factory.mktemp("paper")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(PAPER, corpus / PAPER.name)
    return indexed_assistant(corpus, base / "index", real_embedder)


def indexed_assistant(corpus: Path, index: Path, embedder) -> Assistant:
    """An Assistant over corpus, its index built at index with embedder."""
    settings = make_settings(corpus, index)
    build_index(settings, embedder)
    assistant = Assistant(settings, embedder)
    assistant.reload()
    return assistant


def document_texts(corpus: Path):
    """source -> the text of that document of corpus that citations' offsets point into, each read once."""
    from assistant.ingest import load_document

    texts: dict[str, str] = {}

    def text_of(source: str) -> str:
        if source not in texts:
            texts[source] = load_document(source, (corpus / source).read_bytes()).text
        return texts[source]

    return text_of


def check_verbatim(answer: dict, text_of) -> None:
    """An answer (Answer.to_dict()) quotes its documents exactly: each citation's quote is text_of(its source) at its
    offsets and stands at its place in the passage shown; an answer is its first citation's quote, and its marked
    phrase is the document's text at the phrase's own offsets."""
    for citation in answer["citations"]:
        assert text_of(citation["source"])[citation["start"]:citation["end"]] == citation["quote"]
        offset = citation["start"] - citation["passage_start"]
        assert citation["passage"][offset:offset + len(citation["quote"])] == citation["quote"]
    if not answer["abstained"]:
        first = answer["citations"][0]
        assert answer["answer"] == first["quote"]
        span = answer.get("answer_span")
        assert span is None or text_of(first["source"])[span["start"]:span["end"]] == span["text"]


def assistant_over(folder: Path, embedder, files: dict[str, str]) -> Assistant:
    """An Assistant over a corpus of the given files (name: text), indexed under folder."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return indexed_assistant(corpus, folder / "index", embedder)


@pytest.fixture
def corpus(tmp_path: Path, request) -> Path:
    """The paper plus the requesting test module's NOTES as notes.md."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(PAPER, folder / PAPER.name)
    (folder / "notes.md").write_text(request.module.NOTES, encoding="utf-8")
    return folder


@pytest.fixture
def settings(corpus: Path, tmp_path: Path) -> Settings:
    return make_settings(corpus, tmp_path / "index")
