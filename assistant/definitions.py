"""Questions that ask what something is, and the sentences that say it.

"What is Tidewatch?" is answered by "Tidewatch is the shared booking platform of the harbour..." — but the
reader model, trained on SQuAD (whose questions seldom ask for a definition), can score such a sentence under
the threshold, and the assistant declined it. `defined_term` recognises the question and `defines` a sentence
that defines its term by English sentence structure alone: the term (or a noun it modifies: "the Tidewatch
platform") as the subject of a copula or of a verb that says what it has or does ("Heavy vessels have a draught
of...", "The Tidewatch platform allows agents to..."), the term described by a relative clause or an
appositive, the term as the other name of what the sentence is about ("known as T", "is called T"), or "It is a
..." right after a sentence that ends on it. The reader answers with such a sentence; without one, it declines
a best sentence that is not about the term (`is_about`). docs/answering.md, section 3, has both rules and their
measured effects.
"""

from __future__ import annotations

import re

from .nlp import fine_tags, progressive

# "What is Tidewatch?", "What are the harbour pilots?": a term of at most 4 words after the copula.
_QUESTION = re.compile(r"^\s*what\s+(?:is|are|was|were)\s+(?:(?:a|an|the)\s+)?(?P<term>[^?]+?)\s*\?\s*$", re.I)
_MAX_WORDS = 4
# A term with a preposition or a possessive asks for an attribute of something ("the budget of the port",
# "the port's income"), which the reader model handles as any other question.
_NOT_A_NAME = re.compile(r"(?<![\w-])(of|for|to|in|on|at|by|with|from|about|between|into|than|as|does|do|did|has|"
                         r"have)(?![\w-])|['’]s?\b", re.I)
# A superlative or an ordinal asks which one ("the strongest material", "the first bridge"), not what it is.
_SELECTION = re.compile(r"\b(most|least|first|last|best|worst|\w{3,}est)\b", re.I)
# So does an adjective that picks a value of the thing ("the default port", "the total cost", "the current
# version"): the answer is the value, not what a port or a cost is.
_VALUE = re.compile(r"^(default|current|total|average|mean|median|maximum|minimum|overall|net|gross|annual|monthly|"
                    r"weekly|daily|yearly|quarterly|typical|usual|normal|expected|estimated|projected|required|"
                    r"recommended|present|actual)\s+\w", re.I)
_EMPHASIS = re.compile(r"\*\*|__")
_LEADING_MARKUP = re.compile(r"^[\s*#>•·\-–—\d.)]*")
_COPULA = (r"(?:is|are|was|were|refers\s+to|means|holds\s+that|denotes|stands\s+for|"
           r"shall\s+(?:mean|refer\s+to|have\s+the\s+meaning))\b")  # (a contract's and a licence's "shall mean")
# A term may stand in quotation marks where it is defined: '"Licensor" shall mean ...', 'A "User Product" is ...'.
_OPEN_QUOTE, _CLOSE_QUOTE = "[\"\u201c'\u2018]?", "[\"\u201d'\u2019]?"
# A thing is said by what it has or does too: "Complex seizures have focal symptoms", "The system allows ...".
_DESCRIBES = (r"(?:ha(?:s|ve|d)|involve[sd]?|include[sd]?|consist(?:s|ed)?\s+of|comprise[sd]?|allow(?:s|ed)?|lets|"
              r"enable[sd]?|provide[sd]?|contain(?:s|ed)?)\b")
_ANAPHORA_REACH = 6  # words at the end of the sentence before "It is a ..." where its term must stand
_ANAPHORA = re.compile(r"^(?:it|this|they)\s+(?:is|are|was|were)\s+(?:a|an|the)\b", re.I)


def defined_term(question: str) -> str | None:
    """The term a "What is T?" question asks to define, or None when it asks something else."""
    match = _QUESTION.match(question)
    if not match:
        return None
    term = match.group("term").strip()
    if not term or len(term.split()) > _MAX_WORDS or _NOT_A_NAME.search(term) or _SELECTION.search(term) \
            or _VALUE.match(term):
        return None
    if "ing" in term.lower() and progressive(question):  # "What is the agency building?": what it does
        return None
    if _holds_a_clause(question):  # "What are the risks Acme describes?": which ones, not what risks are
        return None
    return term


_FINITE = frozenset({"VBZ", "VBP", "VBD"})


def _holds_a_clause(question: str) -> bool:
    """Whether the term of a "What is T?" question holds a finite verb of its own, after the copula: a clause
    with its own subject ("the main challenges the port faces") picks out some of the things, and asks which."""
    return any(tag in _FINITE for _, tag in fine_tags(question)[2:])


# "What does X stand for?" and its other wordings (Apertium's among them: "What means the acronym X?"). X: a word of
# letters (periods and "&" allowed: "B.I.C.", "R&D").
_X = r"[\"“']?(?P<x>[A-Za-z][\w&.-]*?[\w&])\.?[\"”']?"
_ACRONYM_WORD = r"(?:acronyms?|abbreviations?|initials|initialism)"
_NAMED = rf"(?:(?:the|an?)\s+)?(?:{_ACRONYM_WORD}\s+)?"
# Each wording, and whether it also asks what an ordinary word means ("What does X mean?"): then X must look like
# an acronym, or the question must call it one.
_ACRONYM_QUESTIONS = [(re.compile(p, re.I), loose) for p, loose in (
    (rf"^\s*what\s+(?:does|do|did)\s+{_NAMED}{_X}\s+(?:originally\s+)?(?:stand|stands)\s+for\s*\?*\s*$", False),
    (rf"^\s*what\s+(?:does|do|did)\s+{_NAMED}{_X}\s+mean\s*\?*\s*$", True),
    (rf"^\s*what\s+(?:means|mean)\s+{_NAMED}{_X}\s*\?*\s*$", True),
    (rf"^\s*what\s+(?:is|was)\s+{_NAMED}{_X}\s+(?:short|an?\s+abbreviation|the\s+abbreviation|an?\s+acronym)"
     rf"\s+(?:for|of)\s*\?*\s*$", False),
    (rf"^\s*{_NAMED}{_X}\s+(?:is|was)\s+(?:short|an?\s+abbreviation|an?\s+acronym)\s+(?:for|of)\s+what\s*\?*\s*$",
     False),
    (rf"^\s*what\s+(?:is|was)\s+the\s+(?:full|long)\s+(?:name|form)\s+of\s+{_NAMED}{_X}\s*\?*\s*$", False),
)]


def acronym_asked(question: str) -> str | None:
    """The acronym a question asks the long form of ("What does FAA stand for?", "What is HPA short for?", "What
    does the acronym FAA mean?" -> "FAA"), or None. "What does X mean?" counts only for a word of two or more
    capitals, or one the question calls an acronym: "What does resilience mean?" asks for a definition."""
    for pattern, loose in _ACRONYM_QUESTIONS:
        match = pattern.match(question)
        if match:
            x = match.group("x")
            if loose and sum(ch.isupper() for ch in x) < 2 and not re.search(rf"\b{_ACRONYM_WORD}\b", question, re.I):
                return None
            return x
    return None


def _term_pattern(term: str) -> str:
    """The term as a regular expression: its words in order, any spacing, the last one singular or plural."""
    words = [re.escape(w) for w in term.split()]  # (a quotation mark may close after any word: '"Source" form')
    last = words[-1]
    if len(last) > 3 and re.search(r"(?:ies|y)$", last, re.I):
        last = re.sub(r"(?:ies|y)$", "", last, flags=re.I) + r"(?:y|ies)"
    elif len(last) > 3:
        last = re.sub(r"(?:e?s)$", "", last, flags=re.I) + r"(?:e?s)?"
    return r"\b" + (_CLOSE_QUOTE + r"\s+").join(words[:-1] + [last]) + r"\b"


def _plain(sentence: str) -> str:
    return _LEADING_MARKUP.sub("", _EMPHASIS.sub("", sentence))


def _opening(t: str) -> str:
    """The term (pattern t) as what a sentence opens with: after a determiner, "the concept of" and up to two
    words ("The national T", "The T programme" is matched by the caller)."""
    return (r"^" + _OPEN_QUOTE + r"(?:(?:the|a|an)\s+)?(?:(?:concept|notion|idea|term|principle)\s+of\s+(?:the\s+)?)?"
            r"(?:[\w-]+\s+){0,2}?" + _OPEN_QUOTE + t)


def is_about(term: str, sentence: str) -> bool:
    """Whether the sentence is about the term: it opens with it (docs/answering.md, section 3)."""
    return bool(re.search(_opening(_term_pattern(term)), _plain(sentence), re.I))


def defines(term: str, sentence: str, previous: str = "") -> bool:
    """Whether the sentence says what the term is (previous: the sentence before it, for "It is a ...")."""
    t = _term_pattern(term)
    text = _plain(sentence)
    subject = _opening(t) + _CLOSE_QUOTE + r"(?:\s+[\w-]+)?(?:\s*\([^)]{1,80}\))?(?:\s*,[^,]{1,160},)?\s+"
    if re.search(subject + _COPULA, text, re.I) or re.search(subject + _DESCRIBES, text, re.I):
        return True
    # An acronym is defined where it is introduced: "Long Form (T)", "known by its acronym T".
    if re.search(r"\w\s*\(\s*" + t + r"\s*\)|\b(?:acronym|abbreviation)\s+" + t, text, re.I):
        return True
    if re.search(t + r"\s*,\s*(?:which|who|an?|also\s+known\s+as|known\s+as)\b", text, re.I):
        return True
    if re.search(r"\bknown\s+(?:in\s+(?:[\w-]+\s+){1,3})?as\s+(?:an?\s+|the\s+)?" + t, text, re.I):
        return True
    # "... is called the T", "labeled as T": the sentence names what it describes.
    if re.search(r"\b(?:called|named|termed|labell?ed|dubbed)\s+(?:as\s+)?(?:an?\s+|the\s+)?[\"“']?" + t, text, re.I):
        return True
    # "It" points at what the sentence before it ended on: the term must be among its last words.
    last_words = " ".join(previous.split()[-_ANAPHORA_REACH:])
    return bool(previous and _ANAPHORA.match(text) and re.search(t, last_words, re.I))
