"""Text primitives shared by chunking, retrieval and reading: sentence spans and search tokens."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# Abbreviations whose period never ends a sentence when more text follows.
_ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "e.g", "i.e", "cf", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st",
    "inc", "ltd", "co", "corp", "vs", "no", "nos", "fig", "figs", "al", "approx", "dept", "est",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "p", "pp",
    "vol", "ed", "eds", "gen", "gov", "rev", "mt", "ph.d", "a.m", "p.m",
}
# The look-behind and possessive runs keep a long run of "?!." linear instead of quadratic.
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+(?=\s)")
_NON_SPACE = re.compile(r"\S")
# A blank line (but see sentence_spans for one before a lower-case continuation), or a line break before a list item:
# a bullet, a number ("1.", "2)"), a letter ("a)", "(b)") or a roman numeral ("(iv)", "ii.", "IV.") as legal texts
# number them.
_ITEM_MARKER = r"(?:[-*•]|\d{1,3}[.)]|\(?[a-zA-Z]\)|\(?[ivxIVX]{1,5}\)|[ivxIVX]{2,5}\.)[ \t]"
_HARD_BREAK = re.compile(rf"\n[ \t]*\n\s*+|\n[ \t]*(?={_ITEM_MARKER})")
_ENDED = re.compile(r"[.!?][\"'”’)\]]*[ \t]*$")  # a sentence's end, before a blank line
_LIST_ITEM = re.compile(_ITEM_MARKER)  # what opens a list item
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_ROMAN = re.compile(r"[ivx]{2,5}")  # a roman list number of two letters or more ("ii", "iv"; "i" is a word)
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]*[\"'”’)\]]*$")
MAX_SENTENCE_CHARS = 1200

# A number stands alone ("8.89%", "2013"); digits run into letters make one word ("5G", "55th").
_TOKEN = re.compile(r"\$?\d+(?:[.,]\d+)*%?(?![^\W_%])|[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset("""
a an and are as at be been being but by can could did do does doing for from had has have having
how i if in into is it its itself me my of on or our ours so than that the their theirs them then
there these they this those to too was we were what when where which while who whom whose why will
with would you your yours he she his her him about above after again against all am any because
before below between both down during each few further here just more most no nor not now off once
only other out over own same should some such through under until up very s t don tell give list
describe explain say said according mention mentioned also may might must shall
does did much many
""".split())


# A fenced code block opens and closes with three or more backticks or tildes (CommonMark: the closing fence is
# the same character, as long at least, with nothing after it; an unclosed block runs to the end).
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
MAX_CODE_UNIT_WORDS = 80  # a fenced code block up to this length is one unit, blank lines and all


def in_code(line: str, fence: str) -> tuple[bool, str]:
    """Whether a line belongs to a fenced code block (its fences included), and the fence open after it, given the
    fence open before it ("" outside code)."""
    marks = _FENCE.match(line)
    if fence:
        closes = marks and marks.group(1)[0] == fence[0] and len(marks.group(1)) >= len(fence) \
            and not marks.group(2).strip()
        return True, "" if closes else fence
    if marks and not (marks.group(1)[0] == "`" and "`" in marks.group(2)):  # (``` `x` ``` is inline code)
        return True, marks.group(1)
    return False, ""


def code_blocks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, bool]]:
    """(start, end, closed) of each fenced code block in text[start:end], from its opening fence to its closing one
    (closed), or to end for a block left open."""
    end = len(text) if end is None else end
    blocks, fence, opened, at = [], "", None, start
    while at < end:
        stop = text.find("\n", at, end)
        stop = end if stop < 0 else stop
        line = text[at:stop]
        code, fence = in_code(line, fence)
        if code and opened is None:
            opened = at + len(line) - len(line.lstrip())
        if opened is not None and not fence:  # the line that closed it
            blocks.append((opened, stop, True))
            opened = None
        at = stop + 1
    if opened is not None:
        blocks.append((opened, end, False))
    return blocks


def sentence_spans(text: str, start: int = 0, end: int | None = None,
                   markdown: bool = False) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within text[start:end], trimmed of surrounding white space.

    Does not split after abbreviations (U.S., e.g.), single initials, list numbers ("1. "),
    or before a lower-case continuation; over-long runs are cut at white space. A blank line before a lower-case
    line is a sentence going on past a page or column break ("low trust in\n\nfinancial institutions"), except in
    Markdown (markdown) after a sentence's end, where it starts a paragraph ("iPods have ...", "orjson does ...").
    In Markdown a fenced code block of at most MAX_CODE_UNIT_WORDS words is one unit, its blank lines and full stops
    included ("```" ... "```"): the command a sentence introduces is read, and answered, whole.
    """
    end = len(text) if end is None else end
    if not markdown:
        return _prose_spans(text, start, end, markdown)
    spans, at = [], start
    for a, b, _ in code_blocks(text, start, end):
        spans.extend(_prose_spans(text, at, a, markdown))
        spans.extend(_trimmed(text, a, b) if len(text[a:b].split()) <= MAX_CODE_UNIT_WORDS
                     else _prose_spans(text, a, b, markdown))
        at = b
    spans.extend(_prose_spans(text, at, end, markdown))
    return spans


def _prose_spans(text: str, start: int, end: int, markdown: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    piece_start = start
    for brk in _HARD_BREAK.finditer(text, start, end):
        if brk.end() < end and "a" <= text[brk.end()] <= "z" and not _LIST_ITEM.match(text, brk.end()) \
                and not (markdown and _ENDED.search(text, max(start, brk.start() - 8), brk.start())):
            continue
        spans.extend(_punctuation_spans(text, piece_start, brk.start()))
        piece_start = brk.end()
    spans.extend(_punctuation_spans(text, piece_start, end))
    return spans


def _punctuation_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    sent_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        cut = match.end()
        if not _is_boundary(text, sent_start, match.start(), cut, end):
            continue
        spans.extend(_trimmed(text, sent_start, cut))
        sent_start = cut
    spans.extend(_trimmed(text, sent_start, end))
    return spans


def _is_boundary(text: str, sent_start: int, punct: int, cut: int, end: int) -> bool:
    following = _NON_SPACE.search(text, cut, end)  # not a slice: slicing made long lines quadratic
    if following is None:
        return True
    nxt = following.group()
    if nxt.islower():
        return False
    if text[punct] != ".":
        return True
    word_match = _WORD_BEFORE.search(text, max(sent_start, punct - 40), punct + 1)
    word = word_match.group(1).lower().rstrip(".") if word_match else ""
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    # "1. Introduction", "IV. Findings": a list or heading number at the start of a sentence is not an ending.
    number = word.replace(".", "").isdigit() and len(word) <= 4 or _ROMAN.fullmatch(word)
    if number and not text[sent_start:punct - len(word)].strip(" *#\t"):
        return False
    return True


def _trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return []
    spans = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        spans.append((start, end))
    return spans


_stemmer = Stemmer.Stemmer("english")


def list_groups(text: str, units: list[tuple[int, int]], offset: int = 0,
                opens_section: bool = False) -> dict[int, list[list[int]]]:
    """The lists a lead-in introduces: for each unit of a text that ends with a colon and is followed by a list
    item ("Included tools are:" then "* **apt-get** ..."), the units of its items, item by item (an item's own
    further sentences and deeper lists with it). The list ends at a paragraph that opens no item, or at an item
    less indented than its first. opens_section: the text is the first of its section, so a list it opens is
    introduced by the heading ("### Included tools" then its items): that list is under the key -1. units are
    (start, end) offsets into text, which starts at offset."""
    out: dict[int, list[list[int]]] = {}
    if opens_section and units and _LIST_ITEM.match(text, units[0][0] - offset):
        out[-1] = list_items(text, units, 0, offset)
    for j, (start, end) in enumerate(units[:-1]):
        lead_in = text[start - offset:end - offset].rstrip().endswith(":")
        if lead_in and _LIST_ITEM.match(text, units[j + 1][0] - offset):
            out[j] = list_items(text, units, j + 1, offset)
    return out


MAX_INTRODUCED_WORDS = 80  # what a lead-in introduces is answered with it up to this length


def introduced(text: str, units: list[tuple[int, int]], offset: int = 0) -> dict[int, int]:
    """What a lead-in introduces when it is no list: for each unit of a text that ends with a colon and is followed
    by a unit that opens no list item ("To restore a folder, run:" then the command's code block), that unit's index,
    when it has at most MAX_INTRODUCED_WORDS words. units are (start, end) offsets into text, which starts at
    offset."""
    out: dict[int, int] = {}
    for j, (start, end) in enumerate(units[:-1]):
        after = units[j + 1]
        if text[start - offset:end - offset].rstrip().endswith(":") \
                and not _LIST_ITEM.match(text, after[0] - offset) \
                and len(text[after[0] - offset:after[1] - offset].split()) <= MAX_INTRODUCED_WORDS:
            out[j] = j + 1
    return out


# A heading's own number before its words: "2.1", "IV.", "A.".
_HEADING_NUMBER = re.compile(r"^\s*(\d+(\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+")


def heading_topic(heading: str) -> str:
    """A heading without its number, as a reader names it: "2.1 Field Sites" -> "Field Sites"."""
    return " ".join(_HEADING_NUMBER.sub("", heading).split()).strip(" :.-")


def heading_words(heading: str) -> list[str]:
    """The search tokens of a heading, without its number ("6. How fast is it?": ["fast"])."""
    return search_tokens(heading_topic(heading))


def list_items(text: str, units: list[tuple[int, int]], first: int, offset: int) -> list[list[int]]:
    """The units of the list whose first item is units[first], item by item (units are offsets into text, which
    starts at offset)."""
    def column(at: int) -> int:
        return at - (text.rfind("\n", 0, at) + 1)

    indent, groups = column(units[first][0] - offset), []
    for k in range(first, len(units)):
        at = units[k][0] - offset
        opens = _LIST_ITEM.match(text, at)
        if opens and column(at) < indent:
            break
        if not opens and _BLANK_LINE.search(text, units[k - 1][1] - offset, at):
            break
        if opens and column(at) == indent:
            groups.append([k])
        else:
            groups[-1].append(k)
    return groups


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def raw_tokens(text: str) -> list[str]:
    """Lower-cased words and numbers as typed: '4.75%', '1998', 'apollo-11' stay whole."""
    tokens = []
    for token in _TOKEN.findall(text):
        token = token.lower()
        if token.endswith(("'s", "’s")):
            token = token[:-2]
        tokens.append(token.strip("'’"))
    return tokens


def search_tokens(text: str) -> list[str]:
    """Tokens for BM25: stemmed content words, whole numbers and codes, plus the parts of hyphenated terms."""
    out: list[str] = []
    for token in raw_tokens(text):
        if token in STOPWORDS or not token:
            continue
        out.append(_stem(token) if token.isalpha() else token)
        if "-" in token:
            out.extend(_stem(p) if p.isalpha() else p for p in token.split("-") if p and p not in STOPWORDS)
        if token.endswith("%"):
            out.append(token[:-1])
    return out


_spanish_stemmer = Stemmer.Stemmer("spanish")


@lru_cache(maxsize=1)
def _spanish_stopwords() -> frozenset[str]:
    from spacy.lang.es.stop_words import STOP_WORDS  # a word list only: no model is loaded

    return frozenset(STOP_WORDS)


SPANISH_MARK = "es:"


def spanish_tokens(text: str) -> list[str]:
    """Tokens for BM25 over Spanish text: Spanish-stemmed content words and whole numbers, each marked "es:" so
    that they never collide with an English stem."""
    stop = _spanish_stopwords()
    return [SPANISH_MARK + (_spanish_stemmer.stemWord(t) if t.isalpha() else t)
            for t in raw_tokens(text) if t and t not in stop]


TERM_WORD = re.compile(r"[\w.%$-]+")  # a word as a question names it: "U.S.", "8.89%", "$5", "e-Tax"


def named_terms(question: str) -> list[str]:
    """Words a question names precisely, which translation and paraphrase must not lose: numbers, acronyms
    and capitalised names (not the first word, which is capitalised anyway)."""
    out = []
    for pos, word in enumerate(TERM_WORD.findall(question)):
        w = word.strip(".-")
        if w and (is_number(w) or (w.isupper() and len(w) >= 2) or (pos > 0 and w[:1].isupper() and len(w) > 2)):
            out.append(w)
    return out


# A code identifier as manuals write it: a command-line option ("-k", "--small"), a name with an underscore inside
# ("BZ_OK", "set_pv1"), a name in camel case ("workFactor", "blockSize100k"; not "iPod" nor a name's capitals,
# "PyTorch", which the name checks read), a file name with a short extension ("bzlib.h", "fonts.conf") or an XML
# element ("<dir"). Search tokens cut them into pieces ("bz", "ok"), each of which other text holds;
# code_identifiers keeps them whole.
_IDENTIFIER = re.compile(r"(?<![\w.<-])(?:--?[A-Za-z][\w-]*|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+"
                         r"|[a-z]{2,}[A-Z][a-z]\w*|[A-Za-z]\w+\.[a-z]{1,4}|<[A-Za-z][\w-]*)(?![\w-]|\.\w)")


def code_identifiers(text: str) -> list[str]:
    """The code identifiers a text names (_IDENTIFIER), in order."""
    return _IDENTIFIER.findall(text)


def identifier_key(identifier: str) -> str:
    """How an identifier is compared: case aside, but an option of one letter keeps its case ("-k" is not "-K")."""
    return identifier if _one_letter_option(identifier) else identifier.lower()


def _one_letter_option(identifier: str) -> bool:
    return len(identifier) == 2 and identifier.startswith("-")


def holds_identifier(text: str, identifier: str) -> bool:
    """Whether text holds the identifier whole, as code_identifiers would find it there (identifier_key's case):
    "-k" in "-k --keep", not in "e-k"; "BZ_OK" not in "BZ_OK_X". A plain search for the identifier's letters, each
    find checked at its edges: a regular expression over a whole index's text would take seconds."""
    if _found_whole(text, identifier):  # as typed, the usual case: no lower-case copy of the text is needed
        return True
    return not _one_letter_option(identifier) and _found_whole(text.lower(), identifier.lower())


def _found_whole(text: str, needle: str) -> bool:
    at = text.find(needle)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(needle):at + len(needle) + 2] + "  "  # (padded: a find at the very end)
        if not (before.isalnum() or before in "_.<-") and not (after[0].isalnum() or after[0] in "_-") \
                and not (after[0] == "." and (after[1].isalnum() or after[1] == "_")):
            return True
        at = text.find(needle, at + 1)
    return False


_NOT_WORD = re.compile(r"[^\w]+")


def fold(word: str) -> str:
    """Lowercase, without accents: "Información" -> "informacion"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def wording(text: str) -> str:
    """A text's words and figures, case and punctuation aside: what a passage shares with one that repeats it
    ("32.2* Certification ..." and "32.2** Certification ..." are one exhibit line)."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


def is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\$?\d+(?:[.,]\d+)*%?", token))


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)", re.I)
_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
                  "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()


def ordinal_forms(token: str) -> set[str]:
    """The ways a text may write an ordinal typed in digits: "16th" -> {"16th", "16", "sixteenth"} (a date's
    "21st" is often "21" in the text); empty for anything else."""
    match = _ORDINAL.fullmatch(token)
    if not match:
        return set()
    n = int(match.group(1))
    return {token.lower(), match.group(1)} | ({_ORDINAL_WORDS[n - 1]} if 1 <= n <= len(_ORDINAL_WORDS) else set())


_CARDINAL_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                   "seventeen eighteen nineteen twenty").split()


def count_value(token: str) -> str | None:
    """The number a count or an ordinal writes, in digits: "three", "third", "3rd" and "3" -> "3"; None for a word
    that writes none."""
    token = token.lower()
    if token.isdigit():
        return str(int(token))
    match = _ORDINAL.fullmatch(token)
    if match:
        return str(int(match.group(1)))
    for words in (_CARDINAL_WORDS, _ORDINAL_WORDS):
        if token in words:
            return str(words.index(token) + 1)
    return None


YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
NUMBER = re.compile(r"\d")
