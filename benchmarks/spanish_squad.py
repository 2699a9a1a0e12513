"""Spanish questions on the SQuAD validation articles, against the English questions they were written from
(docs/answering.md, section 5).

`python -m benchmarks.spanish_squad` indexes the two validation articles as `eval` does, asks each of the 80
questions of tests/gold/tuning/squad-validation-es.jsonl (60 answerable, 20 impossible; written in Spanish by
hand from SQuAD's English questions) in Spanish and in English, and prints, for each language, how often the
first citation holds a gold answer, how many answerable questions are declined and how many impossible ones are.
The gap between the two lines is what reading a Spanish question costs. A tuning set: translation choices are
made on it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from assistant.assistant import Assistant
from assistant.evaluate import answer_holds, write_squad_corpus
from assistant.train.pairs import load_articles, load_split

from .measure import ROOT
from .report import markdown_table

QUESTIONS = ROOT / "tests" / "gold" / "tuning" / "squad-validation-es.jsonl"


def measure(assistant: Assistant, items: list[dict], by_text: dict) -> dict[str, tuple[int, int, int]]:
    """{'Spanish' | 'English': (answered right, answerable declined, impossible declined)}."""
    out = {}
    for language, key in (("Spanish", "question"), ("English", "question_en")):
        right = declined = impossible = 0
        for item in items:
            gold = by_text[item["question_en"]]
            answer = assistant.ask(item[key])
            if not item["answerable"]:
                impossible += answer.abstained
            elif answer.abstained:
                declined += 1
            else:
                right += answer_holds(answer, gold)
        out[language] = (right, declined, impossible)
    return out


def main() -> None:
    items = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="spanish-squad-") as work:
        questions = write_squad_corpus(load_articles(load_split()["validation"]), Path(work) / "corpus")
        assistant = Assistant.load(Path(work) / "corpus", Path(work) / "index")
        counts = measure(assistant, items, {q.question.strip(): q for q in questions})
    answerable = sum(i["answerable"] for i in items)
    print(f"{len(items)} questions on the SQuAD validation articles ({answerable} answerable)")
    print("\n".join(markdown_table(
        ["asked in", "answer sentence holds the gold answer", "answerable declined", "impossible declined"],
        [[language, f"{right} of {answerable}", str(declined), f"{impossible} of {len(items) - answerable}"]
         for language, (right, declined, impossible) in counts.items()])))


if __name__ == "__main__":
    main()
