"""SQuAD 2.0 articles -> (question, sentence, label, answer span) pairs for the reader model.

Sentences come from the project's own splitter (assistant.text.sentence_spans), the one the reader uses at
run time. For an answerable question the sentence holding the answer is the positive; the other sentences of
its paragraph and the sentences of other paragraphs that share most words with the question (what retrieval
would bring) are hard negatives. Every sentence of an unanswerable question's paragraph is a negative: those
questions were written as near misses of that paragraph.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..text import search_tokens, sentence_spans

DATA = Path(__file__).resolve().parent / "data" / "squad"
FILES = ("squad2-train-10-articles.json", "squad2-dev-12-articles.json")


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    label: int  # 1 when the sentence holds the answer
    span: tuple[int, int] | None = None  # the answer's character offsets inside the sentence, for positives
    article: str = ""


@dataclass(frozen=True)
class Question:
    """One SQuAD question with its paragraph cut into sentences."""

    article: str
    question: str
    context: str
    sentences: tuple[tuple[int, int], ...]
    answers: tuple[tuple[int, str], ...]  # (start in context, text); empty when unanswerable
    paragraph: int  # index of the paragraph within its article


def load_split() -> dict[str, list[str]]:
    return json.loads((DATA / "split.json").read_text(encoding="utf-8"))


def load_articles(names: list[str] | None = None) -> list[dict]:
    """The SQuAD article dicts, in file order, optionally only those named."""
    articles = []
    for name in FILES:
        articles.extend(json.loads((DATA / name).read_text(encoding="utf-8"))["data"])
    if names is not None:
        wanted = set(names)
        articles = [a for a in articles if a["title"] in wanted]
    return articles


def questions_of(article: dict) -> list[Question]:
    out = []
    for p_index, paragraph in enumerate(article["paragraphs"]):
        context = paragraph["context"]
        spans = tuple(sentence_spans(context))
        for qa in paragraph["qas"]:
            answers = () if qa.get("is_impossible") else tuple(
                (a["answer_start"], a["text"]) for a in qa["answers"])
            out.append(Question(article["title"], qa["question"], context, spans, answers, p_index))
    return out


def answer_sentence(q: Question) -> int | None:
    """Index of the sentence holding the first answer wholly, or None (unanswerable, or split across)."""
    for start, text in q.answers[:1]:
        end = start + len(text)
        for i, (s, e) in enumerate(q.sentences):
            if s <= start and end <= e:
                return i
    return None


class _ArticleIndex:
    """Word-overlap search over an article's sentences: the hard negatives retrieval would bring."""

    def __init__(self, questions: list[Question]):
        seen: dict[tuple[int, int], tuple[str, set[str]]] = {}
        for q in questions:
            for s, e in q.sentences:
                seen.setdefault((q.paragraph, s), (q.context[s:e], set(search_tokens(q.context[s:e]))))
        self.keys = list(seen)
        self.texts = [seen[k][0] for k in self.keys]
        self.tokens = [seen[k][1] for k in self.keys]
        df = Counter(t for toks in self.tokens for t in toks)
        n = len(self.tokens)
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}

    def closest(self, question: str, exclude_paragraph: int, k: int) -> list[str]:
        terms = set(search_tokens(question))
        scored = []
        for key, toks, text in zip(self.keys, self.tokens, self.texts):
            if key[0] == exclude_paragraph:
                continue
            score = sum(self.idf.get(t, 0.0) for t in terms & toks)
            if score > 0:
                scored.append((score, text))
        scored.sort(key=lambda x: -x[0])
        return [t for _, t in scored[:k]]


def build_pairs(article_names: list[str], seed: int = 13, paragraph_negatives: int = 4,
                retrieved_negatives: int = 2) -> list[Pair]:
    """All training pairs of the named articles, shuffled with a fixed seed."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for article in load_articles(article_names):
        questions = questions_of(article)
        index = _ArticleIndex(questions)
        for q in questions:
            texts = [q.context[s:e] for s, e in q.sentences]
            positive = answer_sentence(q)
            if q.answers and positive is None:
                continue  # the splitter cut the answer in two: no clean label
            others = [t for i, t in enumerate(texts) if i != positive]
            rng.shuffle(others)
            for text in others[:paragraph_negatives + (0 if q.answers else 1)]:
                pairs.append(Pair(q.question, text, 0, None, q.article))
            for text in index.closest(q.question, q.paragraph, retrieved_negatives):
                pairs.append(Pair(q.question, text, 0, None, q.article))
            if positive is not None:
                s, _ = q.sentences[positive]
                start, answer = q.answers[0]
                pairs.append(Pair(q.question, texts[positive], 1, (start - s, start - s + len(answer)), q.article))
    rng.shuffle(pairs)
    return pairs
