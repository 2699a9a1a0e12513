#!/usr/bin/env python3
"""Write a gold set's questions as they are often typed in a chat: without accents and without the opening
question and exclamation marks ("¿Cuándo se creó ...?" -> "Cuando se creo ...?"). "ñ" stays, as Spanish
keyboards and phones type it. History turns are the user's earlier questions and are typed the same way; facts,
evidence and everything else are kept, so the answers judged are the same as the source set's. The source is a
set of Spanish questions: every item states "language": "es", so that eval also counts the replies that come
back in another language (a question without its accents is harder to tell for Spanish).

With --no-enye, "ñ" is typed "n" too, as on a keyboard without Spanish letters ("año" -> "ano"), the ids start
with "k-", and only the items that have an "ñ" are written (the others are the same as without --no-enye).

Usage: python tests/gold/unaccented.py [--no-enye] SOURCE.jsonl TARGET.jsonl
"""

import json
import sys
import unicodedata

KEEP = {"ñ", "Ñ"}


def unaccented(text: str, keep=KEEP) -> str:
    out = []
    for ch in text:
        if ch in "¿¡":
            continue
        if ch in keep:
            out.append(ch)
            continue
        out.append("".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)))
    return "".join(out)


def main(*args: str) -> None:
    no_enye = "--no-enye" in args
    source, target = [a for a in args if a != "--no-enye"]
    keep = set() if no_enye else KEEP
    lines = []
    for line in open(source, encoding="utf-8"):
        if not line.strip():
            continue
        item = json.loads(line)
        if no_enye and not any("ñ" in t.lower() for t in [item["question"], *item["history"]]):
            continue
        item["id"] = ("k-" if no_enye else "u-") + item["id"]
        item["question"] = unaccented(item["question"], keep)
        item["history"] = [unaccented(turn, keep) for turn in item["history"]]
        item["language"] = "es"
        lines.append(json.dumps(item, ensure_ascii=False))
    with open(target, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
