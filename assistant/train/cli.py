"""Command line for training: `fit` fine-tunes, `soup` averages runs, `export` writes the ONNX model, `requantize`
quantises a shipped one again as `export` does today, `calibrate` fits its threshold."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

RUNS = Path(__file__).resolve().parent.parent.parent / "train_runs"  # checkpoints; ignored by git


def _mixed(squad: list, rows: list, seed: int) -> list:
    """SQuAD and table-row pairs shuffled together with the seed (each list is already in a seeded order)."""
    import random

    pairs = squad + rows
    random.Random(seed).shuffle(pairs)
    return pairs


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = argparse.ArgumentParser(prog="python -m assistant.train")
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fine-tune all-MiniLM-L6-v2 on the SQuAD training articles")
    fit.add_argument("--out", type=Path, default=RUNS / "reader")
    fit.add_argument("--epochs", type=float, default=2.0)
    fit.add_argument("--batch-size", type=int, default=32)
    fit.add_argument("--lr", type=float, default=5e-5)
    fit.add_argument("--seed", type=int, default=13)
    fit.add_argument("--init-seed", type=int, default=None,
                     help="seed for the heads' initial weights only (default: --seed); runs to be averaged by "
                          "`soup` must share it")
    fit.add_argument("--threads", type=int, default=2)
    fit.add_argument("--stop-after", type=float, default=None,
                     help="stop after this many epochs, the learning-rate schedule still spanning --epochs")
    fit.add_argument("--paragraph-negatives", type=int, default=4,
                     help="other sentences of the answer's paragraph taken as negatives, per question")
    fit.add_argument("--retrieved-negatives", type=int, default=2,
                     help="sentences of other paragraphs that share most words with the question, per question")
    fit.add_argument("--swap-negatives", action="store_true",
                     help="add a near miss per answerable question: a name or number it shares with its answer "
                          "sentence swapped for another, paired with that sentence as a negative")
    fit.add_argument("--roundtrip", type=float, default=0.0, metavar="SHARE",
                     help="read this share of the questions as taken to Spanish and back by Apertium "
                          "(data/squad/roundtrip.json, written by the roundtrip command)")
    fit.add_argument("--null-span", action="store_true",
                     help="train the span head to point at [CLS] for sentences that do not answer (SQuAD 2.0 style)")
    fit.add_argument("--span-only", action="store_true",
                     help="train a phrase model: the positive pairs alone, with the answer-phrase loss alone "
                          "(docs/reader-model.md)")
    fit.add_argument("--listwise", type=float, default=0.0, metavar="WEIGHT",
                     help="add this weight times a listwise loss (softmax over each answerable question's pairs), "
                          "with batches of whole questions (docs/reader-model.md)")
    fit.add_argument("--verifier", action="store_true",
                     help="train a verifier instead: answer sentences against the near misses SQuAD's unanswerable "
                          "questions were written against, no other negatives (docs/reader-model.md)")
    fit.add_argument("--limit", type=int, default=0, help="use only this many pairs (a smoke run)")
    fit.add_argument("--rows", action="store_true",
                     help="also train on the table-row pairs (data/rows; an experiment, not the shipped model: "
                          "docs/reader-model.md)")
    sub.add_parser("roundtrip", help="write every SQuAD question as taken to Spanish and back by Apertium "
                                     "(data/squad/roundtrip.json)")
    rows = sub.add_parser("rows", help="write the table-row pairs (data/rows/pairs.jsonl) from the 10-Q filings")
    rows.add_argument("--pdfs", type=Path, default=RUNS.parent.parent / "shared" / "data" / "10q")
    rows.add_argument("--seed", type=int, default=13)
    soup = sub.add_parser("soup", help="average the final weights of several runs of one recipe (seeds) into one")
    soup.add_argument("--weights", type=Path, nargs="+", required=True)
    soup.add_argument("--out", type=Path, required=True, help="where to write the averaged weights (not a run's own)")
    export = sub.add_parser("export", help="write the trained weights as int8 ONNX into assistant/models/reader")
    export.add_argument("--weights", type=Path, default=RUNS / "reader" / "final.pt")
    export.add_argument("--out", type=Path, default=None)
    requantize = sub.add_parser("requantize", help="quantise a shipped int8 reader again as export does today "
                                                   "(7-bit weights), in place, keeping its calibration")
    requantize.add_argument("--model", type=Path, default=None, help="a reader directory (the shipped one)")
    calibrate = sub.add_parser("calibrate", help="fit the answer probability and threshold on the validation articles")
    calibrate.add_argument("--model", type=Path, default=None)
    calibrate.add_argument("--records", type=Path, default=None, help="cache of what the reader saw (JSON)")
    calibrate.add_argument("--tenq", type=Path, default=None,
                           help="a 10-Q folder (../shared/data/10q): its tuning companies' questions become a source "
                                "too (an experiment: the shipped fit does not use it, docs/reader-model.md)")
    calibrate.add_argument("--compare", action="store_true",
                           help="only print the ranking fits compared with each tuning source left out in turn")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if args.command == "fit":
        from .model import train
        from .pairs import build_pairs, build_verifier_pairs, load_split
        from .roundtrip import load_roundtrips
        from .rows import load_pairs

        if args.verifier:
            pairs = build_verifier_pairs(load_split()["train"], seed=args.seed)
        else:
            pairs = build_pairs(load_split()["train"], seed=args.seed, paragraph_negatives=args.paragraph_negatives,
                                retrieved_negatives=args.retrieved_negatives, swap_negatives=args.swap_negatives,
                                roundtrip=load_roundtrips() if args.roundtrip else None,
                                roundtrip_share=args.roundtrip)
        if args.rows:
            pairs = _mixed(pairs, load_pairs(), args.seed)
        if args.limit:
            pairs = pairs[:args.limit]
        logging.info("%d pairs, %d positive", len(pairs), sum(p.label for p in pairs))
        train(pairs, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
              threads=args.threads, stop_after=args.stop_after, null_span=args.null_span,
              init_seed=args.init_seed, span_only=args.span_only, listwise=args.listwise)
        return 0
    if args.command == "rows":
        from .rows import build_row_pairs, write_pairs

        pairs = build_row_pairs(sorted(args.pdfs.glob("*.pdf")), seed=args.seed)
        print(write_pairs(pairs), len(pairs), "pairs,", sum(p.label for p in pairs), "positive")
        return 0
    if args.command == "roundtrip":
        from .roundtrip import write_roundtrips

        print(write_roundtrips())
        return 0
    if args.command == "soup":
        from .model import average_weights

        print(average_weights(args.weights, args.out))
        return 0
    if args.command == "export":
        from .export import export_reader

        if not args.weights.is_file():
            parser.error(f"there are no trained weights at {args.weights}: train them with `fit` first, or give "
                         "--weights")
        print(export_reader(args.weights, args.out))
        return 0
    if args.command == "requantize":
        from .export import MODEL_DIR, requantize

        model = args.model or MODEL_DIR
        if not (model / "model.onnx").is_file() or not (model / "config.json").is_file():
            parser.error(f"{model} holds no reader model (model.onnx and config.json): give --model a reader "
                         "directory such as assistant/models/reader")
        print(requantize(model))
        return 0
    if args.command == "calibrate":
        from .calibrate import calibrate, compare, load_records

        print(compare(load_records(args.model, args.records, args.tenq)) if args.compare
              else calibrate(args.model, args.records, args.tenq))
        return 0
    return 2
