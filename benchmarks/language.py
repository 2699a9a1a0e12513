"""How often a question's language is detected right: short questions, in English and in Spanish (issue 12).

`python -m benchmarks.language` runs `translate.detect_language` on every question of the gold sets of
tests/gold/sets.json (a set's language is in its name: "Spanish questions", "in Spanish"; a set of both languages
states each item's, "language"), and on both sides of
the parallel Spanish sets that keep their English original (`question_en`: the SQuAD validation articles' and the
10-Q filings' questions). It prints, for the tuning questions and for the held-out ones apart, how many of each
language were read as that language, by length in words, and every question read as the other language. A rule
about detection is chosen on the tuning questions only; the held-out ones are reported after.
"""

from __future__ import annotations

import json
from collections import defaultdict

from assistant.translate import ENGLISH, SPANISH, detect_language

from .measure import ROOT
from .report import markdown_table

GOLD = ROOT / "tests" / "gold"
PARALLEL = (GOLD / "tuning" / "squad-validation-es.jsonl", GOLD / "tuning" / "filings-es" / "questions.jsonl")
LENGTHS = ((1, 4), (5, 8), (9, 99))  # words


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def questions() -> dict[str, list[tuple[str, str, str]]]:
    """{"tuning" | "held-out": [(question, its language, its source)]}, each question once per role."""
    out: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for entry in json.loads((GOLD / "sets.json").read_text(encoding="utf-8"))["sets"]:
        named = SPANISH if "Spanish questions" in entry["name"] or "in Spanish" in entry["name"] else ENGLISH
        for item in _lines(ROOT / entry["questions"]):
            language = item.get("language", named)  # a set of both languages states each item's
            for text in [*item.get("history", []), item["question"]]:
                out[entry["role"]].setdefault(text, (language, entry["name"]))
    for path in PARALLEL:
        name = path.parent.name if path.name == "questions.jsonl" else path.stem
        for item in _lines(path):
            out["tuning"].setdefault(item["question"], (SPANISH, name))
            out["tuning"].setdefault(item["question_en"], (ENGLISH, name + " (English original)"))
    return {role: [(q, lang, src) for q, (lang, src) in found.items()] for role, found in out.items()}


def measure() -> dict[str, dict]:
    results = {}
    for role, items in questions().items():
        counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        wrong = []
        for question, language, source in items:
            words = len(question.split())
            band = next(f"{a}-{b}" if b < 99 else f"{a}+" for a, b in LENGTHS if a <= words <= b)
            right = detect_language(question) == language
            for key in ((language, "all"), (language, band)):
                counts[key][0] += right
                counts[key][1] += 1
            if not right:
                wrong.append((language, source, question))
        results[role] = {"counts": dict(counts), "wrong": wrong}
    return results


def main() -> None:
    for role, found in sorted(measure().items(), reverse=True):
        rows = []
        for (language, band), (right, total) in sorted(found["counts"].items()):
            rows.append([language, band, f"{right} / {total}", f"{100 * right / total:.1f}%"])
        print(f"\n{role} questions")
        print("\n".join(markdown_table(["language", "words", "detected right", "share"], rows)))
        for language, source, question in found["wrong"]:
            print(f"  read as the other language ({language}, {source}): {question}")


if __name__ == "__main__":
    main()
