"""Table rows a question names by their label.

A financial statement answers "What was the company's operating profit?" with its row "Operating profit | Three
Months Ended ...: 12,345 | ...". The reader model, trained on prose (SQuAD), scores such a row low: it holds
figures, not a sentence that says what they are. But a row has a name, its label (the first cell), and a question
that names the label in full asks for that row. `named_words` says how many of a label's words a question names, by
word class alone: every word of the label counts but the determiners, prepositions, conjunctions, particles,
numbers and symbols (spaCy's part-of-speech tags), so "Other, net" is not named by a question about "net cash", nor
"Total Northern Region" by one about "the Northern Region". docs/answering.md, section 3, has the rule and its
measured effect.
"""

from __future__ import annotations

from functools import lru_cache

from .nlp import part_of_speech
from .text import raw_tokens, search_tokens

# Word classes a label may hold that do not name anything: "Repairs and upkeep", "% of net sales".
_FUNCTION = frozenset({"DET", "ADP", "CCONJ", "SCONJ", "PART", "PUNCT", "SYM", "NUM", "SPACE"})


def label_text(text: str) -> str:
    """The label of a table row as the index holds it: its first cell, without the section or table headings a
    PDF row carries before it ("Changes in operating assets and liabilities: Net cash from operations")."""
    return text.split(" | ", 1)[0].rsplit(": ", 1)[-1].strip(" |")


@lru_cache(maxsize=8192)
def label_words(label: str) -> tuple[frozenset[str], ...]:
    """Each naming word of a label (not a function word), as the forms a question may name it by: its search
    tokens, or the word itself when it has none ("Other", "More": words a search leaves out). An elliptical label,
    whose naming words are all adjectives ("Total", "Other", "Net", "Current"), names nothing on its own: what it
    totals is in the table's heading, so it has none."""
    out, adjectives = [], True
    for word, pos in part_of_speech(label):
        if pos not in _FUNCTION and any(ch.isalpha() for ch in word):  # (spaCy may tag "%" a noun)
            out.append(frozenset(search_tokens(word)) or frozenset({word.lower()}))
            adjectives = adjectives and pos == "ADJ"
    return () if adjectives else tuple(out)


def named_words(question: str, question_tokens: set[str], row_text: str) -> int:
    """How many naming words of the row's label the question names, when it names all of them; else 0."""
    words = label_words(label_text(row_text))
    if not words:
        return 0
    known = question_tokens | {w.lower() for w in raw_tokens(question)}
    return len(words) if all(forms <= known for forms in words) else 0
