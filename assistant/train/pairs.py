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
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..text import is_number, named_terms, search_tokens, sentence_spans

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
    # For an unanswerable question, the phrase its writer had in mind (SQuAD 2.0's "plausible_answers"): the
    # near miss the question was written against.
    plausible: tuple[tuple[int, str], ...] = ()


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
            plausible = tuple((a["answer_start"], a["text"]) for a in qa.get("plausible_answers", ())
                              ) if qa.get("is_impossible") else ()
            out.append(Question(article["title"], qa["question"], context, spans, answers, p_index, plausible))
    return out


def answer_sentence(q: Question, plausible: bool = False) -> int | None:
    """Index of the sentence holding the first answer wholly, or None (unanswerable, or split across). With
    plausible, of an unanswerable question's plausible answer instead: the sentence it was written against."""
    for start, text in (q.plausible if plausible else q.answers)[:1]:
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


def swapped_question(question: str, sentence: str, others: list[str], rng: random.Random) -> str | None:
    """The question with one name or number it shares with its answer sentence replaced by another of the same
    kind from other articles (a year by another year): a near miss that the sentence no longer answers, as
    SQuAD 2.0's writers made them ("a swapped entity", "a near-miss date"). None when it shares none."""
    shared = [w for w in named_terms(question) if w in sentence]
    if not shared:
        return None
    word = rng.choice(shared)
    if is_number(word):
        digits = word.strip("$%").replace(",", "")
        if not digits.isdigit():
            return None
        value = int(digits)
        other = str(value + rng.choice([-1, 1]) * rng.randint(1, 12 if 1000 <= value <= 2100 else max(2, value)))
        other = word.replace(digits, other) if digits == word.strip("$%") else other
    else:
        pool = [o for o in others if not is_number(o) and o not in sentence and o.lower() != word.lower()]
        if not pool:
            return None
        other = rng.choice(pool)
    return re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", other, question, count=1)


def build_pairs(article_names: list[str], seed: int = 13, paragraph_negatives: int = 4,
                retrieved_negatives: int = 2, swap_negatives: bool = False,
                roundtrip: dict[str, str] | None = None, roundtrip_share: float = 0.0) -> list[Pair]:
    """All training pairs of the named articles, shuffled with a fixed seed. With swap_negatives, each
    answerable question that shares a name or number with its answer sentence also gives a near miss: the
    question with that name swapped for one of another article, paired with the same sentence as a negative.
    With roundtrip ({question: the question taken to Spanish and back}, roundtrip.py), roundtrip_share of the
    questions are read in that form in all their pairs (the same sentences, labels and spans)."""
    rng = random.Random(seed)
    swap_rng = random.Random(seed + 1)  # its own draws: the other pairs are the same with or without near misses
    trip_rng = random.Random(seed + 2)  # likewise for which questions are read as their round trip
    pairs: list[Pair] = []
    articles = load_articles(article_names)
    names = {a["title"]: sorted({w for p in a["paragraphs"] for qa in p["qas"] for w in named_terms(qa["question"])})
             for a in articles} if swap_negatives else {}
    for article in articles:
        questions = questions_of(article)
        foreign = [w for title, words in names.items() if title != article["title"] for w in words]
        index = _ArticleIndex(questions)
        for q in questions:
            texts = [q.context[s:e] for s, e in q.sentences]
            positive = answer_sentence(q)
            if q.answers and positive is None:
                continue  # the splitter cut the answer in two: no clean label
            read = q.question
            if roundtrip is not None and trip_rng.random() < roundtrip_share:
                read = roundtrip.get(" ".join(q.question.split()), q.question)
            others = [t for i, t in enumerate(texts) if i != positive]
            rng.shuffle(others)
            for text in others[:paragraph_negatives + (0 if q.answers else 1)]:
                pairs.append(Pair(read, text, 0, None, q.article))
            for text in index.closest(q.question, q.paragraph, retrieved_negatives):
                pairs.append(Pair(read, text, 0, None, q.article))
            if positive is not None:
                s, _ = q.sentences[positive]
                start, answer = q.answers[0]
                pairs.append(Pair(read, texts[positive], 1, (start - s, start - s + len(answer)), q.article))
                near_miss = swapped_question(q.question, texts[positive], foreign, swap_rng) if swap_negatives else None
                if near_miss and near_miss != q.question:
                    pairs.append(Pair(near_miss, texts[positive], 0, None, q.article))
    rng.shuffle(pairs)
    return pairs


def build_verifier_pairs(article_names: list[str], seed: int = 13) -> list[Pair]:
    """Pairs for a verifier, a model that tells an answer sentence from the near miss an unanswerable question was
    written against (docs/reader-model.md): each answerable question with its answer sentence (a positive, with
    its span), each unanswerable one with the sentence holding its plausible answer (a negative). No other
    sentence: the reader's own model already tells those apart (an AUC of 0.93 against 0.59 for the near misses
    on the validation articles)."""
    pairs: list[Pair] = []
    for article in load_articles(article_names):
        for q in questions_of(article):
            index = answer_sentence(q, plausible=not q.answers)
            if index is None:
                continue
            s, e = q.sentences[index]
            if q.answers:
                start, answer = q.answers[0]
                pairs.append(Pair(q.question, q.context[s:e], 1, (start - s, start - s + len(answer)), q.article))
            else:
                pairs.append(Pair(q.question, q.context[s:e], 0, None, q.article))
    random.Random(seed).shuffle(pairs)
    return pairs
