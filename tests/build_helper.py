"""Test helper, run as a subprocess: build an index and freeze at a chosen point so the test can SIGKILL it.

    python tests/build_helper.py CORPUS INDEX --pause-at POINT --marker FILE [--milvus-uri URI]

The pause points are injected here by wrapping functions of the running process, so production code has no
test hooks: "embedding" freezes inside the embedder, "writing" just before the new build's manifest is
written, "swap-before" with the temporary link made but not yet renamed over `current`, "swap-after" right
after the rename; with Milvus, "milvus-rows" after the first rows of the new build are inserted and
"milvus-live" once the build is live but before the rows it replaces are deleted. On reaching the point the
helper writes FILE and sleeps until it is killed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace as with_fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant import faiss_store as store  # noqa: E402
from assistant.build import build_index  # noqa: E402
from assistant.config import Settings  # noqa: E402
from conftest import FakeEmbedder  # noqa: E402


def freeze(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    while True:  # until SIGKILL
        time.sleep(60)


class FreezingEmbedder(FakeEmbedder):
    def __init__(self, marker: Path | None):
        super().__init__()
        self.marker = marker

    def encode_documents(self, texts, progress=None):
        vectors = super().encode_documents(texts, progress)
        if self.marker:
            freeze(self.marker)
        return vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--pause-at", choices=["embedding", "writing", "swap-before", "swap-after", "milvus-rows",
                                               "milvus-live", "none"], default="none")
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--milvus-uri", default="")
    args = parser.parse_args()
    point, marker = args.pause_at, args.marker

    if point in ("milvus-rows", "milvus-live"):
        from assistant import milvus_store

        backend = milvus_store.MilvusBackend
        if point == "milvus-rows":  # some rows of the new build are in the collection, the build is not live
            real_insert = backend._insert

            def insert_then_freeze(self, *a, **kw):
                real_insert(self, *a, **kw)
                freeze(marker)

            backend._insert = insert_then_freeze
        else:  # the build is live, the rows it replaces are not deleted yet
            def freeze_before_cleaning(self):
                if self._live() is not None and getattr(self, "_wrote", False):
                    freeze(marker)
                return real_clean(self)

            real_clean, real_write = backend.clean_leftovers, backend.write

            def write(self, build):
                self._wrote = True
                return real_write(self, build)

            backend.clean_leftovers = freeze_before_cleaning
            backend.write = write

    if point == "writing":
        real_write = store._write_json_durably

        def write_then_freeze(path: Path, data: dict) -> None:
            if path.name == store.MANIFEST:
                freeze(marker)
            real_write(path, data)

        store._write_json_durably = write_then_freeze
    elif point in ("swap-before", "swap-after"):
        real_replace = os.replace

        def replace(src, dst, *a, **kw):
            if Path(dst).name == store.CURRENT and point == "swap-before":
                freeze(marker)
            real_replace(src, dst, *a, **kw)
            if Path(dst).name == store.CURRENT and point == "swap-after":
                freeze(marker)

        os.replace = replace  # only in this throwaway process

    settings = with_fields(Settings().with_paths(args.corpus, args.index), milvus_uri=args.milvus_uri)
    report = build_index(settings, FreezingEmbedder(marker if point == "embedding" else None))
    print(report.chunks_embedded)


if __name__ == "__main__":
    main()
