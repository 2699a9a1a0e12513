"""The checks that speak against an answer: a term, name or identifier the question names that no document
mentions, a number or the kind of value asked for that the answer lacks, a qualifier swapped, passages that are
about something else. Their measured effects are in docs/answering.md (section 3). The rules in RULES are
signals the answer probability weighs (fitted, not vetoes); the others decline on their own, where the reader
says.
"""

from __future__ import annotations

import re

from .candidates import Candidate, Query
from .nlp import lacks_expected_entity, part_of_speech, says_negation, swapped_qualifiers
from .retrieval import Retriever
from .schema import Hit
from .text import TERM_WORD, fold, holds_identifier, is_number, named_terms, ordinal_forms, raw_tokens, search_tokens

# A name written as letters, a full stop and digits ("ASN.1", "X.509", "H.264"): its digits are no number asked for.
_NAME_NUMBER = re.compile(r"(?<![\w.])[A-Za-z]+\.(\d+)\b")
# Rules: signals the answer probability weighs (fitted, not vetoes). Their measured effects are in
# docs/answering.md.
RULES = ("unknown_term", "number_missing", "type_missing")


class Checks:
    """The checks, over one index (its retriever): what each says of a question and its best candidate."""

    def __init__(self, retriever: Retriever, rules: tuple[str, ...] = RULES, off_topic_cosine: float = 0.15):
        self.retriever = retriever
        self.rules = rules
        self.off_topic_cosine = off_topic_cosine

    def unknown_terms(self, question: str, known: set[str] = frozenset(), typed: str = "") -> list[str]:
        """Terms the question names precisely that no passage of the documents contains (search tokens in known,
        such as the terms that only name a document, and the words of the documents' titles and file names
        excepted). typed: the question as the user wrote it, when question is its translation; then only the
        terms it writes too are counted, as the user's: "Property" for "Hacienda" is the translator's English for
        a word, capitalised because the word was."""
        written = {fold(w) for w in TERM_WORD.findall(typed)} if typed else None
        out = []
        for word in named_terms(question):
            if written is not None and fold(word) not in written:
                continue
            token = (search_tokens(word) or [""])[0]
            # ("Acme" of a file titled "Acme annual report" is mentioned: Retriever.mentions)
            if token and token not in known and not self.retriever.mentions(token):
                out.append(word)
        return out

    def unknown_names(self, query: Query) -> list[str]:
        """The names and acronyms of unknown_terms (not its numbers) that no passage holds even a letter away or
        with an accent (Retriever.knows_word): the question is about something the documents never mention, and
        is declined outright. A question read in translation keeps its acronyms: Spanish writes its own ("EEI" for
        the ISS)."""
        terms = self.typed_unknown_terms(query)
        return [t for t in terms if not is_number(t) and not (query.typed and t.isupper())
                and not self.retriever.knows_word(t)]

    def unknown_identifiers(self, query: Query) -> list[str]:
        """The code identifiers the question names as typed ("BZ_TIMEOUT_ERROR", "--parallel") that no passage holds
        whole: each of its pieces may be in the documents, the identifier is not, so the question asks about
        something they never mention."""
        return [i for i in query.identifiers if not self.retriever.holds_identifier(i)]

    def veto(self, query: Query, best: Candidate, rules: tuple[str, ...] | None = None) -> str:
        """The first rule that speaks against the best candidate (a key of assistant/messages.py), or ""."""
        rules = self.rules if rules is None else rules
        naming = self.naming_tokens(query) if {"unknown_term", "number_missing"} & set(rules) else set()
        if "unknown_term" in rules and self.unknown_terms(query.asked or query.question, naming | query.spelled):
            return "unknown_term"
        if "number_missing" in rules:
            # A row's column headers are part of what it says ("Second quarter 2024": 1,410).
            headers = " " + " ".join(best.chunk.headers) if best.chunk.kind == "row" else ""
            found = set(raw_tokens(best.shown + headers))
            found |= {part for token in found if "-" in token for part in token.split("-")}  # "17th-century"
            in_names = set(_NAME_NUMBER.findall(query.question))  # "ASN.1", "X.509": a name, not a number asked for
            numbers = [t for t in raw_tokens(query.question) if is_number(t) and t.lower() not in naming
                       and t not in in_names]
            if any(n not in found and n.rstrip("%") not in found for n in numbers):
                return "number_missing"
            # An ordinal typed in digits is a number too: "the 16th century" is not the 17th, "4th son" not "third".
            ordinals = [forms for token in raw_tokens(query.question) for part in token.split("-")
                        if part not in naming and (forms := ordinal_forms(part))]
            if any(not forms & found for forms in ordinals):
                return "number_missing"
        if "type_missing" in rules and lacks_expected_entity(query.question, best.shown, best.chunk.kind == "row"):
            return "type_missing"
        return ""

    def reason(self, query: Query, flags) -> tuple[str, tuple[str, ...]]:
        """What a declined answer tells the user: the first rule that spoke, or "not_close", and for
        "unknown_term" the terms to name. The answer probability weighs an unknown term of a question read in
        translation as it does any other, but the message claims it only of a term the user typed: "Property",
        Apertium's word for "Hacienda" where the documents say "Finance Ministry", is no name the question names
        that the documents never mention."""
        for rule, flag in zip(RULES, flags):
            if not flag:
                continue
            if rule != "unknown_term":
                return rule, ()
            terms = tuple(self.typed_unknown_terms(query))
            if terms or not query.typed:
                return rule, terms
        return "not_close", ()

    def typed_unknown_terms(self, query: Query) -> list[str]:
        """The question's unknown terms (unknown_terms), only those the user typed when it was translated."""
        return self.unknown_terms(query.asked or query.question, self.known_tokens(query), query.typed)

    def documents(self, query: Query) -> list[str]:
        """The documents the question asks about (Query.documents), or else those its words name."""
        return list(query.documents) or self.retriever.named_documents(query.tokens)

    def known_tokens(self, query: Query) -> set[str]:
        """Terms of the question that are no unknown terms though no passage holds them: those that only name a
        document (naming_tokens) and its acronyms the documents write in words (Query.spelled)."""
        return self.naming_tokens(query) | query.spelled

    def naming_tokens(self, query: Query) -> set[str]:
        """Terms of the question that only say which document it asks about ("10" and "q" of "10-Q", "Q2", the
        company, "latest", the year of a filing it names): the row or sentence that answers need not repeat
        them, and a file-name term such as "Q2" is known even if no passage prints it. So are the words of a
        question about the document that only ask that of it ("wrote", "author": Query.asking)."""
        named = self.documents(query)
        if not named:
            return set(query.asking)
        catalogue = self.retriever.catalogue
        years = {y for source in named for y in catalogue.records.get(source, {}).get("years", ())}
        return catalogue.naming_tokens(query.tokens, named) | years | query.asking

    # --- reading ---------------------------------------------------------------------------------------

    def swapped(self, query: Query, cand: Candidate) -> bool:
        """Whether a candidate, as the model reads it, puts another word before a noun the question qualifies, a word
        its passage never uses (nlp.swapped_qualifiers, R114d). A question read in translation counts a name only as
        its user typed it ("Chilean" for "Chilena" is the translator's name); a number or a word with a negative
        prefix counts however it was typed ("inestable" is "unstable")."""
        chunk = cand.chunk
        passage = " ".join(chunk.translations) if chunk.translations else chunk.text
        typed = {fold(w) for w in raw_tokens(query.typed)} if query.typed else None
        swaps = swapped_qualifiers(query.asked or query.question, cand.model_text(), passage)
        return any(typed is None or kind != "name" or fold(word) in typed for word, _, _, kind in swaps)

    def off_topic(self, query: Query, hits: list[Hit]) -> bool:
        """Whether no passage read is about the question: each one's cosine to it is under off_topic_cosine, and no
        passage read holds a name the question names. The encoder knows little of a rare name (a programme's name in
        another language, asked on its own, scores about 0.1 against the passage that explains it) where BM25 finds
        it: a passage that holds the name is about it. (A passage read for another reason than the search, a section
        whose heading the question repeats, has no cosine and does not count.)"""
        cosines = [h.dense_score for h in hits if h.dense_score is not None]
        if not cosines or max(cosines) >= self.off_topic_cosine:
            return False
        asked = query.asked or query.question
        names = {w for w in named_terms(asked) if not is_number(w)}
        names |= {w for w, pos in part_of_speech(asked) if pos == "PROPN"}
        tokens = {t for w in names for t in search_tokens(w)[:1]}
        return not any(tokens & set(search_tokens(h.chunk.text))  # ("-k", "BZ_OK": an identifier counts too, R75)
                       or any(holds_identifier(h.chunk.text, i) for i in query.identifiers) for h in hits)


def says_so_not(cand: Candidate) -> bool:
    """Whether a candidate's answer says that something is not so (nlp.says_negation): as the model read it (a
    Spanish sentence in translation) or as the document has it (with the sentence a dangling one leans on, or a
    lead-in's list)."""
    chunk = cand.chunk
    return says_negation(cand.model_text() + " " + chunk.text[cand.answer_start - chunk.start:
                                                              cand.answer_end - chunk.start])
