"""Document records: what each indexed file is about (title, company, form, period), read from its name, its
metadata and its first pages; and which of them a question names.

Nothing here knows a company: names come from the cover page ("Apple Inc." above "(Exact name of registrant
as specified in its charter)"), the PDF's metadata and the file name; periods from lines such as "For the
quarterly period ended July 1, 2023" and from years and quarters in the file name ("2023 Q3 AAPL.pdf").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .text import _stem, search_tokens

_ID_LIKE = re.compile(r"^[\W\d_]*$|^\d{10}-\d{2}-\d{6}$")
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_DATE = r"((?:%s)\.?\s+\d{1,2},?\s+\d{4})" % "|".join(m.capitalize() for m in MONTHS)
_PERIOD = re.compile(r"for the (?:quarterly period|fiscal year|year|quarter|period|fiscal quarter|"
                     r"(?:three|six|nine|twelve) months)\s+ended:?\s+" + _DATE, re.I)
_FORM = re.compile(r"\bform\s+(10-q|10-k|20-f|40-f|8-k|6-k|s-1|n-csr)\b", re.I)
_REGISTRANT = re.compile(r"\(exact name of (?:the )?registrant as specified in its charter\)", re.I)
_TICKER = re.compile(r"\b([A-Z]{1,5})\s+(?:The\s+)?(?:Nasdaq|NASDAQ|New York Stock Exchange|NYSE)\b"
                     r"|Trading\s+Symbol\(?s?\)?:\s*([A-Z]{1,5})\b", re.I)
_META_COMPANY = re.compile(r"\bfor (.+?) filed\b|^(?:10-[QK])\s*-\s*[\d/]+\s*-\s*(.+)$", re.I)
_META_PERIOD = re.compile(r"period ending (\d{4}-\d{2}-\d{2})", re.I)
_QUARTER = re.compile(r"\bQ([1-4])\b", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# Words of a company's name that name no one in particular.
_CORPORATE = frozenset(search_tokens("inc incorporated corp corporation co company companies ltd limited plc llc lp "
                                     "group holdings holding sa ag nv se com the"))
# File-name words that say what kind of file it is, not whose.
_GENERIC = frozenset(search_tokens("report reports annual quarterly interim final draft form filing document doc "
                                   "copy version edition pdf fy statement statements financial results q1 q2 q3 q4"))
_ORDINAL_QUARTERS = {"first": "q1", "second": "q2", "third": "q3", "fourth": "q4"}
_LATEST = frozenset({"latest", "recent", "newest", "current"})
_NAMING = frozenset(search_tokens("latest recent newest last current form filing filed report reports quarterly "
                                  "annual 10 q k")) | _LATEST
UNMATCHED_MAX_MENTIONS = 10  # a name the folder mentions this often is discussed there, not merely absent


def pdf_title(source: str, metadata: dict) -> str:
    """The title the PDF's metadata gives, when it reads as one; otherwise the file name without suffix."""
    title = " ".join(str(metadata.get("Title", "")).split())
    words = re.findall(r"[^\W\d_]{2,}", title)
    if title and not _ID_LIKE.match(title) and len(words) >= 2 and len(title) <= 200:
        return title
    return Path(source).stem


def _parse_date(text: str) -> str:
    """An ISO date from 'July 1, 2023' (or '' when it does not parse)."""
    cleaned = re.sub(r"\s+", " ", text.replace(".", "").replace(",", "")).strip()
    for fmt in ("%B %d %Y", "%b %d %Y"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def _company(cover: str, metadata: dict) -> str:
    lines = [line.strip() for line in cover.split("\n")]
    for i, line in enumerate(lines):
        if _REGISTRANT.search(line):
            before = [l for l in lines[:i] if l.strip()]
            if before:
                name = before[-1]
                if _REGISTRANT.match(name) is None and 1 <= len(name.split()) <= 8:
                    return name
    for key in ("Title", "Subject", "Keywords"):
        match = _META_COMPANY.search(str(metadata.get(key, "")))
        if match:
            return (match.group(1) or match.group(2)).strip()
    return ""


def describe(document, cover_pages: list[str], metadata: dict | None = None) -> dict:
    """The document's record: kept in the manifest, read by retrieval (DocumentCatalogue)."""
    metadata = metadata or {}
    cover = "\n".join(cover_pages)
    stem = Path(document.source).stem
    record = {"file": Path(document.source).name, "title": document.title, "company": _company(cover, metadata),
              "ticker": "", "form": "", "period": "", "period_end": ""}
    for ticker in _TICKER.finditer(cover):
        symbol = ticker.group(1) or ticker.group(2)
        if symbol.isupper():
            record["ticker"] = symbol
            break
    form = _FORM.search(cover) or _FORM.search(" ".join(str(v) for v in metadata.values()))
    if form:
        record["form"] = form.group(1).upper()
    period = _PERIOD.search(cover)
    if period:
        record["period"] = " ".join(period.group(1).split())
        record["period_end"] = _parse_date(period.group(1))
    else:
        meta_period = _META_PERIOD.search(str(metadata.get("Subject", "")))
        if meta_period:
            record["period_end"] = meta_period.group(1)
    years = set(_YEAR.findall(f"{stem} {document.title}"))
    if record["period_end"]:
        years.add(record["period_end"][:4])
    record["years"] = sorted(years)
    record["quarters"] = sorted({f"q{q}" for q in _QUARTER.findall(f"{stem} {document.title}")})
    return record


def label(record: dict) -> str:
    """A line saying who and what a document is about ("Apple Inc. 10-Q, period ended July 1, 2023"), or ""
    for a document that names no company."""
    if not record.get("company"):
        return ""
    parts = [record["company"], record.get("form", "")]
    text = " ".join(p for p in parts if p)
    if record.get("ticker"):
        text += f" ({record['ticker']})"
    if record.get("period"):
        text += f", period ended {record['period']}"
    return text


# --- which documents a question names -----------------------------------------------------------

@dataclass(frozen=True)
class QuestionPeriod:
    years: frozenset[str]
    quarters: frozenset[str]
    dates: frozenset[str]  # ISO dates the question spells out
    latest: bool

    @property
    def given(self) -> bool:
        return bool(self.years or self.quarters or self.dates or self.latest)


_STEMMED_MONTHS = {_stem(m): i + 1 for i, m in enumerate(MONTHS)}  # "may" is a stop word: May dates go unseen


def question_period(tokens: list[str]) -> QuestionPeriod:
    """Years, quarters, dates and "latest" in a question's search tokens."""
    years, quarters, dates = set(), set(), set()
    latest = False
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if _YEAR.fullmatch(token):
            years.add(token)
        elif re.fullmatch(r"fy(\d\d|\d{4})", token):
            digits = token[2:]
            years.add(digits if len(digits) == 4 else "20" + digits)
        elif re.fullmatch(r"q[1-4]", token):
            quarters.add(token)
        elif token in _ORDINAL_QUARTERS and nxt == "quarter":
            quarters.add(_ORDINAL_QUARTERS[token])
        elif token in _LATEST or (token == "last" and nxt in ("quarter", "10", "report", "file", "filing")):
            latest = True
        # "July 1, 2023", and "1 July 2023" as much of the world writes it (and Apertium's English of "1 de julio de
        # 2023").
        day, month = (nxt, token) if token in _STEMMED_MONTHS else (token, nxt)
        if month in _STEMMED_MONTHS and day.isdigit() and i + 2 < len(tokens) and _YEAR.fullmatch(tokens[i + 2]):
            try:
                dates.add(date(int(tokens[i + 2]), _STEMMED_MONTHS[month], int(day)).isoformat())
            except ValueError:
                pass
    return QuestionPeriod(frozenset(years), frozenset(quarters), frozenset(dates), latest)


class DocumentCatalogue:
    """The records of the indexed documents, and the documents a question names by entity or period."""

    def __init__(self, records: dict[str, dict]):
        self.records = records
        self.entities: dict[str, frozenset[str]] = {}
        def keep(words: set[str]) -> set[str]:
            return {w for w in words if w not in _CORPORATE and w not in _GENERIC and not w.isdigit()
                    and len(w) >= 2 and not _QUARTER.fullmatch(w)}

        companies = {s: keep(set(search_tokens(f"{r.get('company', '')} {r.get('ticker', '')}")))
                     for s, r in records.items()}
        files = {s: keep(set(search_tokens(Path(s).stem))) for s in records}
        # A file-name word in half the names or more ("annual", "report", "final") tells none of them apart; a
        # company's name always tells its documents apart, however many of them there are.
        counts: dict[str, int] = {}
        for words in files.values():
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        limit = max(1, len(records) // 2) if len(records) > 1 else 1
        for source in records:
            self.entities[source] = frozenset(companies[source] | {w for w in files[source] if counts[w] <= limit})
        self.all_names = frozenset().union(*self.entities.values()) if self.entities else frozenset()
        # The words of each document's title and file name: a question may name a document by them (the title of a
        # Markdown file is no passage of it, so the lexical index does not hold its words).
        self.record_words = frozenset(t for s, r in records.items()
                                      for t in search_tokens(f"{r.get('title', '')} {Path(s).stem}"))
        self.has_companies = any(r.get("company") for r in records.values())

    def named(self, tokens: list[str]) -> list[str]:
        """The documents a question's tokens name, best first; [] when it names none in particular."""
        if len(self.records) < 2:
            return []
        candidates = self._by_entity(set(tokens)) or list(self.records)
        period = question_period(tokens)
        if period.given:
            # "latest": the latest period among the candidates, found once (not once per candidate: a folder of a
            # thousand documents made that a million comparisons a question).
            latest = max((self._end(s) for s in candidates), default=None) if period.latest else None
            scores = {s: self._period_score(s, period, latest) for s in candidates}
            top = max(scores.values(), default=0)
            if top > 0:
                candidates = [s for s in candidates if scores[s] == top]
        if len(candidates) == len(self.records):
            return []
        return sorted(candidates)

    def _by_entity(self, asked: set[str]) -> list[str]:
        """The documents whose names share most tokens with the question's; [] when none shares any."""
        by_entity = {s: len(asked & names) for s, names in self.entities.items()}
        best = max(by_entity.values(), default=0)
        return [s for s, n in by_entity.items() if n == best] if best else []

    def naming_tokens(self, tokens: list[str], named: list[str]) -> set[str]:
        """The question's tokens that only say which filing it asks about: the named documents' names,
        quarters, "latest", and words for the kind of document."""
        names = set().union(*(self.entities.get(s, frozenset()) for s in named)) if named else set()
        return {t for t in tokens if t in names or t in _NAMING or re.fullmatch(r"q[1-4]|fy\d{2,4}", t)}

    def _period_score(self, source: str, period: QuestionPeriod, latest: str | None) -> int:
        """How well a document's period matches the question's; latest is the latest end among the candidates
        when the question asks for the latest."""
        record = self.records[source]
        score = (len(period.years & set(record.get("years", ())))
                 + 2 * len(period.quarters & set(record.get("quarters", ()))))
        if record.get("period_end") and record["period_end"] in period.dates:
            score += 3
        if latest is not None and self._end(source) == latest:
            score += 3
        return score

    def _end(self, source: str) -> str:
        """A document's period end, or for a record without one where it stands in time (period_order)."""
        return self.records[source].get("period_end") or self.period_order(source)

    def period_order(self, source: str) -> str:
        """Where a record without a period stands in time: its latest year and quarter ("2023q3")."""
        record = self.records[source]
        return f"{max(record.get('years') or ['0000'])}{max(record.get('quarters') or ['q0'])}"

    def uncovered_quarter(self, tokens: list[str]) -> tuple[str, str] | None:
        """(company, "Q3 2023") when the question names a company and a calendar quarter of a year that none of
        that company's documents covers; None otherwise. A document covers the quarter its name gives
        ("2021 Q3 ACME") or whose period ends inside it, and the same quarter of the year before, which its
        statements print as their comparative column. A fiscal year ("fiscal 2024", "FY24") is left alone: the
        records do not know each company's fiscal calendar. Only companies whose documents give quarters count."""
        period = question_period(tokens)
        asked = set(tokens)
        if not (period.quarters and period.years) or "fiscal" in asked or any(t.startswith("fy") for t in asked):
            return None
        mine = self._by_entity(asked)
        if not mine or len(mine) == len(self.records) or not all(self.records[s].get("quarters") for s in mine):
            return None
        for source in mine:
            record = self.records[source]
            years = {int(y) for y in record.get("years", ())}
            covered = {(q, y - back) for q in record["quarters"] for y in years for back in (0, 1)}
            try:
                end = date.fromisoformat(record.get("period_end") or "")
            except ValueError:
                end = None
            if end is not None:
                quarter = f"q{(end.month - 1) // 3 + 1}"
                covered |= {(quarter, end.year), (quarter, end.year - 1)}
            if any((q, int(y)) in covered for q in period.quarters for y in period.years):
                return None
        company = next((self.records[s].get("company") for s in mine if self.records[s].get("company")), "")
        if not company:
            return None
        quarters = " and ".join(sorted(q.upper() for q in period.quarters))
        return company, f"{quarters} {' and '.join(sorted(period.years))}"

    def unmatched_entities(self, question: str, mentions) -> list[str]:
        """Names the question asks about ("Adobe's", "at Adobe") that no document is about and the folder at
        most mentions in passing. mentions(token) is how many passages hold the token."""
        if not self.has_companies:
            return []  # the folder is not a set of organisations' documents: nothing to tell apart
        out = []
        for name in _named_organisations(question):
            tokens = [t for t in search_tokens(name) if t not in _CORPORATE]
            if not tokens or any(t in self.all_names for t in tokens):
                continue
            if all(mentions(t) < UNMATCHED_MAX_MENTIONS for t in tokens):
                out.append(name)
        return out


# A name: capitalised words, "of" allowed between them ("Bank of America", "Institute of Statistics").
_NAME = r"[A-Z][\w&.-]*(?:\s+(?:of\s+)?[A-Z][\w&.-]*){0,3}"
# at Adobe; not "Telecommunications" of "the Federal Institute of Telecommunications": a preposition after a
# capitalised word is inside a longer name (_inside_a_name).
_AFTER_PREPOSITION = re.compile(r"\b(?:at|of|for|by|from|about)\s+(" + _NAME + r")(?=[\s?.,!]|$)")
_ORG_FORMS = [
    re.compile(r"(" + _NAME + r")['’]s\b"),  # Adobe's
    _AFTER_PREPOSITION,
    re.compile(r"(" + _NAME + r")\s+(?:Inc|Corp|Corporation|Company|Ltd|plc|Group)\b"),
]
_NOT_NAMES = frozenset(search_tokens("what which who how when where why does did is was are were the a an in "
                                     "q1 q2 q3 q4 fy form quarter year month fiscal first second third fourth "
                                     + " ".join(MONTHS)))


def _inside_a_name(question: str, at: int) -> bool:
    """Whether the text before position at ends with a capitalised word that is not the question's first: "the
    Federal Institute| of ...", not "What| ..." nor "revenue| at ..."."""
    before = question[:at].rstrip()
    word = re.search(r"([\w&.-]+)$", before)
    return bool(word and word.group(1)[:1].isupper() and before[:word.start()].strip(" ¿¡\"'“‘("))


def _named_organisations(question: str) -> list[str]:
    names: list[str] = []
    for pattern in _ORG_FORMS:
        for match in pattern.finditer(question):
            if pattern is _AFTER_PREPOSITION and _inside_a_name(question, match.start()):
                continue
            name = re.sub(r"\s+(?:Inc|Corp|Corporation|Company|Ltd|plc|Group|LLC)$", "", match.group(1).strip(" ."))
            tokens = search_tokens(name)
            if tokens and not all(t in _NOT_NAMES or re.fullmatch(r"\d.*|fy\d{2,4}|q[1-4]", t) for t in tokens) \
                    and name not in names:
                names.append(name)
    return names
