"""Pure helpers for the web chat: escaped markup, highlighted passages, labels, suggestions, summaries, transcripts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from . import messages
from .schema import Answer, Chunk, Citation, row_label, split_row
from .text import code_blocks, heading_topic

ABSTAINED = messages.text("abstained")
CLOSEST = messages.text("closest")
# Every ASCII punctuation mark can be backslash-escaped in CommonMark; Streamlit adds $ (maths) and : (emoji).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^])")
# Sections that name a part of a paper rather than a topic: they make poor suggested questions.
_GENERIC_SECTIONS = frozenset("""abstract introduction background conclusion conclusions references bibliography
rationale appendix acknowledgements acknowledgments contents summary overview methodology methods notes
sources preface foreword index glossary about review research literature discussion results""".split())
_FILLER = frozenset({"and", "of", "the", "a", "an", "for", "to", "in", "on"})


@dataclass(frozen=True)
class Turn:
    """One exchange in the chat: the question and either an answer or the reason there is none.

    note: one line on how the answer was made, e.g. that an indexing run was still going on.
    """

    question: str
    answer: Answer | None = None
    error: str = ""
    note: str = ""


# --- escaping ---------------------------------------------------------------------------------

def escape_html(text: str) -> str:
    """Document text as inert HTML; line breaks become <br> so Markdown never sees a blank line inside it."""
    return html.escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def escape_markdown(text: str) -> str:
    """Text shown literally where Streamlit reads Markdown (labels, captions): no formatting, links or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# --- document text as HTML -------------------------------------------------------------------

# Markdown emphasis and headings inside a passage of a Markdown document. Matched on the raw text so the
# markers can be hidden and the text between them styled, while every character shown stays escaped.
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?![*\s])(.+?)(?<![*\s])\*(?![\w*])|(?<![\w_])_(?![_\s])(.+?)(?<![_\s])_(?![\w_])")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$", re.M)
# Inline code: a run of backticks, then text on one line, then as many backticks ("`help('x')`", "``a`b``").
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")
_STRONG_BIT, _EM_BIT, _CODE_BIT = 1, 2, 4
_TAGS = ((_STRONG_BIT, "strong"), (_EM_BIT, "em"), (_CODE_BIT, "code"))


def is_markdown(source: str) -> bool:
    return source.lower().endswith((".md", ".markdown"))


def _markdown_styles(text: str) -> tuple[list[int], list[bool]]:
    """Per character: its style bits, and whether it is a Markdown marker to hide."""
    style = [0] * len(text)
    hidden = [False] * len(text)

    def apply(start: int, end: int, bit: int, markers: tuple[tuple[int, int], ...]) -> None:
        for i in range(start, end):
            style[i] |= bit
        for a, b in markers:
            for i in range(a, b):
                hidden[i] = True

    # Code first: every character of it is shown as it is ("**kwargs", "__init__" are no emphasis), its fence lines
    # and backticks hidden as the other markers are.
    for start, end, fences in _code_spans(text):
        apply(start, end, _CODE_BIT, fences)
    code = [bool(bits & _CODE_BIT) or gone for bits, gone in zip(style, hidden)]
    for m in _HEADING.finditer(text):
        if not any(code[m.start():m.end()]):
            apply(m.start(2), m.end(2), _STRONG_BIT, ((m.start(), m.start(2)),))
    for m in _STRONG.finditer(text):
        if not any(code[m.start():m.end()]):
            apply(m.start(2), m.end(2), _STRONG_BIT, ((m.start(), m.start(2)), (m.end(2), m.end())))
    for m in _EMPHASIS.finditer(text):
        group = 1 if m.group(1) is not None else 2
        if not any(hidden[m.start():m.end()]) and not any(code[m.start():m.end()]):  # not inside ** or code
            apply(m.start(group), m.end(group), _EM_BIT, ((m.start(), m.start(group)), (m.end(group), m.end())))
    return style, hidden


def _code_spans(text: str) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    """(start, end, markers) of the code in a Markdown passage: each fenced block's lines between its fences (the
    fence lines, with their line ends, are the markers) and each inline code span outside them (its backticks)."""
    spans, inside = [], [False] * len(text)
    for a, b, closed in code_blocks(text):
        inside[a:b] = [True] * (b - a)
        opening = text.find("\n", a, b)
        if opening < 0:  # a passage that ends on an opening fence
            spans.append((b, b, ((a, b),)))
            continue
        last = text.rfind("\n", opening, b) if closed else b  # (a closed block's last line is its closing fence)
        spans.append((opening + 1, last, ((a, opening + 1),) + (((last, b),) if closed else ())))
    for m in _INLINE_CODE.finditer(text):
        if not any(inside[m.start():m.end()]):
            spans.append((m.start(2), m.end(2), ((m.start(), m.start(2)), (m.end(2), m.end()))))
    return spans


def _styled_runs(text: str, style: list[int], hidden: list[bool], start: int, end: int) -> str:
    """text[start:end] as escaped HTML, each run of one style wrapped in its tags, markers left out."""
    out: list[str] = []
    i = start
    while i < end:
        j = i
        while j < end and style[j] == style[i] and hidden[j] == hidden[i]:
            j += 1
        if not hidden[i]:
            run = escape_html(text[i:j])
            for bit, tag in reversed(_TAGS):
                if style[i] & bit:
                    run = f"<{tag}>{run}</{tag}>"
            out.append(run)
        i = j
    return "".join(out)


def text_html(text: str, markdown: bool = False, mark: tuple[int, int] | None = None, tag: str = "mark") -> str:
    """Document text as inert HTML. With markdown, **bold**, *emphasis* and # headings are shown as formatting
    (their markers hidden); with mark, text[mark[0]:mark[1]] is wrapped in <tag> (<mark>, or the answer phrase's
    <b class="qa-phrase">). Tags are never unbalanced: a styled run that crosses the mark is split there."""
    style, hidden = _markdown_styles(text) if markdown else ([0] * len(text), [False] * len(text))
    if mark is None:
        return _styled_runs(text, style, hidden, 0, len(text))
    start, end = mark
    return (_styled_runs(text, style, hidden, 0, start) + f"<{tag}>" + _styled_runs(text, style, hidden, start, end)
            + f"</{tag.split()[0]}>" + _styled_runs(text, style, hidden, end, len(text)))


# --- citations --------------------------------------------------------------------------------

def is_row(citation: Citation) -> bool:
    return citation.kind == "row"


def quote_text(citation: Citation) -> str:
    """The quote as a reader should see it: a table row with its column names, a sentence as it is."""
    return row_label(citation.headers, citation.quote) if is_row(citation) else citation.quote


def row_cells(citation: Citation) -> list[tuple[str, str]]:
    """A table row as (column name, value) pairs; the name is "" for a column without a header. A PDF row's
    cells carry their header already ("Three Months Ended June 25, 2022: $82,959"): it is shown as the name,
    not a second time in the value."""
    out = []
    for i, cell in enumerate(split_row(citation.quote)):
        name = citation.headers[i] if i < len(citation.headers) else ""
        if name and cell.startswith(f"{name}: "):
            cell = cell[len(name) + 2:]
        out.append((name, cell))
    return out


def row_html(citation: Citation, marked: bool = False, phrase: tuple[int, int] | None = None) -> str:
    """A table row as a small two-column table, one line per column: name, then value. With phrase (offsets
    inside the quote), the phrase is shown in bold inside the value that holds it: the figure that answers."""
    markdown = is_markdown(citation.source)
    lines = []
    at = 0
    for name, value in row_cells(citation):
        start = citation.quote.find(value, at) if value else -1  # the cells stand in the quote in order
        at = start + len(value) if start >= 0 else at
        bold = phrase is not None and start >= 0 and start <= phrase[0] and phrase[1] <= start + len(value)
        cell = text_html(value, markdown, mark=(phrase[0] - start, phrase[1] - start), tag='b class="qa-phrase"') \
            if bold else text_html(value, markdown)
        lines.append(f"<tr><th>{text_html(name, markdown)}</th><td>{cell}</td></tr>")
    css = "qa-row qa-marked" if marked else "qa-row"
    return f'<table class="{css}"><tbody>{"".join(lines)}</tbody></table>'


def passage_html(citation: Citation) -> str:
    """The cited passage, escaped, with the quote marked by its offsets (never by searching for its text)."""
    if is_row(citation):
        return f'<div class="qa-passage">{row_html(citation, marked=True)}</div>'
    passage = citation.passage
    start = citation.start - citation.passage_start
    end = citation.end - citation.passage_start
    markdown = is_markdown(citation.source)
    if not 0 <= start <= end <= len(passage):
        # Offsets that do not fit the passage mean a damaged index; show the text unmarked rather than guess.
        return f'<div class="qa-passage">{text_html(passage, markdown)}</div>'
    return f'<div class="qa-passage">{text_html(passage, markdown, mark=(start, end))}</div>'


def location(citation: Citation, language: str = "en") -> str:
    """Where the quote is: title, section path and page, as plain text, in the language of the answer."""
    parts = [citation.title or citation.source]
    if citation.section:
        parts.append(citation.section.replace(" > ", " › "))
    if citation.page:
        parts.append(page_label(citation, language))
    return " · ".join(parts)


def page_label(citation: Citation, language: str = "en") -> str:
    """'page 23', or 'page 23 (printed 20)' when the PDF page prints another number than its position."""
    printed = getattr(citation, "printed_page", None)
    if printed and printed != str(citation.page):
        return messages.text("printed_page", language, page=citation.page, printed=printed)
    return messages.text("page", language, page=citation.page)


def card_label(citation: Citation, closest: bool = False, language: str = "en") -> str:
    """The source card's title, Markdown-escaped: '[1] Title · Section · page 3' or 'Closest passage 1 · ...'."""
    where = location(citation, language)
    label = f"{messages.text('closest_passage', language, n=citation.n)} · {where}" if closest else \
        f"[{citation.n}] {where}"
    return escape_markdown(label)


def card_details(citation: Citation, language: str = "en") -> str:
    """The card's small print, Markdown-escaped: file name, and the match score when there is one."""
    score = f" · {messages.text('match_score', language)} {decimal(citation.score, language, 2)}" \
        if citation.score > 0 else ""
    return escape_markdown(f"{citation.source}{score}")


def span_in_quote(answer: Answer) -> tuple[int, int] | None:
    """The answer phrase's offsets inside the first citation's quote, when it has one that fits there."""
    first = answer.citations[0] if answer.citations else None
    span = answer.answer_span
    if first is None or span is None or not first.start <= span.start < span.end <= first.end:
        return None
    return span.start - first.start, span.end - first.start


def answer_html(answer: Answer) -> str:
    """The answer, escaped, with its [1] marker (the first citation is the quoted sentence or table row) and
    the phrase that answers in bold."""
    first = answer.citations[0] if answer.citations else None
    marker = ' <span class="qa-marker">[1]</span>' if first else ""
    if first is not None and is_row(first):
        return f'<div class="qa-answer">{row_html(first, phrase=span_in_quote(answer))}{marker}</div>'
    if first is None:
        body = escape_html(answer.answer or "")
    else:
        body = text_html(first.quote, is_markdown(first.source), mark=span_in_quote(answer), tag='b class="qa-phrase"')
    return f'<div class="qa-answer">{body}{marker}</div>'


def translation_html(answer: Answer) -> str:
    """The machine translation of the answer, labelled as such and set apart from the quote ("" when none)."""
    if answer.translation is None:
        return ""
    label = escape_html(answer.translation.label)
    first = answer.citations[0] if answer.citations else None
    # A Markdown quote's emphasis comes through the translator: shown as formatting, as in the quote, not as "**".
    markdown = first is not None and is_markdown(first.source) and not is_row(first)
    return (f'<div class="qa-translation"><span class="qa-label">{label}:</span> '
            f'<i>{text_html(answer.translation.text, markdown)}</i></div>')


def read_as_caption(answer: Answer) -> str:
    """How the question was read, when that differs from how it was typed (a follow-up's referent filled in, an
    acronym spelled out, a Spanish question's English), escaped for st.caption; "" otherwise. A Spanish question's
    line says it is a machine translation."""
    if not answer.read_as:
        return ""
    return escape_markdown(f"{fixed('read_as', answer)}: {answer.read_as}")


def fixed(key: str, answer: Answer | None = None) -> str:
    """One of the chat's own sentences, in the language of the question it answers."""
    return messages.text(key, answer.language if answer is not None else "en")


def language_of_locale(locale: str | None) -> str:
    """The chat's language for a browser's locale ("es-MX" -> "es"): Spanish or English, English for any other."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in messages.LANGUAGES else "en"


def count(n: int, language: str = "en") -> str:
    """A whole number as the language writes it: "2,000" in English; in Spanish "2000", and "12 000" from five
    digits on (a no-break space, as the RAE asks)."""
    if language == "es":
        return str(n) if abs(n) < 10_000 else f"{n:,}".replace(",", "\u00a0")
    return f"{n:,}"


def visible_citations(answer: Answer, limit: int) -> tuple[Citation, ...]:
    return answer.citations[:max(1, limit)]


# --- suggested questions ----------------------------------------------------------------------

def topic_of(section: str) -> str:
    """The last heading of a section path without its number: '2. Methods > 2.1 Field Sites' -> 'Field Sites'."""
    return heading_topic(section.split(" > ")[-1] if section else "")


_NAME_WORD = r"(?:[A-Z][\w'’&-]*[\w'’]|[A-Z])"
# Two to six capitalised words, possibly joined by 'of', 'and'...: "Harbourtown Port Authority".
_NAME = re.compile(rf"(?<![\w-])(the )?({_NAME_WORD}(?:(?: (?:of|for|and|de|del|la|y|on|in|to))? {_NAME_WORD}){{1,5}})")
_JOINERS = frozenset("of for and de del la y on in to".split())
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
# Capitalised because they start a sentence or a heading, not because they name something.
_NOT_NAMES = frozenset("""the this these those that in on for a an by as at its it to with from and but while since
during our we of such each when where under refer see change percentage total item part note notes table figure
page source sources if all both most many some other new how what why who january february march april may june
july august september october november december months ended three six nine twelve""".split())
_ABBREVIATIONS = frozenset({"Inc", "Ltd", "Corp", "Co", "Bros", "Jr", "Sr"})
NAMED_FIRST = 6  # named things taken from each document before its section topics
# A list of references names other works' titles ("A History of the Valmar Shipping Lanes"), which the
# document cites but does not discuss: no suggested question is taken from it.
_REFERENCE_SECTIONS = frozenset({"references", "reference list", "bibliography", "works cited", "literature cited",
                                 "cited works", "further reading", "referencias", "bibliografía", "obras citadas"})


def named_things(chunks: Sequence[Chunk]) -> list[str]:
    """Names a document keeps using ('the Harbourtown Port Authority', 'Northern Europe'), the most
    used first. The first chunk (title, authors, a cover page) is left out: it names the document itself."""
    counts: dict[str, int] = {}
    with_the: dict[str, int] = {}
    texts = [row_label(c.headers, c.text) if c.kind == "row" else c.text for c in chunks[1:]
             if topic_of(c.section).casefold() not in _REFERENCE_SECTIONS]
    # A capitalised word opening a sentence is part of a name only if the document capitalises it elsewhere too.
    inner = {m.group(2).split(" ")[0] for text in texts for m in _NAME.finditer(text)
             if not _SENTENCE_START.search(text[:m.start()])} | \
        {w for text in texts for m in _NAME.finditer(text) for w in m.group(2).split(" ")[1:]}
    for text in texts:
        for m in _NAME.finditer(text):
            words = m.group(2).split(" ")
            if _SENTENCE_START.search(text[:m.start()]) and not m.group(1) and words[0] not in inner:
                words = words[1:]
            while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _JOINERS):
                words = words[1:]
            while words and words[-1].lower() in _JOINERS:
                words = words[:-1]
            if len(words) < 2 or len(words[-1]) == 1 or any(w.lower() in _NOT_NAMES - _JOINERS for w in words):
                continue  # 'Timothy D' is a name cut at its initial's full stop
            letters = [w for w in words if w.isalpha()]
            if letters and all(w.isupper() for w in letters) and any(len(w) > 4 for w in letters):
                continue  # a heading in capitals, not a name
            name = " ".join(words)
            if words[-1] in _ABBREVIATIONS and text[m.end():m.end() + 1] == ".":
                name += "."  # 'Apple Inc.'
            counts[name] = counts.get(name, 0) + 1
            if m.group(1) and words == m.group(2).split(" "):
                with_the[name] = with_the.get(name, 0) + 1
    order = {name: i for i, name in enumerate(counts)}
    ranked = sorted(counts, key=lambda n: (-counts[n], -with_the.get(n, 0), order[n]))
    return [("the " if 2 * with_the.get(n, 0) >= counts[n] else "") + n for n in ranked]


def section_topics(chunks: Sequence[Chunk]) -> list[str]:
    """The topics a document's section headings name, in document order; parts of a paper (Abstract,
    References...) name no topic and are left out."""
    topics: list[str] = []
    seen: set[str] = set()
    for chunk in chunks:
        topic = topic_of(chunk.section)
        key = topic.casefold()
        if not topic or key in seen or len(topic) > 60 or len(topic.split()) > 7:
            continue
        if set(re.findall(r"\w+", key)) - _FILLER <= _GENERIC_SECTIONS:
            continue
        seen.add(key)
        topics.append(topic)
    return topics


def suggested_questions(chunks: Iterable[Chunk], limit: int = 8, language: str = "en") -> list[str]:
    """Questions about what the indexed documents name, taken from every document in turn, in the language asked
    for. A question in Spanish names the thing as the documents do, in quotes and without an English "the":
    a translated name would not be the documents' ("¿Qué dicen los documentos sobre «Harbourtown Port Authority»?").

    Per document, the names it uses most come first (they make specific questions), then its section topics.
    """
    by_source: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    key = "suggest_one" if len(by_source) <= 1 else "suggest_many"
    queues: list[list[str]] = []
    for source in sorted(by_source):
        doc_chunks = by_source[source]
        names = named_things(doc_chunks)[:NAMED_FIRST]
        topics = [t for t in section_topics(doc_chunks) if t.casefold() not in {n.casefold() for n in names}]
        queues.append(names + topics)
    out: list[str] = []
    seen: set[str] = set()
    while any(queues) and len(out) < limit:
        for queue in queues:  # round robin, so one long document does not take every slot
            while queue:
                thing = queue.pop(0)
                if thing.casefold() not in seen:
                    seen.add(thing.casefold())
                    named = thing if language == "en" else re.sub(r"^the ", "", thing)
                    out.append(messages.text(key, language, thing=named))
                    break
            if len(out) >= limit:
                break
    return out


# --- index status and builds ------------------------------------------------------------------

def built_when(iso: str | None) -> str:
    """'2026-11-28 16:16 UTC' from the manifest's ISO time, or 'never'."""
    if not iso:
        return "never"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def changes_sentence(status: dict) -> str:
    """Which files differ from the index, e.g. 'changed: a.md; new: b.pdf', or '' when none do."""
    parts = []
    for key in ("changed", "new", "removed"):
        if status.get(key):
            parts.append(f"{key}: {', '.join(status[key])}")
    return "; ".join(parts)


def build_summary(report, language: str = "en") -> list[tuple[str, str]]:
    """(kind, line) pairs for a BuildReport: what was added, changed, removed, skipped or failed, and why, in the
    language asked for (a reason that is a messages.Said in that language too; any other as it is).

    kind is "ok", "warning" or "error", so the view can colour each line.
    """
    def say(key: str, **values) -> str:
        return messages.text(key, language, **values)

    def why(problem) -> str:
        return messages.in_language(problem.reason, language)

    lines: list[tuple[str, str]] = []
    for key, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if items:
            lines.append(("ok", say(key, names=", ".join(items))))
    for problem in report.skipped:
        lines.append(("warning", say("skipped", source=problem.source, reason=why(problem))))
    for problem in report.failed:
        lines.append(("error", say("failed", source=problem.source, reason=why(problem))))
    for problem in report.warnings:
        lines.append(("warning", say("note", source=problem.source, reason=why(problem))))
    if not (report.added or report.changed or report.removed or report.failed):
        lines.insert(0, ("ok", say("nothing_changed", n=len(report.unchanged))))
    return lines


def not_indexed_lines(failed, skipped, language: str = "en") -> list[tuple[str, str]]:
    """(kind, line) pairs for the files an index left out (Problems, e.g. Status.problems): "Not indexed: path:
    reason", failed ones as errors first, then skipped ones as warnings, each reason in the language asked for
    when it is a messages.Said (an old manifest's English stays as it is)."""
    return [(kind, messages.text("not_indexed", language, path=p.source,
                                 reason=messages.in_language(p.reason, language)))
            for kind, problems in (("error", failed), ("warning", skipped)) for p in problems]


def job_outcome(job, language: str = "en") -> str:
    """How an indexing run ended, in the page's language: "Index updated in 2.1 s"."""
    if job.ok and job.report is not None:
        return messages.text("index_updated", language, seconds=decimal(job.report.seconds, language))
    if language == "en":
        return job.outcome
    return messages.text("index_not_updated", language)


def job_lines(job, language: str = "en") -> list[tuple[str, str]]:
    """What led to an indexing run (in the words of the page that asked for it), then what it did, in the page's
    language (an error too when it is a messages.Said; any other is the build's own sentence)."""
    if job.report is None:
        return [(kind, messages.in_language(line, language)) for kind, line in job.lines]
    return list(job.lines[:job.given]) + build_summary(job.report, language)


def decimal(x: float, language: str = "en", places: int = 1) -> str:
    """A number with a decimal point in English and a decimal comma in Spanish: "2.1", "2,1"."""
    text = f"{x:.{places}f}"
    return text.replace(".", ",") if language == "es" else text


# --- transcript -------------------------------------------------------------------------------

# What Markdown (and the HTML it lets through) would read as markup anywhere in a line.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>#|~$])")
_LINE_START_MARKUP = re.compile(r"^([-+=]|\d+(?=[.)]))")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def markdown_text(text: str) -> str:
    """Text on one line of a Markdown file, shown as itself: no emphasis, links, HTML, lists or headings."""
    flat = _MARKDOWN_INLINE.sub(r"\\\1", " ".join(text.split()))
    flat = _ENTITY.sub(r"\\&", flat)
    return _LINE_START_MARKUP.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
                                  flat)


def markdown_row_table(citation: Citation, indent: str = "") -> list[str]:
    """A table row as a Markdown table: its column names, then its values."""
    cells = row_cells(citation)
    header = "| " + " | ".join(markdown_text(name) or " " for name, _ in cells) + " |"
    rule = "| " + " | ".join("---" for _ in cells) + " |"
    values = "| " + " | ".join(markdown_text(value) for _, value in cells) + " |"
    return [indent + header, indent + rule, indent + values]


def transcript_markdown(turns: Sequence[Turn], exported_at: datetime | None = None) -> str:
    """The conversation as Markdown, every answer followed by its citations written out in full.

    Everything that came from a user or a document is escaped, so the file shows it as text in any Markdown
    viewer; a table row is written as a small Markdown table.
    """
    exported_at = exported_at or datetime.now().astimezone()
    lines = ["# Questions and answers from your documents", "",
             f"Exported {exported_at.strftime('%Y-%m-%d %H:%M %Z').strip()}. Answers are quoted verbatim "
             "from the documents.", ""]
    for i, turn in enumerate(turns, start=1):
        question = markdown_text(turn.question) or "(an empty question)"
        lines += [f"## {i}. {question}", ""]
        if turn.note:
            lines += [f"_{markdown_text(turn.note)}_", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"_{markdown_text(turn.error)}_", ""]
            continue
        if answer.conversational:
            lines += [markdown_text(answer.message), ""]
            continue
        if answer.read_as:
            lines += [f"_{markdown_text(fixed('read_as', answer))}: {markdown_text(answer.read_as)}_", ""]
        if answer.abstained:
            lines += [fixed("abstained", answer), ""]
            heading = f"{fixed('closest', answer)}:"
        else:
            first = answer.citations[0] if answer.citations else None
            if first is not None and is_row(first):
                lines += ["> " + line for line in markdown_row_table(first)] + [">", "> [1]", ""]
            else:
                text = first.quote if first else answer.answer or ""
                span = span_in_quote(answer)
                if span:  # the answer phrase in bold, as in the chat
                    a, b = span
                    quoted = f"{markdown_text(text[:a])}**{markdown_text(text[a:b])}**{markdown_text(text[b:])}"
                else:
                    quoted = markdown_text(text)
                lines += [f"> {quoted} [1]", ""]
            if answer.translation is not None:
                lines += [f"_{markdown_text(answer.translation.label)}: {markdown_text(answer.translation.text)}_", ""]
            heading = f"{fixed('sources', answer)}:"
        if answer.citations:
            lines += [heading, ""]
            for c in answer.citations:
                where = f"{c.n}. {markdown_text(location(c, answer.language))} ({markdown_text(c.source)})"
                if is_row(c):
                    lines += [f"{where}, {fixed('table_row', answer)}:", ""]
                    lines += markdown_row_table(c, indent="   ") + [""]
                else:
                    lines.append(f"{where}: \"{markdown_text(c.quote)}\"")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
