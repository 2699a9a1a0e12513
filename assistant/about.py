"""Questions about a document itself ("What is this paper about?", "Who wrote it?"): answered from its opening.

The subject is the first sentence of its abstract or summary, else of its first paragraph; the author is the
first line of the title block (the lines before its first sentence of prose) that names a person, else, in a PDF,
the first line of its front pages that gives a person's name after "by" or a copyright notice, else the opening of
its section headed "Author" or "Authors" (a manual page's AUTHOR); the date is a date in that title block, else the
first line of a PDF's front pages that dates its version or publication, else a manual page's footer. Each answer
is a sentence of the document, cited like any other. Where none of these answers, the reader's answer stands only
if its quote says who wrote something or when it was written (says_who_wrote, says_when_written). What it concludes
is the first sentence of prose of its last section of conclusions ("Conclusions", "Summary and outlook", "Key
findings"); a document without one has no conclusion to quote.
"""

from __future__ import annotations

import re

from .schema import Chunk
from .text import search_tokens

# What a document calls itself: "this paper", "the manual page", "this README".
_DOCUMENT = (r"(manual\s+page|man\s+page|web\s*page|readme|paper|document|report|study|article|text|book|thesis|"
             r"publication|file|essay|brief|chapter|guide|manual|handbook|memo|letter|policy|contract|agreement|"
             r"regulation|law|presentation|notes|page|specification|spec|standard|proposal|dissertation|brochure|"
             r"bulletin|newsletter|white\s+paper|whitepaper|fact\s+sheet|factsheet|transcript|minutes|vignette|faq)\b")
_ITSELF = re.compile(r"\b(?:this|the)\s+" + _DOCUMENT, re.I)
# "the acme-guide manual", "the Acmezip FAQ": a document named by the words between (R94)
_NAMED_ITSELF = re.compile(r"\b(?:this|the)\s+((?:[\w.+-]+\s+){1,3}?)" + _DOCUMENT, re.I)
_AUTHOR = re.compile(r"\b(who\s+(wrote|writes|authored|is\s+the\s+author|are\s+the\s+authors)|author|authors|"
                     r"written\s+by|who\s+(prepared|drafted|compiled|created|produced)|who\s+is\b.*\bby(?=\W*$)|"
                     r"which\s+(organi[sz]ation|company|agency|institution|team|body|group)\s+"
                     r"(wrote|prepared|produced))\b", re.I)  # (the last three lines: R88)
# Words that ask for a summary of the document (Apertium writes "round-up" for "resumen"): they ask for its subject,
# and a request made of them alone points at the document (_POINTING, R116).
_SUMMARY_WORDS = r"summar\w*|overview|gist|round-up"
_CONCLUSION = re.compile(r"\b(conclu(de|des|ded|sion|sions)|findings|takeaways?)\b", re.I)
_KINDS = (
    ("author", _AUTHOR),
    # (Apertium's English of "¿Cuándo se escribió este manual?" is "When this manual was written?": R87)
    # ("What year was this manual written?", "When was it last updated?"; "Who published it?" asks no date: R88)
    ("date", re.compile(r"^(?!\W*who\b).*\b(when\b.*\b(written|published|released|dated|issued|updated|revised)|"
                        r"(what|which)\s+year|date|published)\b", re.I)),
    # "What does the paper conclude?", "What are the key findings?", "Summarise the conclusion" (R92)
    ("conclusion", _CONCLUSION),
    # (and of "¿De qué trata / habla / va ...?", "¿Sobre qué es ...?": "Of what treats this manual?", "On what is
    # this document?": R87; of "Dame un resumen", "Resume el documento": "Give me a round-up", "Resume The document":
    # R116)
    ("subject", re.compile(rf"\b(about|topic|subject|{_SUMMARY_WORDS}|resume|main\s+(idea|point|argument|focus)|"
                           r"focus|(of|on)\s+what\s+(treats|deals|talks|speaks|goes|is|are)|"
                           r"what\s+(does|do)\b.*\b(cover|discuss|describe|explain|address))\b", re.I)),
)
# Words of the question that only say what is asked about the document, not what it is about.
_ASKING = frozenset(search_tokens("""who wrote writes authored author authors written when was is published released
dated issued date about topic subject summary summarise summarize main idea point argument focus overview gist
what whats tell me please treats deals talks speaks goes prepared drafted compiled created produced by which
organisation organization company agency institution team body group year updated last revised does do cover
conclude concludes concluded conclusion conclusions findings key takeaways takeaway
discuss describe explain address
provide write make short brief quick round-up resume"""))
_SUMMARY_SECTIONS = ("abstract", "summary", "overview", "resumen", "introduction")
# The heading of a section that states what a document concludes (R92): "7 Conclusions", "Concluding remarks",
# "4. Summary and outlook", "Key findings", "Conclusiones"; a "Summary" only when the document opens with another.
_HEADING_NUMBER = r"(?:[\dA-Z]{1,3}(?:\.\d+)*\.?\s+)?"  # "7 ", "4. ", "B.1 "
_CONCLUSION_HEADING = re.compile(_HEADING_NUMBER + r"(?:(?:summary|discussion)\s+and\s+)?"
                                 r"(?:conclusions?|concluding\s+remarks|(?:key\s+|main\s+)?findings|conclusiones|"
                                 r"conclusión|summary\s+and\s+outlook)(?:\s+and\s+(?:outlook|future\s+work|"
                                 r"discussion|recommendations))?", re.I)
_SUMMARY_HEADING = re.compile(_HEADING_NUMBER + r"(?:summary|resumen)", re.I)
# Words that say what a date on a document's front pages is of: its version, edition, publication or copyright (R79).
_PUBLICATION = re.compile(r"\b(version|edition|published|updated|revised|written|copyright|dated|issued|released|"
                          r"versión|edición|publicad[oa]|actualizad[oa]|revisad[oa]|escrit[oa])\b|©", re.I)
FRONT_PAGES = 2  # a PDF's title page and the page behind it (copyright, version)
# A name a PDF's front pages give as its author's (R84): the run of capitalised words (initials too) right after a
# copyright notice and its years ("Copyright © 1996-2019 Maria Lindqvist"), or after "by" opening a line, "written
# (2001) by", "author:" and their Spanish forms ("Escrito por ...").
_BYLINE = re.compile(
    r"(?:\b(?:copyright|\(c\))|©)(?:\s*(?:©|\(c\)))?(?:\s*\d{4}(?:\s*[-\u2013,]\s*\d{4})*,?)*\s+"
    r"|(?:^\W*|\b(?:written|edited|prepared|compiled|escrit[oa]|editad[oa]|preparad[oa])(?:\s+\d{4})?\s+)"
    r"(?:by|por)\s+"
    r"|\b(?:authors?|autor(?:es|as|a)?)\s*:\s*", re.I | re.M)
# The heading of a section that names a document's authors: "AUTHOR", "Authors:", "2.9. AUTHOR", "AUTORES" (R85).
_AUTHOR_HEADING = re.compile(r"(?:\d+(?:\.\d+)*\.?\s+)?(?:authors?|autor(?:es|as|a)?|autoría)\s*:?", re.I)
# A manual page's footer as `man` sets it: its source, its date and its name and section, set apart by runs of blanks.
_FIELD_GAP = re.compile(r"[ \t]{2,}|\t")
_PAGE_NAME = re.compile(r"[A-Za-z][\w.:-]*\(\d\w*\)")
MAX_FOOTER_CHARS = 160
_NAME = re.compile(r"(?:[A-Z\u00c0-\u00de][\w\u00c0-\u024f'\u2019-]*\.?[ \t]?){2,5}")
MIN_PARAGRAPH_WORDS = 8  # shorter lines at the top are a title block (names, affiliations), not prose
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]*_]*\s*$")  # a sentence's last mark, quotes or emphasis aside
_COMMON_WORD = re.compile(r"(?<![\w.])[a-z]{3,}\b")  # a word of running text, not a name or an initial


# A question that names no document but points at it ("Who wrote this?", "What is it about?", "Who is the
# author?", and Apertium's "Of what treats?" for "¿De qué trata?"): about the document when it stands alone (R89).
# A request for a summary or an overview that asks nothing else ("Give me a summary", "Summarize", Apertium's "Give me
# a round-up" for "Dame un resumen") points at it too (R116).
_POINTING = re.compile(r"\b(this|it|authors?)\b|^\W*(of|on)\s+what\s+(treats|deals|talks|speaks|goes|is|are)\W*$"
                       r"|\bthe\s+(\w+\s+)?(conclusions?|findings|takeaways)\b"  # ("the main findings": R92)
                       rf"|\b({_SUMMARY_WORDS})\b", re.I)


def about_kind(question: str, alone: bool = False, naming: frozenset[str] = frozenset()) -> str | None:
    """"subject", "author" or "date" when the question asks that of the document itself, else None. alone: no
    earlier turn of the conversation changed its reading, so a "this" or "it" in it can only be the document.
    naming: the question's words that only name one of several documents ("acmezip" of "the acmezip guide", R94)."""
    named = [m for m in _NAMED_ITSELF.finditer(question) if set(search_tokens(m.group(1))) <= naming] if naming else []
    for found in reversed(named):
        question = question[:found.start()] + " this " + found.group(2) + question[found.end():]
    itself = _ITSELF.search(question) or (_POINTING.search(question) if alone else None)
    if not itself:
        return None
    rest = [t for t in search_tokens(_ITSELF.sub(" ", question)) if t not in _ASKING]
    if rest:  # "What does this paper say about tariffs?" asks about tariffs, not about the paper
        return None
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


def asking_tokens(question: str) -> frozenset[str]:
    """The search tokens of a question about the document that only ask what it asks of the document ("wrote",
    "author", "published", and "article" of "this article"): no passage need hold them (R86c)."""
    named = {t for found in _ITSELF.finditer(question) for t in search_tokens(found.group(0))}
    return frozenset(t for t in search_tokens(question) if t in _ASKING or t in named)


def opening_unit(kind: str, chunks: list[Chunk]) -> tuple[Chunk, int, int] | None:
    """The (chunk, start, end) of the sentence that answers an about-question, from one document's chunks."""
    chunks = sorted((c for c in chunks if c.kind == "text"), key=lambda c: c.start)
    if not chunks:
        return None
    if kind == "conclusion":
        return _conclusion(chunks)
    if kind == "subject":
        for chunk in chunks:
            last = chunk.heading.lower()
            if any(word in last for word in _SUMMARY_SECTIONS):
                return _first_sentence(chunk)
        return _first_prose_unit(chunks)
    prose = _first_prose(chunks)
    title_block = [c for c in chunks if c.start < prose]
    from .nlp import entities

    for chunk in title_block:
        for s, e in chunk.units:
            if s >= prose:  # the first sentence of prose and what follows it in its chunk are no title block
                break
            line = re.sub(r"[*_#`]+", " ", chunk.text[s - chunk.start:e - chunk.start])
            labels = {label for _, label in entities(line)}
            if kind == "author" and chunk.language == "en" and "PERSON" not in labels and _person_in_byline(line):
                labels.add("PERSON")
            if (kind == "author" and "PERSON" in labels) or (kind == "date" and "DATE" in labels):
                return chunk, s, e
    if kind == "author":  # a PDF's front pages (R84): "Copyright © 2019 Maria Lindqvist", "Written by ..."
        return _front_unit(chunks, _byline) or _author_section(chunks)
    if kind == "date":  # a PDF's front pages (R79): "Version 1.0.8 of 13 July 2019", "Originally written 2001 by ..."
        return _front_unit(chunks, lambda line: bool(_PUBLICATION.search(line)) and any(
            label == "DATE" for _, label in entities(line))) or _manual_page_footer(chunks)
    return None


def _conclusion(chunks: list[Chunk]) -> tuple[Chunk, int, int] | None:
    """The first sentence of prose of the document's last section headed as its conclusions (R92), if any."""
    headings = [(c, re.sub(r"^\W+|\W+$", "", c.heading)) for c in chunks]
    first = next((h for _, h in headings if h), "")
    found = [(c, h) for c, h in headings
             if _CONCLUSION_HEADING.fullmatch(h) or (_SUMMARY_HEADING.fullmatch(h) and h != first)]
    if not found:
        return None
    last = found[-1][1]
    return _first_prose_unit([c for c, h in found if h == last])


_BYLINE_CONTEXT = "It was written by "


def _person_in_byline(line: str) -> bool:
    """Whether spaCy reads a person's name in a title block's line when it stands in a byline ("It was written by
    Ivo Lindgren."), as it often does not in the line alone; an organisation there is mostly read as one ("Acme
    Clinic", "Harbourtown Sea School") (R93f). For English lines: its English model reads Spanish titles as names."""
    from .nlp import entities

    line = " ".join(line.split())
    return any(label == "PERSON" and found in line for found, label in entities(f"{_BYLINE_CONTEXT}{line}."))


def _front_unit(chunks: list[Chunk], says_it) -> tuple[Chunk, int, int] | None:
    """The first unit of a PDF's front pages (FRONT_PAGES) whose line says_it(line)."""
    for chunk in chunks:
        if chunk.page is None or chunk.page > FRONT_PAGES:
            break
        for s, e in chunk.units:
            if says_it(chunk.text[s - chunk.start:e - chunk.start]):
                return chunk, s, e
    return None


def _manual_page_footer(chunks: list[Chunk]) -> tuple[Chunk, int, int] | None:
    """A manual page's footer, which dates it (R90): "APT 2.6.1   03 Enero 2022   APT_PREFERENCES(5)"."""
    for chunk in reversed(chunks):
        for s, e in reversed(chunk.units):
            if _is_footer(chunk.text[s - chunk.start:e - chunk.start].strip()):
                return chunk, s, e
    return None


def _is_footer(line: str) -> bool:
    """Whether a line is a manual page's footer: three fields set apart by runs of blanks, the last its name and
    section ("APT_PREFERENCES(5)"), the middle one holding a figure (its date)."""
    if len(line) > MAX_FOOTER_CHARS or "\n" in line:
        return False
    fields = _FIELD_GAP.split(line)
    return len(fields) == 3 and bool(_PAGE_NAME.fullmatch(fields[2])) and any(ch.isdigit() for ch in fields[1])


def _author_section(chunks: list[Chunk]) -> tuple[Chunk, int, int] | None:
    """The opening of a section of its own that names the authors (R85): a manual page's "AUTHOR / Maria
    Lindqvist" (one unit as text), a README's "## Authors"."""
    for chunk in chunks:
        for s, e in chunk.units:
            first, _, rest = chunk.text[s - chunk.start:e - chunk.start].partition("\n")
            if _AUTHOR_HEADING.fullmatch(first.strip()) and rest.strip():
                return chunk, s, e
        if chunk.units and _AUTHOR_HEADING.fullmatch(chunk.heading.strip()):
            return _first_sentence(chunk)
    return None


def _byline(line: str) -> str | None:
    """The person a line names as its document's author or copyright holder, if any: the capitalised words right
    after an authorship marker, which spaCy, reading them alone, takes for a person's name (an organisation
    holding the copyright, "Acme Foundation, Inc.", is not an author)."""
    from .nlp import entities

    for marker in _BYLINE.finditer(line):
        name = _NAME.match(line, marker.end())
        if name and any(label == "PERSON" for _, label in entities(name.group(0).strip())):
            return name.group(0).strip()
    return None


# What a passage must say to answer who wrote a document when its opening does not (R86b): an authorship marker
# ("written (2001) by", "Author: ...", an AUTHOR heading, "the authors of this manual", a copyright notice), in
# English or Spanish.
# "written into the Act", "operated by", "published by" (a publisher) and "these authors prefer the second
# method" (R86d) are no authorship.
_AUTHORSHIP = re.compile(r"\b(?:(?:written|authored|created|developed|prepared|compiled|edited|maintained|designed)"
                         r"(?:\s+(?:in\s+)?\d{4})?\s+by|(?:escrit[oa]s?|cread[oa]s?|desarrollad[oa]s?|preparad[oa]s?|"
                         r"mantenid[oa]s?)\s+por|(?:authors?|autor(?:es|as|a)?)(?=\s*:)|copyright)\b|\(c\)|©"
                         r"|(?m:^[ \t]*(?:authors?|autor(?:es|as|a)?)[ \t]*$)"
                         r"|\bauthors?\s+of\s+(?:this|the)\s+" + _DOCUMENT, re.I)
PUBLICATION_REACH = 4  # words between a publication word and the date it gives ("published in March 2019")


def says_who_wrote(text: str) -> bool:
    """Whether a passage says who wrote something: an authorship marker (R86b)."""
    return bool(_AUTHORSHIP.search(text))


def says_when_written(text: str) -> bool:
    """Whether a passage dates a writing or a publication: a date (spaCy's DATE, or a year) with a publication word
    among the PUBLICATION_REACH words before it ("Originally written 2001", "released on October 23, 2022"), not a
    date of something else in a sentence that also says "written" ("written into the Act, which entered into force
    in 2001") (R86b)."""
    from .nlp import entities

    starts = [text.find(found) for found, label in entities(text) if label == "DATE"]
    starts += [m.start() for m in re.finditer(r"\b(?:1[5-9]|20)\d\d\b", text)]
    for start in (s for s in starts if s >= 0):
        before = text[:start].split()[-PUBLICATION_REACH:]
        if _PUBLICATION.search(" ".join(before)):
            return True
    return False


def _first_sentence(chunk: Chunk) -> tuple[Chunk, int, int]:
    s, e = chunk.units[0]
    return chunk, s, e


def asks_about_authors(question: str) -> bool:
    """Whether a question asks who wrote something or about its authors ("Which school is the author from?")."""
    return bool(_AUTHOR.search(question))


MAX_TITLE_LINES = 6  # short lines a title block holds at most (title, authors, affiliations, a date)


def title_block(chunks: list[Chunk]) -> set[tuple[int, int]]:
    """The lines of a document (its chunks, in order) that stand before its first sentence of prose, under its title
    and before any section of it, and state nothing (no figure, no colon): its title block's names and affiliations,
    which say who wrote the document, not what it says. None when more than MAX_TITLE_LINES lines come first (a
    list) or there is no prose."""
    units = []
    for chunk in chunks:
        if chunk.section:  # a section under the title ("## Contents"): the title block has ended
            return {(a, b) for a, b, kept in units if not kept}
        for s, e in chunk.units:
            if _is_prose(chunk, s, e):
                return {(a, b) for a, b, kept in units if not kept}
            # A line with a figure or a colon ("Founded: 1998", "March 2024") states something: it stays a candidate.
            line = chunk.text[s - chunk.start:e - chunk.start]
            units.append((s, e, any(ch.isdigit() or ch == ":" for ch in line)))
            if len(units) > MAX_TITLE_LINES:
                return set()
    return set()


def _is_prose(chunk: Chunk, s: int, e: int) -> bool:
    """Whether unit (s, e) of a chunk is a sentence of prose, not a short line of a title block: a long one with a
    word of running text in it, where a line of names alone is none ("Maria Lindqvist Per Valmar Jane Roe Acme
    School", R93c), or a short one that reads as a sentence ("Performance is the biggest win."), where names do not
    ("J. Smith, Ph.D.")."""
    line = chunk.text[s - chunk.start:e - chunk.start]
    return bool(_COMMON_WORD.search(line)) and (len(line.split()) >= MIN_PARAGRAPH_WORDS
                                                  or bool(_SENTENCE_END.search(line)))


def _first_prose_unit(chunks: list[Chunk]) -> tuple[Chunk, int, int] | None:
    """The (chunk, start, end) of the first sentence of prose of these chunks, if any."""
    return next(((c, s, e) for c in chunks for s, e in c.units if _is_prose(c, s, e)), None)


def _first_prose(chunks: list[Chunk]) -> int:
    """Where the first sentence of prose starts: the title block ends there."""
    found = _first_prose_unit(chunks)
    return found[1] if found else chunks[-1].end
