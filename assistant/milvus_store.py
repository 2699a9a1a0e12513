"""The Milvus backend: the index in a Milvus collection, for folders that outgrow one machine (docs/scaling.md).

One `MilvusClient` speaks to Milvus Lite (a local database folder, no server), a Milvus standalone server or a
cluster; only the URI changes. Two collections, named after settings.milvus_collection:

- `<name>_chunks`: a row per chunk. Plain fields: source, section, page, ordinal (position in its document) and
  generation (the build that wrote it); the chunk itself as JSON, its unit vectors (float16, base64), its chunk
  vector (the normalised mean of its units, as FAISS holds), and its BM25 tokens (for Milvus' BM25 function).
- `<name>_meta`: the manifest of each build in parts, and one `live` row naming the live generation.

A build inserts the rows of new and changed documents under a new generation, writes its manifest, and then
upserts the `live` row: that one write is the moment the build becomes visible. Only after it are the rows it
replaces deleted. Questions read only rows whose (source, generation) the live manifest lists, so a build that
is killed half-way leaves rows nobody sees, removed by the next build. Incremental: unchanged documents keep
their rows and their generation.

Lexical search: bm25s over the live chunks' tokens, built in memory when the store opens (the default), or
Milvus' own BM25 function (ASSISTANT_MILVUS_LEXICAL=milvus); docs/scaling.md compares them on the gold sets.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from .config import Settings
from .messages import Said
from .schema import Chunk
from .store import Backend, BuildOutput, IndexError_, Scored, Store, bm25_search, check_manifest, chunk_vectors

log = logging.getLogger(__name__)

VARCHAR_MAX = 65535
INSERT_BATCH = 256
QUERY_BATCH = 4096
LIVE = "live"
LEXICAL_MODES = ("bm25s", "milvus")
LITE_KEEPALIVE_MS = 600_000  # above gRPC servers' default minimum between pings (5 minutes)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
_clients: dict[tuple[str, str], object] = {}  # one client per database in this process (Lite allows one)


def lite_path(uri: str) -> Path | None:
    """The Milvus Lite database a URI names, or None for a server URI. A folder not ending in .db holds
    `assistant.db` (pymilvus only treats local paths ending in .db as Lite)."""
    if re.match(r"^(https?|tcp|unix)://", uri):
        return None
    path = Path(uri).expanduser().resolve()
    return path if path.suffix == ".db" else path / "assistant.db"


def redacted(uri: str) -> str:
    """The URI without user name or password."""
    parts = urlsplit(uri)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return uri


def _connect(settings: Settings):
    """The process's client for this database; IndexError_ with one sentence when it cannot be reached."""
    # gRPC's C core logs keep-alive notices ("too_many_pings") to stderr unless told otherwise before it loads.
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    from pymilvus import MilvusClient

    # pymilvus configures its loggers on import and logs every failed call with its traceback (and a warning
    # per Lite query iterator); the user gets our one sentence instead.
    for name in ("pymilvus", "pymilvus.milvus_client", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    lite = lite_path(settings.milvus_uri)
    uri = str(lite) if lite else settings.milvus_uri
    key = (uri, settings.milvus_token)
    if key in _clients:
        return _clients[key]
    if lite:
        lite.parent.mkdir(parents=True, exist_ok=True)
        if _locked_elsewhere(lite):
            raise IndexError_(_lite_in_use(lite))
    options = {}
    if settings.milvus_token:
        options["token"] = settings.milvus_token
    if lite:
        # The in-process Lite server refuses pymilvus' keep-alive ping every 10 s ("too_many_pings" on stderr).
        options["grpc_options"] = {"grpc.keepalive_time_ms": LITE_KEEPALIVE_MS}
    try:
        client = MilvusClient(uri=uri, **options)
    except Exception as exc:  # noqa: BLE001 - every failure to connect is one sentence to the user
        raise IndexError_(_connect_problem(exc, lite, settings.milvus_uri)) from None
    _clients[key] = client
    return client


def _locked_elsewhere(lite: Path) -> bool:
    """Whether another process has this Lite database open (Milvus Lite holds an flock on its LOCK file)."""
    lock = lite / "LOCK"
    if not lock.is_file():
        return False
    try:
        import fcntl
    except ImportError:  # Windows: Milvus Lite's own error is reported instead
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _index_error(problem: Said, fix: Said | str = "fix_rebuild", full: bool = False) -> Said:
    """What is wrong and how to fix it, as an IndexError_ says it ("...; rebuild with `python -m assistant build`.");
    fix is a Said, or the key of one that names the build command (with --full when full)."""
    if not isinstance(fix, Said):
        fix = Said(fix, command="python -m assistant build --full" if full else "python -m assistant build")
    return Said("index_error", problem=problem, fix=fix)


def _lite_in_use(lite: Path) -> Said:
    return _index_error(Said("milvus_lite_in_use", lite=str(lite)), Said("fix_lite_in_use", lite=str(lite)))


def _connect_problem(exc: BaseException, lite: Path | None, uri: str) -> Said:
    if lite and _locked_elsewhere(lite):
        return _lite_in_use(lite)
    if lite:
        return _index_error(Said("milvus_lite_unopened", lite=str(lite), error=exc.__class__.__name__),
                            Said("fix_check_path"))
    return _index_error(Said("milvus_unreachable", uri=redacted(uri), error=exc.__class__.__name__),
                        Said("fix_milvus_server"))


def _pack(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unpack(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _chunk_payload(chunk: Chunk) -> str:
    text = json.dumps(chunk.to_dict(), ensure_ascii=False)
    if len(text.encode("utf-8")) <= VARCHAR_MAX:
        return text
    packed = "z:" + _pack(zlib.compress(text.encode("utf-8"), 9))
    if len(packed) > VARCHAR_MAX:
        raise ValueError(f"a chunk of {chunk.source} is too large to store in Milvus ({len(text):,} bytes)")
    return packed


def _chunk_of(payload: str) -> Chunk:
    if payload.startswith("z:"):
        payload = zlib.decompress(_unpack(payload[2:])).decode("utf-8")
    return Chunk.from_dict(json.loads(payload))


def _lexical_text(chunk: Chunk) -> str:
    # Our own tokens (stemmed, `es:` for Spanish stems), joined so that Milvus' standard analyzer keeps each one
    # whole: `:` would split a token, `_` does not.
    text = " ".join(t.replace(":", "_") for t in chunk.index_tokens())
    return text.encode("utf-8")[:VARCHAR_MAX].decode("utf-8", "ignore")


class MilvusStore(Store):
    """The live generation of a Milvus collection, opened for questions."""

    backend = "milvus"

    def __init__(self, client, collection: str, manifest: dict, chunks: list[Chunk], units: list[np.ndarray],
                 keys: list[str], generation: int, lexical: str):
        super().__init__(manifest, chunks, version=f"{collection}:{generation}")
        self.client = client
        self.collection = collection
        self.generation = generation
        self.lexical = lexical
        self._units = units
        self._position = {key: i for i, key in enumerate(keys)}  # row primary key -> chunk position
        self._sources = np.array([c.source for c in chunks], dtype=object)
        tokens = [c.index_tokens() for c in chunks]
        self._df = Counter(t for ts in tokens for t in set(ts))
        self._bm25 = None
        if lexical == "bm25s" and chunks:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index([ts or ["\x00empty"] for ts in tokens], show_progress=False)

    def units_of(self, i: int) -> np.ndarray:
        return self._units[i]

    def document_frequency(self, token: str) -> int:
        return self._df.get(token, 0)

    def _filter(self, within: np.ndarray | None, generations: bool) -> str:
        """The search filter: only these documents' rows, and with `generations` only rows of builds up to the
        live one (a filter costs Milvus Lite a walk over every row: ~0.4 s at 100k rows, docs/scaling.md)."""
        parts = [f"generation <= {self.generation}"] if generations else []
        if within is not None:
            sources = sorted(set(self._sources[np.asarray(within, dtype=np.int64)]))
            parts.append(f"source in {json.dumps(sources, ensure_ascii=False)}")
        return " and ".join(parts)

    def _positions(self, rows: list, k: int, sign: float = 1.0) -> Scored:
        out: Scored = []
        for row in rows:
            i = self._position.get(row["pk"] if "pk" in row else row["id"])
            if i is None:  # a row of a build that is not (or no longer) live
                continue
            out.append((i, sign * float(row["distance"])))
        out.sort(key=lambda x: (-x[1], x[0]))
        return out[:k]

    def dense_search(self, vectors: np.ndarray, k: int, within: np.ndarray | None = None) -> list[Scored]:
        if not self.chunks or not len(vectors):
            return [[] for _ in range(len(vectors))]
        wanted = set(np.asarray(within).tolist()) if within is not None else None
        expected = min(k, len(self.chunks) if wanted is None else len(wanted))
        # Rows that are not live (a build going on, or one that was killed) come back too and are dropped here:
        # twice as many are asked for, and when that is still not enough the search is filtered to live builds.
        limit = min(16384, 2 * k + 16)
        data = [list(map(float, v)) for v in vectors]
        results = self._search_vectors(data, limit, within, generations=False)
        out = []
        for n, rows in enumerate(results):
            hits = [(i, s) for i, s in self._positions(list(rows), limit) if wanted is None or i in wanted][:k]
            if len(hits) < expected:
                rows = self._search_vectors(data[n:n + 1], limit, within, generations=True)[0]
                hits = [(i, s) for i, s in self._positions(list(rows), limit) if wanted is None or i in wanted][:k]
            out.append(hits)
        return out

    def _search_vectors(self, data: list, limit: int, within: np.ndarray | None, generations: bool) -> list:
        return self.client.search(self.collection, data=data, anns_field="vector", limit=limit,
                                  filter=self._filter(within, generations), search_params={"metric_type": "IP"},
                                  output_fields=["pk"])

    def lexical_search(self, tokens: list[str], k: int, within: np.ndarray | None = None) -> Scored:
        known = [t for t in tokens if t in self._df]
        if not known:
            return []
        if self._bm25 is not None:
            return bm25_search(self._bm25, known, k, within)
        wanted = set(np.asarray(within).tolist()) if within is not None else None
        query = " ".join(t.replace(":", "_") for t in known)
        rows = self.client.search(self.collection, data=[query], anns_field="sparse", limit=2 * k + 16,
                                  filter=self._filter(within, generations=True), output_fields=["pk"])[0]
        # Milvus Lite returns BM25 scores negated (smaller is better); a server returns them positive.
        values = [float(r["distance"]) for r in rows]
        sign = -1.0 if values and max(values) <= 0 else 1.0
        hits = self._positions(list(rows), 2 * k + 16, sign)
        return [(i, s) for i, s in hits if s > 0 and (wanted is None or i in wanted)][:k]


class MilvusBackend(Backend):
    name = "milvus"

    def __init__(self, settings: Settings):
        super().__init__(settings)
        if not _NAME.match(settings.milvus_collection):
            raise IndexError_(_index_error(Said("milvus_bad_name", name=repr(settings.milvus_collection)),
                                           Said("fix_milvus_name")))
        self.lite = lite_path(settings.milvus_uri)
        self.chunks_name = f"{settings.milvus_collection}_chunks"
        self.meta_name = f"{settings.milvus_collection}_meta"
        self.lexical = settings.milvus_lexical
        if self.lexical not in LEXICAL_MODES:
            raise IndexError_(_index_error(Said("milvus_bad_lexical", value=repr(self.lexical)),
                                           Said("fix_milvus_lexical", modes=", ".join(LEXICAL_MODES))))
        self._client = None
        self._loaded = False

    @property
    def client(self):
        if self._client is None:
            self._client = _connect(self.settings)
        return self._client

    def describe(self) -> dict:
        return {"backend": self.name, "uri": str(self.lite) if self.lite else redacted(self.settings.milvus_uri),
                "collection": self.settings.milvus_collection, "lexical": self.lexical}

    # --- the collections ----------------------------------------------------------------------------

    def _exists(self) -> bool:
        return self.client.has_collection(self.meta_name) and self.client.has_collection(self.chunks_name)

    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self.client
        dim = self.settings.fingerprint()["dimension"]
        if not client.has_collection(self.chunks_name):
            schema = client.create_schema(auto_id=False)
            schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=512)
            schema.add_field("source", DataType.VARCHAR, max_length=4096)
            schema.add_field("section", DataType.VARCHAR, max_length=4096)
            schema.add_field("page", DataType.INT64)
            schema.add_field("ordinal", DataType.INT64)
            schema.add_field("generation", DataType.INT64)
            schema.add_field("chunk", DataType.VARCHAR, max_length=VARCHAR_MAX)
            schema.add_field("units", DataType.VARCHAR, max_length=VARCHAR_MAX)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
            schema.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True,
                             analyzer_params={"tokenizer": "standard"})
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                         output_field_names=["sparse"]))
            index = client.prepare_index_params()
            # Exact search on Milvus Lite (it ignores the parameters of approximate indexes; see docs/scaling.md),
            # so answers match FAISS; a server picks its own index (AUTOINDEX) for the inner product.
            index.add_index("vector", index_type="FLAT" if self.lite else "AUTOINDEX", metric_type="IP")
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            client.create_collection(self.chunks_name, schema=schema, index_params=index,
                                     consistency_level="Strong")
        if not client.has_collection(self.meta_name):
            schema = client.create_schema(auto_id=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
            schema.add_field("generation", DataType.INT64)
            schema.add_field("payload", DataType.VARCHAR, max_length=VARCHAR_MAX)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires one; unused
            index = client.prepare_index_params()
            index.add_index("vector", index_type="FLAT", metric_type="L2")
            client.create_collection(self.meta_name, schema=schema, index_params=index, consistency_level="Strong")

    def _load(self) -> None:
        if not self._loaded:
            for name in (self.chunks_name, self.meta_name):
                self.client.load_collection(name)
            self._loaded = True

    def _live(self) -> dict | None:
        """The live row: {"generation": G, "parts": n}, or None when nothing was ever made live (or it cannot be
        read: a build then starts afresh). IndexError_ when Milvus cannot be reached."""
        client = self.client
        try:
            if not self._exists():
                return None
            self._load()
            rows = client.get(self.meta_name, ids=[LIVE], output_fields=["payload"])
        except Exception:  # noqa: BLE001 - an unreadable live row is no live index
            log.warning("the live row of %s could not be read", self.meta_name, exc_info=True)
            return None
        if not rows:
            return None
        try:
            live = json.loads(rows[0]["payload"])
            return live if isinstance(live, dict) and isinstance(live.get("generation"), int) else None
        except ValueError:
            return None

    def _manifest_of(self, live: dict) -> dict | None:
        generation, parts = live["generation"], int(live.get("parts", 0))
        keys = [f"manifest/{generation}/{i}" for i in range(parts)]
        rows = self.client.get(self.meta_name, ids=keys, output_fields=["key", "payload"]) if keys else []
        texts = {r["key"]: r["payload"] for r in rows}
        if len(texts) != parts:
            return None
        try:
            manifest = json.loads("".join(texts[k] for k in keys))
        except ValueError:
            return None
        return manifest if isinstance(manifest, dict) else None

    # --- reading -------------------------------------------------------------------------------------

    def read_manifest(self) -> dict | None:
        """The live manifest, None when there is none; IndexError_ when Milvus cannot be reached."""
        live = self._live()
        return self._manifest_of(live) if live else None

    def live_version(self) -> str | None:
        live = self._live()
        return f"{self.chunks_name}:{live['generation']}" if live else None

    def problem(self) -> str | None:
        try:
            self._checked()
        except IndexError_ as exc:
            return exc.said or str(exc)  # a messages.Said (its English a str) that a page writes in its language
        return None

    def _checked(self) -> tuple[dict, dict]:
        live = self._live()
        where = Said("milvus_where", uri=self.describe()["uri"], collection=self.settings.milvus_collection)
        if live is None:
            raise IndexError_(_index_error(Said("index_missing", where=where), "fix_build"))
        manifest = self._manifest_of(live)
        if manifest is None:
            raise IndexError_(_index_error(Said("index_manifest_damaged_in", where=where), full=True))
        problem = check_manifest(manifest, self.settings)
        if problem:
            raise IndexError_(_index_error(Said("index_cannot_be_used_in", where=where, problem=problem)))
        return live, manifest

    def open(self, verify: bool = True) -> MilvusStore:
        live, manifest = self._checked()
        generation = live["generation"]
        wanted = {s: e.get("generation") for s, e in manifest.get("files", {}).items() if isinstance(e, dict)}
        rows = []
        try:
            iterator = self.client.query_iterator(
                self.chunks_name, batch_size=QUERY_BATCH, filter=f"generation <= {generation}",
                output_fields=["pk", "source", "ordinal", "generation", "chunk", "units"])
            while True:
                batch = iterator.next()
                if not batch:
                    break
                rows.extend(r for r in batch if wanted.get(r["source"]) == r["generation"])
            iterator.close()
            rows.sort(key=lambda r: (r["source"], r["ordinal"]))
            chunks = [_chunk_of(r["chunk"]) for r in rows]
            dim = manifest.get("dimension")
            units = [np.frombuffer(_unpack(r["units"]), dtype=np.float16).reshape(-1, dim) for r in rows]
        except Exception as exc:  # noqa: BLE001 - an unreadable row means the same to the user
            raise IndexError_(_index_error(Said("milvus_unreadable", collection=self.chunks_name,
                                                error=exc.__class__.__name__), full=True)) from None
        if verify and len(chunks) != manifest.get("chunks"):
            raise IndexError_(_index_error(Said("milvus_count", collection=self.chunks_name, found=len(chunks),
                                                expected=manifest.get("chunks")), full=True))
        return MilvusStore(self.client, self.chunks_name, manifest, chunks, units, [r["pk"] for r in rows],
                           generation, self.lexical)

    # --- writing -------------------------------------------------------------------------------------

    def _generations(self, collection: str, expression: str, fields: list[str]) -> list[dict]:
        out = []
        iterator = self.client.query_iterator(collection, batch_size=QUERY_BATCH, filter=expression,
                                              output_fields=fields)
        while True:
            batch = iterator.next()
            if not batch:
                break
            out.extend(batch)
        iterator.close()
        return out

    def _delete_ids(self, collection: str, ids: list[str]) -> None:
        for begin in range(0, len(ids), QUERY_BATCH):
            self.client.delete(collection, ids=ids[begin:begin + QUERY_BATCH])

    def clean_leftovers(self) -> None:
        """Delete rows no live manifest lists: a killed build's, and those a build replaced but had not yet
        deleted when it stopped."""
        if not self._exists():
            return
        self._load()
        live = self._live()
        generation = live["generation"] if live else 0
        manifest = self._manifest_of(live) if live else None
        wanted = {s: e.get("generation") for s, e in (manifest or {}).get("files", {}).items()
                  if isinstance(e, dict)}
        rows = self._generations(self.chunks_name, "generation >= 0", ["pk", "source", "generation"])
        self._delete_ids(self.chunks_name, [r["pk"] for r in rows if wanted.get(r["source"]) != r["generation"]])
        parts = self._generations(self.meta_name, f"generation != {generation}", ["key", "generation"])
        self._delete_ids(self.meta_name, [r["key"] for r in parts if r["key"] != LIVE])

    def write(self, build: BuildOutput) -> None:
        self._create()
        self._load()
        live = self._live()
        previous = self._manifest_of(live) if live else None
        # A new generation above every one used so far, a killed build's included.
        used = self._generations(self.meta_name, "generation >= 0", ["key", "generation"])
        generation = max([r["generation"] for r in used] + [live["generation"] if live else 0]) + 1
        previous_files = (previous or {}).get("files", {}) if build.previous is not None else {}
        manifest = json.loads(json.dumps(build.manifest))
        for source, entry in manifest["files"].items():
            kept = source not in build.new and isinstance(previous_files.get(source), dict)
            entry["generation"] = previous_files[source].get("generation") if kept else generation
        dim = self.settings.fingerprint()["dimension"]
        for source, (chunks, units) in sorted(build.new.items()):
            self._insert(source, chunks, np.asarray(units, dtype=np.float16).reshape(-1, dim), generation)
        text = json.dumps(manifest, ensure_ascii=False)
        step = VARCHAR_MAX // 4  # characters, so that a part stays under the byte limit whatever the script
        parts = [text[i:i + step] for i in range(0, len(text), step)] or [""]
        self.client.insert(self.meta_name, [{"key": f"manifest/{generation}/{i}", "generation": generation,
                                             "payload": part, "vector": [0.0, 0.0]} for i, part in enumerate(parts)])
        # The one write that makes the build live.
        self.client.upsert(self.meta_name, [{"key": LIVE, "generation": generation, "vector": [0.0, 0.0],
                                             "payload": json.dumps({"generation": generation, "parts": len(parts)})}])
        try:
            self.clean_leftovers()
        except Exception:  # noqa: BLE001 - the build is live; the next build deletes what is left
            log.exception("rows replaced by the build could not all be deleted yet")

    def _insert(self, source: str, chunks: list[Chunk], units: np.ndarray, generation: int) -> None:
        vectors = chunk_vectors(chunks, units)
        rows, at = [], 0
        for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors)):
            its_units = units[at:at + len(chunk.units)]
            at += len(chunk.units)
            packed = _pack(np.ascontiguousarray(its_units, dtype=np.float16).tobytes())
            if len(packed) > VARCHAR_MAX:
                raise ValueError(f"a chunk of {source} has too many sentences to store in Milvus "
                                 f"({len(chunk.units)})")
            rows.append({"pk": f"{generation}/{chunk.id}/{ordinal}", "source": source,
                         "section": chunk.section.encode("utf-8")[:4000].decode("utf-8", "ignore"),
                         "page": int(chunk.page or 0), "ordinal": ordinal, "generation": generation,
                         "chunk": _chunk_payload(chunk), "units": packed, "vector": vector.tolist(),
                         "text": _lexical_text(chunk)})
            if len(rows) >= INSERT_BATCH:
                self.client.insert(self.chunks_name, rows)
                rows = []
        if rows:
            self.client.insert(self.chunks_name, rows)
