#!/usr/bin/env python3
"""Check a gold question file against the document it is about.

Usage: python tests/gold/check_gold.py QUESTIONS.jsonl DOCUMENT.md [--prefix p]

For every item it checks the format (id, question, history, answerable, facts,
evidence, section, type) and, for answerable items, that:
  * the evidence is a verbatim substring of the document (10-80 characters);
  * the evidence lies inside one sentence (or one table row / list item) of the
    document, and every fact is a case-insensitive substring of that same unit;
  * the section is a heading of the document (the heading line without its
    leading #'s; ** emphasis around it is ignored) and is the nearest heading
    above that unit.
Unanswerable items must have facts == [], evidence == "" and section == "".

Exits 1 and lists the problems when anything is wrong, 0 otherwise.
"""

import argparse
import json
import re
import sys

TYPES = {"fact", "paraphrase", "followup", "unanswerable", "table", "about"}

# Tokens that end in a period without ending a sentence (English and Spanish).
ABBREVIATIONS = {
    "e.g", "i.e", "u.s", "dr", "mr", "mrs", "ms", "st", "vs", "etc", "no", "fig",
    "al", "a.c", "d.c", "ej", "p. ej", "sr", "sra", "c", "approx", "inc", "co",
    "jr", "ca", "núm", "pág", "vol", "ed", "eds", "cf",
}


def norm_ws(text):
    return re.sub(r"\s+", " ", text).strip()


def heading_text(line):
    text = line.lstrip("#").strip()
    text = re.sub(r"^\*\*(.*)\*\*$", r"\1", text).strip()
    return text


def is_heading(line):
    return bool(re.match(r"^#{1,6}\s", line))


def is_row(line):
    return "\t" in line or line.lstrip().startswith("|")


def is_list_item(line):
    return bool(re.match(r"^\s*([-*+]|\d+[.)])\s+", line))


def split_sentences(paragraph):
    """Split a paragraph into sentences, keeping abbreviations together."""
    sentences = []
    start = 0
    for match in re.finditer(r"[.!?…]+[\"'”»)\]]*\s+(?=[\"'“«(¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])", paragraph):
        before = paragraph[start:match.start()]
        last = re.search(r"(\S+)$", before)
        token = last.group(1).lower() if last else ""
        token = token.lstrip("(\"'“«")
        if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
            continue
        sentences.append(paragraph[start:match.end()].strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def units_of(document):
    """Return the document as a list of (unit_text, heading) in reading order.

    A unit is a sentence of a paragraph, a table row, a list item, or a heading.
    A paragraph that does not end a sentence is joined with the next block when
    that block starts in lower case (a sentence broken by a page break).
    """
    blocks = []  # (kind, text, heading)
    heading = ""
    paragraph = []

    def flush():
        if paragraph:
            blocks.append(["para", norm_ws(" ".join(paragraph)), heading])
            paragraph.clear()

    for raw in document.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if is_heading(line):
            flush()
            heading = heading_text(line)
            blocks.append(["heading", heading, heading])
        elif is_row(line):
            flush()
            blocks.append(["row", norm_ws(line.replace("\t", " ")), heading])
        elif is_list_item(line):
            flush()
            blocks.append(["item", norm_ws(line), heading])
        else:
            paragraph.append(line)
    flush()

    merged = []
    for block in blocks:
        if (
            merged
            and block[0] == "para"
            and merged[-1][0] in ("para", "item")
            and not re.search(r"[.!?:\"”)]$", merged[-1][1])
            and re.match(r"^[a-záéíóúñ]", block[1])
        ):
            sep = "" if merged[-1][1].endswith("-") else " "
            merged[-1][1] = merged[-1][1] + sep + block[1]
        else:
            merged.append(block)

    units = []
    for kind, text, head in merged:
        if kind == "para":
            units.extend((s, head) for s in split_sentences(text))
        else:
            units.append((text, head))
    return units


def check(questions_path, document_path, prefix=None):
    document = open(document_path, encoding="utf-8").read()
    units = units_of(document)
    headings = {heading_text(l) for l in document.splitlines() if is_heading(l)}
    problems = []
    seen = set()
    items = []
    with open(questions_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                problems.append(f"line {number}: empty line")
                continue
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                problems.append(f"line {number}: not JSON ({error})")

    for number, item in items:
        where = f"line {number} ({item.get('id', '?')})"
        keys = {"id", "question", "history", "answerable", "facts", "evidence", "section", "type"}
        if set(item) != keys:
            problems.append(f"{where}: keys {sorted(item)} != {sorted(keys)}")
            continue
        if item["id"] in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(item["id"])
        if prefix and not item["id"].startswith(prefix):
            problems.append(f"{where}: id does not start with {prefix!r}")
        if not isinstance(item["question"], str) or not item["question"].strip():
            problems.append(f"{where}: empty question")
        if not isinstance(item["history"], list) or not all(isinstance(h, str) and h.strip() for h in item["history"]):
            problems.append(f"{where}: history must be a list of strings")
        if item["type"] not in TYPES:
            problems.append(f"{where}: unknown type {item['type']!r}")
        if item["type"] == "followup" and not item["history"]:
            problems.append(f"{where}: a followup needs a history")
        if item["history"] and item["type"] not in ("followup", "unanswerable"):
            problems.append(f"{where}: history given but type is {item['type']}")
        if not isinstance(item["answerable"], bool):
            problems.append(f"{where}: answerable must be true or false")
            continue

        if not item["answerable"]:
            if item["facts"] or item["evidence"] or item["section"]:
                problems.append(f"{where}: unanswerable item with facts/evidence/section")
            if item["type"] != "unanswerable":
                problems.append(f"{where}: unanswerable item with type {item['type']}")
            continue

        if item["type"] == "unanswerable":
            problems.append(f"{where}: answerable item with type unanswerable")
        facts, evidence, section = item["facts"], item["evidence"], item["section"]
        if not isinstance(facts, list) or not 1 <= len(facts) <= 3 or not all(isinstance(f, str) and f.strip() for f in facts):
            problems.append(f"{where}: facts must be 1-3 non-empty strings")
            continue
        if not isinstance(evidence, str) or not 10 <= len(evidence) <= 80:
            problems.append(f"{where}: evidence must be 10-80 characters (has {len(evidence)})")
        if evidence not in document:
            problems.append(f"{where}: evidence is not a verbatim substring of the document: {evidence!r}")
            continue
        holders = [(text, head) for text, head in units if evidence in text]
        if not holders:
            problems.append(f"{where}: evidence spans more than one sentence/row: {evidence!r}")
            continue
        good = [(text, head) for text, head in holders if all(f.lower() in text.lower() for f in facts)]
        if not good:
            missing = [f for f in facts if f.lower() not in holders[0][0].lower()]
            problems.append(f"{where}: facts {missing} not in the evidence sentence: {holders[0][0]!r}")
            continue
        if section not in headings:
            problems.append(f"{where}: section {section!r} is not a heading of the document")
        elif not any(head == section for _, head in good):
            problems.append(f"{where}: section {section!r} is not the nearest heading above the evidence ({good[0][1]!r})")
        for fact in facts:
            if fact.lower() in item["question"].lower():
                problems.append(f"{where}: fact {fact!r} is given away by the question")

    return items, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions")
    parser.add_argument("document")
    parser.add_argument("--prefix", help="every id must start with this")
    args = parser.parse_args()
    items, problems = check(args.questions, args.document, args.prefix)
    counts = {}
    for _, item in items:
        counts[item.get("type")] = counts.get(item.get("type"), 0) + 1
    answerable = sum(1 for _, item in items if item.get("answerable") is True)
    print(f"{args.questions}: {len(items)} items, {answerable} answerable, "
          f"{len(items) - answerable} unanswerable; by type: {dict(sorted(counts.items()))}")
    for problem in problems:
        print("PROBLEM:", problem)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
