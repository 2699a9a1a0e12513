"""Pure helpers for the web chat: escaped markup, highlighted passages, labels, summaries and transcripts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from .schema import Answer, Citation, row_label

ABSTAINED = "I couldn't find this in the documents."
CLOSEST = "Closest passages"
# Every ASCII punctuation mark can be backslash-escaped in CommonMark; Streamlit adds $ (maths) and : (emoji).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^])")
_SECTION_NUMBER = re.compile(r"^\s*(\d+(\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+")
# Sections that name a part of a paper rather than a topic: they make poor suggested questions.
_GENERIC_SECTIONS = frozenset("""abstract introduction background conclusion conclusions references bibliography
rationale appendix acknowledgements acknowledgments contents summary overview methodology methods notes
sources preface foreword index glossary about review research literature discussion results""".split())
_FILLER = frozenset({"and", "of", "the", "a", "an", "for", "to", "in", "on"})


@dataclass(frozen=True)
class Turn:
    """One exchange in the chat: the question and either an answer or the reason there is none."""

    question: str
    answer: Answer | None = None
    error: str = ""


# --- escaping ---------------------------------------------------------------------------------

def escape_html(text: str) -> str:
    """Document text as inert HTML; line breaks become <br> so Markdown never sees a blank line inside it."""
    return html.escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def escape_markdown(text: str) -> str:
    """Text shown literally where Streamlit reads Markdown (labels, captions): no formatting, links or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


# --- citations --------------------------------------------------------------------------------

def is_row(citation: Citation) -> bool:
    return citation.kind == "row"


def quote_text(citation: Citation) -> str:
    """The quote as a reader should see it: a table row with its column names, a sentence as it is."""
    return row_label(citation.headers, citation.quote) if is_row(citation) else citation.quote


def passage_html(citation: Citation) -> str:
    """The cited passage, escaped, with the quote marked by its offsets (never by searching for its text)."""
    if is_row(citation):
        return f'<div class="qa-passage"><mark>{escape_html(quote_text(citation))}</mark></div>'
    passage = citation.passage
    start = citation.start - citation.passage_start
    end = citation.end - citation.passage_start
    if not 0 <= start <= end <= len(passage):
        # Offsets that do not fit the passage mean a damaged index; show the text unmarked rather than guess.
        return f'<div class="qa-passage">{escape_html(passage)}</div>'
    return (f'<div class="qa-passage">{escape_html(passage[:start])}<mark>{escape_html(passage[start:end])}'
            f'</mark>{escape_html(passage[end:])}</div>')


def location(citation: Citation) -> str:
    """Where the quote is: title, section path and page, as plain text."""
    parts = [citation.title or citation.source]
    if citation.section:
        parts.append(citation.section.replace(" > ", " › "))
    if citation.page:
        parts.append(page_label(citation))
    return " · ".join(parts)


def page_label(citation: Citation) -> str:
    """'page 23', or 'page 23 (printed 20)' when the PDF page prints another number than its position."""
    printed = getattr(citation, "printed_page", None)
    if printed and printed != str(citation.page):
        return f"page {citation.page} (printed {printed})"
    return f"page {citation.page}"


def card_label(citation: Citation, closest: bool = False) -> str:
    """The source card's title, Markdown-escaped: '[1] Title · Section · page 3' or 'Closest passage 1 · ...'."""
    label = f"Closest passage {citation.n} · {location(citation)}" if closest else \
        f"[{citation.n}] {location(citation)}"
    return escape_markdown(label)


def card_details(citation: Citation) -> str:
    """The card's small print, Markdown-escaped: file name, and the match score when there is one."""
    score = f" · match score {citation.score:.2f}" if citation.score > 0 else ""
    return escape_markdown(f"{citation.source}{score}")


def answer_html(answer: Answer) -> str:
    """The answer sentence, escaped, with its [1] marker (the first citation is the quoted sentence)."""
    first = answer.citations[0] if answer.citations else None
    text = quote_text(first) if first else (answer.answer or "")
    marker = ' <span class="qa-marker">[1]</span>' if first else ""
    return f'<div class="qa-answer">{escape_html(text)}{marker}</div>'


def visible_citations(answer: Answer, limit: int) -> tuple[Citation, ...]:
    return answer.citations[:max(1, limit)]


# --- suggested questions ----------------------------------------------------------------------

def topic_of(section: str) -> str:
    """The last heading of a section path without its number: '3. Review > 3.2 Telecoms' -> 'Telecoms'."""
    leaf = section.split(" > ")[-1] if section else ""
    return " ".join(_SECTION_NUMBER.sub("", leaf).split()).strip(" :.-")


def suggested_questions(sections: Iterable[tuple[str, str]], limit: int = 8) -> list[str]:
    """Questions about the topics the indexed sections name, spread across documents, in document order.

    sections: (source, section path) pairs, e.g. one per chunk. Generic parts of a paper (Abstract,
    References...) are passed over because they name no topic.
    """
    by_source: dict[str, list[str]] = {}
    seen: set[str] = set()
    for source, section in sections:
        topic = topic_of(section)
        key = topic.casefold()
        if not topic or key in seen or len(topic) > 60 or len(topic.split()) > 7:
            continue
        if set(re.findall(r"\w+", key)) - _FILLER <= _GENERIC_SECTIONS:
            continue
        seen.add(key)
        by_source.setdefault(source, []).append(topic)
    noun = "document" if len(by_source) <= 1 else "documents"
    verb = "does" if noun == "document" else "do"
    out: list[str] = []
    queues = list(by_source.values())
    while queues and len(out) < limit:
        for queue in list(queues):  # round robin, so one long document does not take every slot
            if not queue:
                queues.remove(queue)
                continue
            out.append(f"What {verb} the {noun} say about {queue.pop(0)}?")
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


def build_summary(report) -> list[tuple[str, str]]:
    """(kind, line) pairs for a BuildReport: what was added, changed, removed, skipped or failed, and why.

    kind is "ok", "warning" or "error", so the view can colour each line.
    """
    lines: list[tuple[str, str]] = []
    for label, items in (("Added", report.added), ("Changed", report.changed), ("Removed", report.removed)):
        if items:
            lines.append(("ok", f"{label}: {', '.join(items)}"))
    for problem in report.skipped:
        lines.append(("warning", f"Skipped {problem.source}: {problem.reason}"))
    for problem in report.failed:
        lines.append(("error", f"Failed {problem.source}: {problem.reason}"))
    for problem in report.warnings:
        lines.append(("warning", f"Note on {problem.source}: {problem.reason}"))
    if not (report.added or report.changed or report.removed or report.failed):
        lines.insert(0, ("ok", f"Nothing changed: all {len(report.unchanged)} documents were already indexed."))
    return lines


# --- transcript -------------------------------------------------------------------------------

def _flat(text: str) -> str:
    return " ".join(text.split())


def transcript_markdown(turns: Sequence[Turn], exported_at: datetime | None = None) -> str:
    """The conversation as Markdown, every answer followed by its citations written out in full."""
    exported_at = exported_at or datetime.now().astimezone()
    lines = ["# Questions and answers from your documents", "",
             f"Exported {exported_at.strftime('%Y-%m-%d %H:%M %Z').strip()}. Answers are quoted verbatim "
             "from the documents.", ""]
    for i, turn in enumerate(turns, start=1):
        lines += [f"## {i}. {_flat(turn.question)}", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"_{_flat(turn.error)}_", ""]
            continue
        if answer.abstained:
            lines += [ABSTAINED, ""]
            heading = f"{CLOSEST}:"
        else:
            first = quote_text(answer.citations[0]) if answer.citations else answer.answer or ""
            lines += [f"> {_flat(first)} [1]", ""]
            heading = "Sources:"
        if answer.citations:
            lines += [heading, ""]
            for c in answer.citations:
                lines.append(f"{c.n}. {location(c)} ({c.source}): \"{_flat(quote_text(c))}\"")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
