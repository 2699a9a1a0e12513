"""Answers the document's structure gives, whatever the model's ranking: a sentence that defines the term a
"What is T?" asks about, an acronym written with its long form, a table row whose label the question names, a
list whose heading it names, the opening of a section whose heading it repeats; and the answer's extent (a list
that runs on into the next chunks of its section, one row per period). Each rule's measured effect is in
docs/answering.md (section 3).
"""

from __future__ import annotations

import re

from .candidates import EXPLANATION, Candidate, Query, names_heading
from .checks import Checks
from .definitions import defines
from .nlp import asks_for_list, names_a_percentage
from .retrieval import Retriever
from .schema import Chunk, Span, row_values
from .table_rows import holds_figures_only, label_text, named_words, of_a_hundred, percentages_only
from .text import heading_words, list_groups, list_items, search_tokens

MAX_PERIODS = 4  # citations of one row label across the documents a question asks about (four quarters)
MAX_LIST_CHUNKS = 2  # further chunks of its section a list answer may run on into
MAX_REPEATED_SECTIONS = 3  # sections whose heading a question repeats, read besides the hits (the first in order)


class StructuralAnswers:
    """The structure's answers over one index (its retriever), each passing the checks the reader would apply."""

    def __init__(self, retriever: Retriever, checks: Checks, acronyms: dict[str, str]):
        self.retriever = retriever
        self.checks = checks
        self.acronyms = acronyms

    def list_on(self, best: Candidate) -> tuple[str, int, int]:
        """(passage, its start, the answer's end) for the best candidate: its chunk and answer, or, for a list that
        runs to the end of its chunk, the text that goes on in the next chunks of its section (they overlap it) as
        far as the list does, up to MAX_LIST_CHUNKS more: a list longer than a chunk is answered whole."""
        chunk = best.chunk
        passage, start, end = chunk.text, chunk.start, best.answer_end
        if chunk.kind != "text" or (best.answer_end == best.end and not best.by_heading):
            return passage, start, end
        units = list(chunk.units)
        at = units.index((best.start, best.end))
        if not best.by_heading and at not in list_groups(chunk.text, units, start):
            return passage, start, end  # (a lead-in that introduces no list: its answer ends in its chunk)
        first = at + (0 if best.by_heading else 1)  # the list's first item
        for _ in range(MAX_LIST_CHUNKS):
            after = self.retriever.store.following(chunk)
            if end != units[-1][1] or after is None or after.start > start + len(passage) or after.page != chunk.page:
                break
            joined = passage + after.text[start + len(passage) - after.start:]
            more = units + [u for u in after.units if u[0] >= units[-1][1]]
            last = more[list_items(joined, more, first, start)[-1][-1]][1]
            if last == end:  # the list ended with the chunk: the passage stays as it was
                break
            passage, units, end, chunk = joined, more, last, after
        return passage, start, end

    def spelled_out(self, acronym: str | None, cands: list[Candidate]) -> tuple[Candidate, Span] | None:
        """For a question that asks what an acronym the documents define stands for, the best candidate that
        writes it with its long form ("... the Federal Aviation Administration (FAA) ..."), and the long form as
        the answer phrase."""
        long = self.acronyms.get(acronym or "")
        if not long:
            return None
        written = re.compile(r"\s+".join(map(re.escape, long.split())), re.I)
        for cand in cands:
            text = cand.text
            found = written.search(text)
            if cand.chunk.kind != "row" and found and re.search(rf"(?<![\w&]){re.escape(acronym)}(?![\w&])", text):
                return cand, Span(cand.start + found.start(), cand.start + found.end(), found.group(0))
        return None

    def definition(self, term: str, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks what the term is, the best candidate the model read that defines it."""
        for cand in cands:
            if cand.scored is None or cand.chunk.kind == "row":
                continue
            previous = cand.chunk.text[cand.answer_start - cand.chunk.start:cand.start - cand.chunk.start]
            if defines(term, cand.model_text(), previous):
                return cand
        return None

    def named_row(self, query: Query, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks for something, not why, the table row the model read whose label it names in
        full and whose values are figures, in a document the question names, and that no rule speaks against:
        the one naming most label words, then the best ranked, unless another with its label is of the kind the
        question asks for (an amount, or a percentage) and it is not."""
        if EXPLANATION.search(query.asked or query.question):
            return None
        documents = set(self.checks.documents(query))
        tokens = set(query.tokens) | set(query.history_tokens)  # "And for the whole year?": the earlier row's label
        named, most = [], 0  # the best ranked first, of those naming the most label words
        for cand in cands:
            if cand.scored is None or cand.chunk.kind != "row" or (documents and cand.chunk.source not in documents):
                continue
            # A row that describes is read like prose: the model judges it.
            if not holds_figures_only(_cells(cand.text, cand.chunk.headers)):
                continue
            n = named_words(query.question, tokens, cand.text)
            # (a year it lacks, a name no passage has: declined)
            if n >= most and n and not self.checks.veto(query, cand):
                named, most = ([] if n > most else named) + [cand], n
        if not named:
            return None
        # A label printed in a table of amounts and again in one of percentages of revenue: the question that asks
        # for no percentage wants the amount ("What were the SG&A costs?"), one that asks for one the percentage.
        best = named[0]
        label = label_text(best.text).casefold()
        twins = [c for c in named[1:] if label_text(c.text).casefold() == label]
        if twins:
            wanted = names_a_percentage(f"{query.asked or query.question} {query.typed}")  # ("porcentaje": read)
            if self._percentages(best) != wanted:
                return next((c for c in twins if self._percentages(c) == wanted), best)
        return best

    def _percentages(self, row: Candidate) -> bool:
        """Whether a row's figures are percentages: written so, or in a table whose first row is 100 percent (a
        statement that gives each line as a percentage of revenue writes "%" on that row alone)."""
        if percentages_only(_cells(row.text, row.chunk.headers)):
            return True
        first = self.retriever.store.first_row(row.chunk)
        return first is not row.chunk and of_a_hundred(_cells(first.text, first.headers))

    def named_list(self, query: Query, cands: list[Candidate]) -> Candidate | None:
        """For a question that asks for a list, the list a heading introduces whose heading it names ("What are the
        known issues?" and "## Known issues") when everything else it names is where the list is (its section path
        or its document: "What are Acme's known issues?" under "Acme > Known issues"), and no rule speaks against
        it; for a question of another form, one whose heading it is ("Why choose Acme?"); the best ranked of those
        the model read."""
        alone = not asks_for_list(query.question)  # a question of another form must be the heading itself
        asked = query.english_tokens
        for cand in cands:
            if cand.by_heading and cand.scored is not None and names_heading(asked, cand.chunk, alone) \
                    and not self.checks.veto(query, cand):
                return cand
        return None

    def repeated_headings(self, query: Query) -> list[Chunk]:
        """The chunks that open a section whose heading the question repeats: it names the heading and nothing else
        but the document ("What is LTS?" and "#### What is LTS?"; "How fast is Acme?" and "## 6. How fast is it?"
        in acme-README.md)."""
        asked = query.english_tokens
        # A follow-up that names no document of its own stays in those its conversation is about ("What about
        # research and development?" after a question on one company's quarter: that filing's section only).
        kept = set() if self.retriever.named_documents(query.tokens) else set(query.documents)
        return [c for c in self.retriever.sections_headed(query.tokens) if names_heading(asked, c, alone=True)
                and (not kept or c.source in kept)]

    def opening_of(self, query: Query, cands: list[Candidate], openers: set[str]) -> Candidate | None:
        """The first sentence (or the list) of a section whose heading the question repeats, when no rule speaks
        against it: the document's own answer to its own question. The best ranked of them."""
        for cand in cands:
            if cand.chunk.id in openers and cand.start == cand.chunk.units[0][0] and _answers_heading(cand) \
                    and not self.checks.veto(query, cand):
                return cand
        return None

    def same_row_elsewhere(self, query: Query, row: Candidate) -> list[Chunk]:
        """For a question over several documents that a named row answers (one quarter's revenue row), the
        row with the same label in each of the others: in the table whose section path shares most words with
        the answer's, one per document, the latest periods first, up to MAX_PERIODS rows with the answer's."""
        label = frozenset(search_tokens(label_text(row.text)))
        section = set(search_tokens(row.chunk.section))
        out = []
        others = [s for s in self.checks.documents(query) if s != row.chunk.source]
        for source in sorted(others, key=self.retriever.catalogue.period_order, reverse=True):
            if len(out) + 1 >= MAX_PERIODS:
                break
            found = self.retriever.rows_labelled(label, source)
            if found:
                out.append(max(found, key=lambda c: (len(section & set(search_tokens(c.section))), -c.start)))
        return out

    def row_span(self, query: Query, chunk: Chunk) -> Span | None:
        """The value of a row (a chunk of its own) in the column the question asks for, as a phrase."""
        if not query.wants_phrase:
            return None
        found = row_phrase(set(query.tokens), chunk.text, chunk.headers, None, set(query.history_tokens))
        return Span(chunk.start + found[0], chunk.start + found[1], chunk.text[found[0]:found[1]]) if found else None


def _cells(text: str, headers: tuple[str, ...]) -> list[str]:
    """A table row's value cells, as text."""
    return [text[s:e] for _, s, e in row_values(text, headers)]


def row_phrase(question: set[str], text: str, headers: tuple[str, ...],
               marked: tuple[int, int] | None = None, earlier: set[str] = frozenset()) -> tuple[int, int] | None:
    """The value of a table row that answers, as offsets into the row's text: the value (a figure) whose column
    header shares most search tokens with the question's; among equals, the one sharing most with the earlier
    question a follow-up leans on ("And for the nine months?" after a question on Q3 2018: the nine months
    of 2018, not of 2017), then the one holding the phrase the span head
    marked (then that phrase, when the value is words: "8.89%" of "Projected CAGR of 8.89% between 2023 and
    2027"), else the first (a filing's first column is its latest period). None when no value holds a figure.

    The span head learnt phrases in prose: in "Total net sales | Three Months Ended June 25, 2022: $82,959 |
    ... | Change: 2 %" it may mark the change."""
    best, best_key = None, None
    for i, (header, s, e) in enumerate(row_values(text, headers)):
        if not any(ch.isdigit() for ch in text[s:e]):
            continue
        words = set(search_tokens(header))
        holds = marked is not None and s <= marked[0] and marked[1] <= e
        key = (len(question & words), len(earlier & words), holds, -i)
        if best_key is None or key > best_key:
            # A figure is marked whole ("$82,959", not "82,959"); inside a value that is a phrase of words, the
            # head's own phrase stands.
            best, best_key = (marked if holds and len(text[s:e].split()) > 3 else (s, e)), key
    return best


def _answers_heading(cand: Candidate) -> bool:
    """Whether the opening of a section answers for its heading (R100): under a heading that asks ("What is
    Acme?", "6. How fast is it?") whatever opens the section does, and so does a list (a heading names what it
    lists); a sentence under a heading that names a thing ("4.2 The Harbour Fund") must name all of it, or it sets
    the scene instead ("The idea of a reserve goes back to ...")."""
    heading = cand.chunk.heading.strip().rstrip("*_ ")
    if heading.endswith("?") or cand.by_heading or cand.answer_end > cand.end:
        return True
    return set(heading_words(heading)) <= set(search_tokens(cand.text))
