"""Command-line interface: build, status, ask and eval over one Assistant facade."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from .config import Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", help="documents folder (default: corpus/ or $ASSISTANT_CORPUS)")
    parser.add_argument("--index", help="index folder (default: index/ or $ASSISTANT_INDEX)")
    parser.add_argument("--milvus-uri", help="keep the index in Milvus instead: a Milvus Lite database path or "
                                             "http(s)://host:19530 (default: $ASSISTANT_MILVUS_URI; docs/scaling.md)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant",
                                     description="Ask questions of your documents; answers are quoted verbatim.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build or update the index")
    _paths(build)
    build.add_argument("--full", action="store_true", help="re-embed every file")
    build.add_argument("--json", action="store_true", help="print the summary as JSON")
    status = sub.add_parser("status", help="show the index and what changed since it was built")
    _paths(status)
    status.add_argument("--json", action="store_true")
    ask = sub.add_parser("ask", help="ask a question")
    _paths(ask)
    ask.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--jsonl", action="store_true", help='read {"question", "history"} lines from stdin')
    ev = sub.add_parser("eval", help="score the assistant on the gold sets (all of them, or one file)")
    _paths(ev)
    ev.add_argument("gold", nargs="?", help="a questions.jsonl file, asked of --corpus (default: every set in "
                                           "tests/gold/sets.json, each over its own corpus, and the SQuAD articles)")
    ev.add_argument("--set", action="append", dest="sets", help="only this registered set (repeatable)")
    ev.add_argument("--role", choices=("tuning", "held-out"), help="only the registered sets of this role")
    ev.add_argument("--compare", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                    help="print what moved between two `eval --json` runs, and ask nothing")
    ev.add_argument("--squad", choices=("test", "validation", "none"), default="test",
                    help="which SQuAD articles to ask (default: the held-out test articles)")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--threshold", type=float, help="answer probability threshold to try (default: the fitted one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    settings = Settings.from_env(args.corpus, args.index)
    if args.milvus_uri:
        settings = replace(settings, milvus_uri=args.milvus_uri)
    try:
        return {"build": cmd_build, "status": cmd_status, "ask": cmd_ask, "eval": cmd_eval}[args.command](
            args, settings)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - known errors become one sentence; see _message
        message = _message(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_USAGE if exc.__class__.__name__ == "QuestionError" else EXIT_ERROR


def _message(exc: Exception) -> str | None:
    from .answer_model import ReaderModelUnavailable
    from .assistant import QuestionError
    from .embedding import ModelUnavailable
    from .nlp import NlpUnavailable
    from .store import BuildBusy, IndexError_, NothingToIndex
    from .translate import TranslationUnavailable

    if isinstance(exc, (QuestionError, IndexError_, BuildBusy, NothingToIndex, ModelUnavailable,
                        ReaderModelUnavailable, NlpUnavailable, TranslationUnavailable, FileNotFoundError)):
        return str(exc)
    return None


def cmd_build(args, settings: Settings) -> int:
    from .embedding import SentenceTransformerEmbedder
    from .build import build_index

    bar = _ProgressBar()
    report = build_index(settings, SentenceTransformerEmbedder(batch_size=settings.batch_size), full=args.full,
                         status=lambda m: print(m, file=sys.stderr), progress=bar)
    bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"Indexed {report.chunks_total} chunks from {len(report.added) + len(report.changed) + len(report.unchanged)}"
          f" documents in {report.seconds:.1f} s ({report.chunks_embedded} chunks embedded).")
    for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if items:
            print(f"  {label}: {', '.join(items)}")
    for problem in report.failed:
        print(f"  failed: {problem.source}: {problem.reason}")
    for problem in report.skipped:
        print(f"  skipped: {problem.source}: {problem.reason}")
    for problem in report.warnings:
        print(f"  warning: {problem.source}: {problem.reason}")
    return EXIT_OK


class _ProgressBar:
    """A tqdm bar on stderr, created on first progress so quiet builds print nothing."""

    def __init__(self):
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="sentence", desc="Embedding", file=sys.stderr)
        if total != self._bar.total:  # the build embeds while it reads: the total grows as files arrive
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def cmd_status(args, settings: Settings) -> int:
    from .assistant import index_status

    status = index_status(settings)
    data = status.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not status.exists:
        print(f"No index in {settings.index}; build it with `python -m assistant build`.")
    else:
        state = "stale" if status.stale else "up to date"
        print(f"Index {state}: {data['documents']} documents, {data['chunks']} chunks, model {data['model']}, "
              f"built {data['built_at']}.")
    if status.problem and status.exists:
        print(f"  {status.problem}")
    for key in ("new", "changed", "removed"):
        if data[key]:
            print(f"  {key}: {', '.join(data[key])}")
    for item in data["failed"]:
        print(f"  failed: {item['path']}: {item['error']}")
    for item in data["skipped"]:
        print(f"  skipped: {item['path']}: {item['reason']}")
    for item in data["warnings"]:
        print(f"  warning: {item['path']}: {item['warning']}")
    return EXIT_OK


def format_answer(answer) -> str:
    from . import messages

    say = lambda key: messages.text(key, answer.language)  # noqa: E731
    if answer.conversational:  # "Hi", "Thanks": our own reply is all there is
        return answer.message
    lines = []
    if answer.abstained:
        lines.append(say("abstained") + (f" ({answer.message})" if answer.message else ""))
        if answer.citations:
            lines.append(f"\n{say('closest')}:")
    else:
        lines.append(f"{answer.answer} [1]")
        if answer.translation is not None:
            lines.append(f"{answer.translation.label}: {answer.translation.text}")
        lines.append(f"\n{say('sources')}:")
    for c in answer.citations:
        where = " > ".join(x for x in (c.source, c.section) if x)
        page = f", {messages.text('page', answer.language, page=c.page)}" if c.page else ""
        lines.append(f"[{c.n}] {where}{page}: \"{' '.join(c.quote.split())}\"")
    return "\n".join(lines)


def cmd_ask(args, settings: Settings) -> int:
    from .assistant import Assistant, QuestionError, validate_question

    if not args.jsonl:
        if args.question is None:
            raise QuestionError("Give a question, or --jsonl to read questions from standard input.")
        validate_question(args.question, settings.max_question_chars)  # fail fast, before loading the model
    assistant = Assistant.load(settings=settings, status=lambda m: print(m, file=sys.stderr))
    if not args.jsonl:
        answer = assistant.ask(args.question, args.history)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1) if args.json else format_answer(answer))
        return EXIT_OK
    failures = 0
    for line_no, line, request in _batched_requests(assistant, sys.stdin):
        try:
            if request is None:
                request = json.loads(line)
            answer = assistant.ask(request["question"], request.get("history") or [])
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        except (ValueError, KeyError, TypeError) as exc:
            failures += 1
            error = str(exc) if isinstance(exc, QuestionError) else \
                f"line {line_no} is not an object with a \"question\" string ({exc.__class__.__name__})"
            print(json.dumps({"line": line_no, "error": error}, ensure_ascii=False), flush=True)
    return EXIT_USAGE if failures else EXIT_OK


def _batched_requests(assistant, lines, size: int = 32):
    """(line number, line, parsed request or None) for each non-empty line, read `size` lines at a time so that
    each batch's questions are encoded and searched together (Assistant.prepare)."""
    batch: list = []

    def flush():
        assistant.prepare([r["question"] for _, _, r in batch if isinstance(r, dict)
                           and isinstance(r.get("question"), str) and not r.get("history")])
        yield from batch
        batch.clear()

    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        batch.append((line_no, line, request))
        if len(batch) >= size:
            yield from flush()
    yield from flush()


def cmd_eval(args, settings: Settings) -> int:
    import tempfile

    from .evaluate import compare_all, evaluate, format_all, format_report, load_gold, run_all

    if args.compare:  # reads two earlier runs: no model, no index
        runs = [_eval_results(Path(path)) for path in args.compare]
        if None in runs:
            return EXIT_USAGE
        print(compare_all(*runs))
        return EXIT_OK
    from .assistant import Assistant
    from .embedding import SentenceTransformerEmbedder
    from .reader import ReaderSettings

    reader_settings = ReaderSettings(threshold=args.threshold)
    if args.gold:
        gold = load_gold(Path(args.gold))
        assistant = Assistant.load(settings=settings, status=lambda m: print(m, file=sys.stderr))
        assistant.reader_settings = reader_settings
        assistant.reload()
        report = evaluate(assistant, gold)
        print(json.dumps(report.summary(), indent=1) if args.json else format_report(report))
        return EXIT_OK
    embedder = SentenceTransformerEmbedder(batch_size=settings.batch_size)

    def make(corpus: Path, index: Path) -> Assistant:
        # Each set has its own index: its own folder, or with Milvus its own collection in the same database.
        own = replace(settings, corpus=corpus.resolve(), index=index.resolve(),
                      milvus_collection=f"{settings.milvus_collection}_{re.sub(r'[^A-Za-z0-9_]', '_', index.name)}")
        assistant = Assistant(own, embedder, reader_settings)
        assistant.rebuild(wait=True)
        return assistant

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as work:
        results = run_all(make, Path(work), args.sets, None if args.squad == "none" else args.squad, args.role)
    print(json.dumps(results, indent=1) if args.json else format_all(results))
    return EXIT_OK


def _eval_results(path: Path) -> dict | None:
    """What `eval --json` wrote to path, or None (and one sentence on stderr) when path holds no such thing."""
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"Cannot compare {path}: it cannot be read ({exc.strerror}).", file=sys.stderr)
        return None
    except ValueError:
        results = None
    if not isinstance(results, dict) or not all(isinstance(v, dict) for v in results.values()):
        print(f"Cannot compare {path}: it is not what `eval --json` writes; make one with "
              f"`python -m assistant eval --json > {path.name}`.", file=sys.stderr)
        return None
    return results
