"""How many of a question's own words survive the trip to Spanish and back, with the documents choosing the
words (docs/answering.md, section 5).

`python -m benchmarks.roundtrip_words` takes every question of the SQuAD articles outside the test split,
sends it to Spanish with Apertium, and brings it back three ways: Apertium alone; with `prefer_senses` keeping
the translations the article uses; and with the article's own words for Spanish words whose translations it
never uses (`back_translations`). It prints, for each, the share of the question's search tokens found in
the round trip (recall) and the share of the round trip's tokens that are the question's (precision). The
question as its writer put it, looking at the article, is what a Spanish reader of the same article means.
"""

from __future__ import annotations

import json

from assistant.text import search_tokens
from assistant.translate import (ENGLISH, SPANISH, back_translations, cognate_index, translator, vocabulary,
                                 word_choices)

from .measure import ROOT
from .report import markdown_table

SQUAD = ROOT / "assistant" / "train" / "data" / "squad"
WAYS = ("Apertium alone", "senses the article uses", "and the article's words")


def articles() -> list[dict]:
    test = set(json.loads((SQUAD / "split.json").read_text(encoding="utf-8"))["test"])
    out = []
    for name in ("squad2-dev-12-articles.json", "squad2-train-10-articles.json"):
        data = json.loads((SQUAD / name).read_text(encoding="utf-8"))
        out += [a for a in data["data"] if a["title"] not in test]
    return out


def article_words(paragraphs: list[str]):
    """known and alternatives (prefer_senses) for one article, as Assistant._document_words makes them for an
    index (a paragraph counts as a passage)."""
    frequency: dict[str, int] = {}
    for text in paragraphs:
        for token in set(search_tokens(text)):
            frequency[token] = frequency.get(token, 0) + 1
    words = vocabulary(paragraphs)
    return word_choices(lambda token: frequency.get(token, 0), back_translations(words), cognate_index(words))


def main() -> None:
    counts = {way: [0, 0, 0] for way in WAYS}  # question tokens, of them in the round trip, round-trip tokens
    questions = changed = 0
    chosen = articles()
    for article in chosen:
        known, alternatives = article_words([p["context"] for p in article["paragraphs"]])
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                question = " ".join(qa["question"].split())
                spanish = translator().translate(question, ENGLISH, SPANISH)
                back = [translator().translate(spanish, SPANISH, ENGLISH),
                        translator().translate(spanish, SPANISH, ENGLISH, known),
                        translator().translate(spanish, SPANISH, ENGLISH, known, alternatives)]
                questions += 1
                changed += back[2] != back[1]
                own = set(search_tokens(question))
                for way, text in zip(WAYS, back):
                    tokens = set(search_tokens(text))
                    counts[way][0] += len(own)
                    counts[way][1] += len(own & tokens)
                    counts[way][2] += len(tokens)
    print(f"{len(chosen)} SQuAD articles (test split left out), {questions} questions; "
          f"{changed} read differently with the article's words")
    print("\n".join(markdown_table(
        ["back to English", "question's tokens found (recall)",
         "round trip's tokens that are the question's (precision)"],
        [[way, f"{100 * found / own:.1f}%", f"{100 * found / max(total, 1):.1f}%"]
         for way, (own, found, total) in counts.items()])))


if __name__ == "__main__":
    main()
