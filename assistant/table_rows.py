"""Table rows a question names by their label.

A financial statement answers "What was the company's operating profit?" with its row "Operating profit | Three
Months Ended ...: 12,345 | ...". The reader model, trained on prose (SQuAD), scores such a row low: it holds
figures, not a sentence that says what they are. But a row has a name, its label (the first cell), and a question
that names the label in full asks for that row. `named_words` says how many of a label's words a question names, by
word class alone: every word of the label counts but the determiners, prepositions, conjunctions, particles,
numbers and symbols (spaCy's part-of-speech tags), so "Other, net" is not named by a question about "net cash", nor
"Total Northern Region" by one about "the Northern Region". A word in parentheses is an alternative to the word
next to it ("Net income (loss)" is named by "net income" and by "net loss": `label_readings`). Only a row of figures
answers this way (`holds_figures_only`): a row whose value describes ("Accounts for 95% of firms") is read by the
model like a sentence. docs/answering.md, section 3, has the rules and their measured effect.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .nlp import part_of_speech
from .schema import split_row
from .text import raw_tokens, search_tokens

# Word classes a label may hold that do not name anything: "Repairs and upkeep", "% of net sales".
_FUNCTION = frozenset({"DET", "ADP", "CCONJ", "SCONJ", "PART", "PUNCT", "SYM", "NUM", "SPACE"})
# A parenthesised group of a label, with the slash that may join it to its neighbour ("income/(expense)").
_GROUP = re.compile(r"/?\(([^()]*)\)/?")
MAX_GROUPS = 3  # alternatives read per label (2**3 readings at most)


def label_text(text: str) -> str:
    """The label of a table row as the index holds it: its first cell, without the section or table headings a
    PDF row carries before it ("Changes in operating assets and liabilities: Net cash from operations"). A row of a
    Markdown or text table is its line: its label is its first cell (split_row)."""
    first = split_row(text)[0] if "\t" in text.strip() or " | " not in text else text.split(" | ", 1)[0]
    return first.rsplit(": ", 1)[-1].strip(" |")


@lru_cache(maxsize=8192)
def label_words(label: str) -> tuple[frozenset[str], ...]:
    """Each naming word of a label (not a function word), as the forms a question may name it by: its search
    tokens, or the word itself when it has none ("Other", "More": words a search leaves out). An elliptical label,
    whose naming words are all adjectives ("Total", "Other", "Net", "Current"), names nothing on its own: what it
    totals is in the table's heading, so it has none."""
    tagged = _naming_tagged(label)
    if all(pos == "ADJ" for _, pos in tagged):
        return ()
    return tuple(frozenset(search_tokens(word)) or frozenset({word.lower()}) for word, _ in tagged)


def _naming_tagged(text: str) -> list[tuple[str, str]]:
    """The naming words of a short text with their part-of-speech tags: not function words, and holding a letter
    (spaCy may tag "%" a noun)."""
    return [(word, pos) for word, pos in part_of_speech(text)
            if pos not in _FUNCTION and any(ch.isalpha() for ch in word)]


def _kind(pos: str) -> str:
    """The kind of a word by its part-of-speech tag: "noun" (nouns and names), "verb", or the tag itself."""
    return {"PROPN": "noun", "NOUN": "noun", "AUX": "verb", "VERB": "verb"}.get(pos, pos)


@lru_cache(maxsize=8192)
def label_readings(label: str) -> tuple[str, ...]:
    """The label as a question may name it. Statements write a word's alternative in parentheses next to it:
    "Net income (loss)" reads "Net income" or "Net loss", "(Gains) losses on investments" "losses on
    investments" or "Gains on investments", "Cash provided by (used in) operations" either verb. A group of one
    naming word is such an alternative, to the naming word before it, or after it when nothing names before it
    or a slash follows it ("net (gains)/losses"), when both are the same kind of word (nouns, verbs). A group
    with a figure qualifies the label, and a question need not name it: "Headcount (31 March 2024)" is the
    headcount row, "Product sales (1)" (a footnote) the product sales row. A group of several naming words and
    no figure stays in the label as it is."""
    readings = [label]
    for group in list(_GROUP.finditer(label))[:MAX_GROUPS]:
        inner = group.group(1).strip()
        alternative = _naming_tagged(inner)
        qualifier = any(ch.isdigit() for ch in inner)
        if len(alternative) != 1 and not qualifier:
            continue
        kind = "" if qualifier else _kind(alternative[0][1])
        out = []
        for reading in readings:
            at = reading.find(group.group(0))
            if at < 0:
                out.append(reading)
                continue
            before, after = reading[:at], reading[at + len(group.group(0)):]
            out.append(f"{before.rstrip()} {after.lstrip()}".strip())  # the word itself, or the label unqualified
            if qualifier:
                continue
            words = _naming_tagged(before) if before.strip() and not group.group(0).endswith("/") else []
            if words:  # the alternative in place of the word before it
                word, pos = words[-1]
                if _kind(pos) == kind:
                    i = before.rfind(word)
                    out.append(f"{before[:i]}{inner}{before[i + len(word):]} {after.lstrip()}".strip())
            elif (words := _naming_tagged(after)) and _kind(words[0][1]) == kind:  # ... or of the word after it
                word = words[0][0]
                i = after.find(word)
                out.append(f"{before.rstrip()} {after[:i]}{inner}{after[i + len(word):]}".strip())
        readings = out
    return tuple(dict.fromkeys(readings))


def named_words(question: str, question_tokens: set[str], row_text: str) -> int:
    """How many naming words of the row's label the question names, when it names all of them in one of the
    label's readings (the most such words); else 0."""
    known = question_tokens | {w.lower() for w in raw_tokens(question)}
    most = 0
    for reading in label_readings(label_text(row_text)):
        words = label_words(reading)
        if words and all(forms <= known for forms in words):
            most = max(most, len(words))
    return most


PROSE_WORDS = 3  # words of letters from which a table cell is prose, not a figure ("$5.2 billion" is a figure)


def holds_figures_only(cells: list[str]) -> bool:
    """Whether a row's value cells are figures: one holds a digit, and none is prose (a description such as
    "Accounts for 95% of firms" is read by the model like any sentence)."""
    return any(ch.isdigit() for cell in cells for ch in cell) and not any(
        sum(any(ch.isalpha() for ch in word) for word in cell.split()) >= PROSE_WORDS for cell in cells)


def _figures(cells: list[str]) -> list[str]:
    """The value cells that hold a figure, stripped."""
    return [cell.strip() for cell in cells if any(ch.isdigit() for ch in cell)]


def percentages_only(cells: list[str]) -> bool:
    """Whether every value cell holding a figure is a percentage ("4.7 %")."""
    figures = _figures(cells)
    return bool(figures) and all("%" in cell for cell in figures)


_HUNDRED = re.compile(r"^\(?100(?:\.0+)?\s*%\)?$")


def of_a_hundred(cells: list[str]) -> bool:
    """Whether every value cell holding a figure is 100 percent: the first row of a table that gives each line as a
    percentage of it ("Revenue | 100.0 % | 100.0 %"), whose other rows write their percentages without the sign."""
    figures = _figures(cells)
    return bool(figures) and all(_HUNDRED.match(cell) for cell in figures)
