#!/usr/bin/env python3
"""Write a gold set's questions as they are often typed in a chat: without accents and without the opening
question and exclamation marks ("¿Cuándo se creó ...?" -> "Cuando se creo ...?"). "ñ" stays, as Spanish
keyboards and phones type it. History turns are the user's earlier questions and are typed the same way; facts,
evidence and everything else are kept, so the answers judged are the same as the source set's. The source is a
set of Spanish questions: every item states "language": "es", so that eval also counts the replies that come
back in another language (a question without its accents is harder to tell for Spanish).

Usage: python tests/gold/unaccented.py SOURCE.jsonl TARGET.jsonl
"""

import json
import sys
import unicodedata

KEEP = {"ñ", "Ñ"}


def unaccented(text: str) -> str:
    out = []
    for ch in text:
        if ch in "¿¡":
            continue
        if ch in KEEP:
            out.append(ch)
            continue
        out.append("".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)))
    return "".join(out)


def main(source: str, target: str) -> None:
    lines = []
    for line in open(source, encoding="utf-8"):
        if not line.strip():
            continue
        item = json.loads(line)
        item["id"] = "u-" + item["id"]
        item["question"] = unaccented(item["question"])
        item["history"] = [unaccented(turn) for turn in item["history"]]
        item["language"] = "es"
        lines.append(json.dumps(item, ensure_ascii=False))
    with open(target, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
