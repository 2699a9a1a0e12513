"""Table-row pairs for the reader model: questions about the rows of real financial filings.

SQuAD has no tables, so a reader trained on it alone gives a table row ("Gross margin | Three Months Ended
July 1, 2023: 36,413 | ...") a low answer score even when the question names its label. These pairs teach it
rows: for a row of a table, a question asks for its label (and, when the row has them, one of its column
headers or the filing's period); the row is the positive and the answer phrase is that column's value. The
other rows of the same table, and prose sentences of the same page that share the label's words but not its
figures, are hard negatives. A question about a label the table does not have pairs with that table's rows as
negatives only, so that a row is not taken for an answer because it is a row.

The filings are split by company before anything is trained (TUNING_COMPANIES below): the companies left out
are never read here, and the table-row benchmark (docs/benchmarks.md, 8d) reports them apart. The questions are
written from templates (QUESTION_TEMPLATES), so nothing here is a question of the 10-Q set.

`python -m assistant.train rows` writes data/rows/pairs.jsonl from the filings in ../shared/data/10q (or
--pdfs); `fit --rows` reads that file, so a clone can rerun the experiment without the PDFs. The shipped model
was trained without them: docs/reader-model.md says why.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from ..chunking import chunk_document
from ..documents import describe, label as document_label
from ..pdf import assemble_pdf
from ..schema import Chunk, row_label, split_row
from ..text import search_tokens
from .pairs import Pair

DATA = Path(__file__).resolve().parent / "data" / "rows"
PAIRS_FILE = DATA / "pairs.jsonl"
# random.Random(2026).sample(["AAPL", "AMZN", "INTC", "MSFT", "NVDA"], 2) held out AAPL and INTC; these train.
TUNING_COMPANIES = ("AMZN", "MSFT", "NVDA")
QUESTION_TEMPLATES = (
    "What was {company}'s {label} for the {header}?",
    "What was the {label} in the {header}?",
    "How much was {company}'s {label} for the {header}?",
    "What {label} did {company} report for the {header}?",
    "What were the {label} reported in {company}'s {period} 10-Q?",
    "What {label} did {company} report in its latest quarterly report?",
    "How much {label} did {company} have?",
    "What was the {label}?",
)
NEGATIVE_ROWS = 4
NEGATIVE_SENTENCES = 1
UNANSWERABLE_TABLE_SHARE = 0.75  # tables that also get a question about a label they do not have
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _company(document: str) -> str:
    """'Microsoft Corp' from 'Microsoft Corp 10-Q (MSFT), period ended September 30, 2023'."""
    name = re.split(r"\s+10-[QK]\b|\s+\(", document, maxsplit=1)[0].strip()
    name = re.sub(r"[\s,]+\b(Inc|Corp|Corporation|Incorporated|Co)\b\.?$", "", name, flags=re.I).strip(" ,")
    return name or "the company"


def _period(document: str) -> str:
    match = re.search(r"period ended (.+)$", document)
    return match.group(1).strip() if match else "latest"


_FOOTNOTE = re.compile(r"\s*\(\d{1,2}\)$")
_MONTH = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d", re.I)
# Labels that name no quantity on their own: a question cannot ask for them without the table's context.
_VAGUE = frozenset({"total", "other", "net", "thereafter", "balance", "balances", "amount", "subtotal"})


def _label(row: Chunk) -> str:
    """The row's own label, without the parent line a PDF row carries ("Current assets: Inventories") or a
    footnote mark ("Other (6)")."""
    return _FOOTNOTE.sub("", split_row(row.text)[0].rsplit(": ", 1)[-1].strip())


def _cells(row: Chunk) -> list[tuple[str, str]]:
    """(header, value) of each cell after the label; header is '' when the table names none."""
    out = []
    cells = split_row(row.text)
    for i, cell in enumerate(cells[1:], start=1):
        header = row.headers[i] if i < len(row.headers) and row.headers[i] else ""
        if ": " in cell:  # a PDF row carries its header in the cell ("Three Months Ended July 1, 2023: 36,413")
            header, cell = cell.rsplit(": ", 1)
        if len(header) > 60 or re.search(r"\b(INDEX|Page)\b", header):
            header = ""  # a contents page or a run-on caption, not a column header
        if cell.strip():
            out.append((header.strip(), cell.strip()))
    return out


def _answerable_row(row: Chunk) -> bool:
    label = _label(row)
    words = label.split()
    named = [w for w in re.findall(r"[a-z]{3,}", label.lower()) if w not in _VAGUE]
    return (bool(named) and 1 <= len(words) <= 10 and not _MONTH.match(label) and not label[0].isdigit()
            and not label.lower().startswith(("item ", "part ")) and any(_NUMBER.search(v) for _, v in _cells(row)))


def _tables(chunks: list[Chunk]) -> list[list[Chunk]]:
    """Rows grouped into tables: consecutive rows of one page and section."""
    tables: list[list[Chunk]] = []
    last = None
    for chunk in chunks:
        if chunk.kind != "row":
            last = None
            continue
        key = (chunk.page, chunk.section)
        if key != last:
            tables.append([])
            last = key
        tables[-1].append(chunk)
    return [t for t in tables if len(t) >= 3]


def _question(rng: random.Random, label: str, header: str, company: str, period: str) -> str:
    templates = [t for t in QUESTION_TEMPLATES if header or "{header}" not in t]
    label = label if label.isupper() else label[0].lower() + label[1:]
    header = re.sub(r"\s+", " ", header).strip().rstrip(",")
    text = rng.choice(templates).format(label=label, header=header[0].lower() + header[1:] if header else "",
                                        company=company, period=period)
    if header and _MONTH.match(header):  # a balance-sheet column is a date: "as of June 30, 2023"
        text = text.replace(f"for the {header[0].lower() + header[1:]}", f"as of {header}")
        text = text.replace(f"in the {header[0].lower() + header[1:]}", f"as of {header}")
    return text


def _model_text(row: Chunk) -> str:
    return row_label(row.headers, row.text)


def _value_span(text: str, header: str, value: str) -> tuple[int, int] | None:
    """Where this column's value stands in the row as the model reads it ('Label | Header: value | ...')."""
    for cue in ([f"{header}: {value}"] if header else []) + [f"| {value}"]:
        at = text.find(cue)
        if at >= 0:
            start = at + len(cue) - len(value)
            return start, start + len(value)
    return None


def document_pairs(chunks: list[Chunk], other_labels: list[str], rng: random.Random) -> list[Pair]:
    """The pairs of one filing: its tables' rows, with sentences of the same pages as harder negatives."""
    pairs: list[Pair] = []
    sentences: dict[int | None, list[str]] = defaultdict(list)
    for chunk in chunks:
        if chunk.kind == "text":
            sentences[chunk.page] += [chunk.text[s - chunk.start:e - chunk.start] for s, e in chunk.units]
    for table in _tables(chunks):
        answerable = [r for r in table if _answerable_row(r)]
        if not answerable:
            continue
        company, period = _company(table[0].document), _period(table[0].document)
        labels_here = [frozenset(search_tokens(_label(r))) for r in table]
        for row in rng.sample(answerable, min(len(answerable), 3)):
            label = _label(row)
            own = frozenset(search_tokens(label))
            if not own:
                continue
            cells = _cells(row)
            header, value = rng.choice(cells)
            question = _question(rng, label, header, company, period)
            text = _model_text(row)
            span = _value_span(text, header, value)
            pairs.append(Pair(question, text, 1, span, row.source))
            others = [r for r, toks in zip(table, labels_here) if r is not row and toks != own and not toks >= own]
            for other in rng.sample(others, min(len(others), NEGATIVE_ROWS)):
                pairs.append(Pair(question, _model_text(other), 0, None, row.source))
            figures = {n for _, v in cells for n in _NUMBER.findall(v)}
            prose = [s for s in sentences.get(row.page, []) if own & set(search_tokens(s))
                     and not figures & set(_NUMBER.findall(s))]
            for sentence in rng.sample(prose, min(len(prose), NEGATIVE_SENTENCES)):
                pairs.append(Pair(question, sentence, 0, None, row.source))
        if rng.random() < UNANSWERABLE_TABLE_SHARE and other_labels:
            # A label of another filing that names nothing in this table: every row here is a negative.
            for _ in range(10):
                label = rng.choice(other_labels)
                toks = frozenset(search_tokens(label))
                if toks and not any(toks & here for here in labels_here):
                    break
            else:
                continue
            question = _question(rng, label, "", company, period)
            for other in rng.sample(table, min(len(table), NEGATIVE_ROWS + 1)):
                pairs.append(Pair(question, _model_text(other), 0, None, table[0].source))
    return pairs


def _read(path: Path) -> list[Chunk]:
    """The filing's chunks, each knowing who and what the filing is about, as the build writes them."""
    assembler = assemble_pdf(path.name, path.read_bytes())
    document = assembler.document()
    about = document_label(describe(document, assembler.cover, assembler.metadata))
    return [replace(c, document=about) for c in chunk_document(document)]


def is_tuning_filing(name: str) -> bool:
    """Whether a filing ('2023 Q3 MSFT.pdf': the ticker is a word of its name) is one of TUNING_COMPANIES'."""
    return any(ticker in Path(name).stem.split() for ticker in TUNING_COMPANIES)


def build_row_pairs(pdfs: list[Path], seed: int = 13) -> list[Pair]:
    """Pairs from the tuning companies' filings among pdfs (file names hold the ticker: '2023 Q3 MSFT.pdf')."""
    rng = random.Random(seed)
    chosen = sorted(p for p in pdfs if is_tuning_filing(p.name))
    documents = {p.name: _read(p) for p in chosen}
    labels = {name: sorted({_label(c) for c in chunks if c.kind == "row" and _answerable_row(c)})
              for name, chunks in documents.items()}
    pairs: list[Pair] = []
    for name, chunks in documents.items():
        others = [label for other, ls in labels.items() if other != name for label in ls]
        pairs += document_pairs(chunks, others, rng)
    rng.shuffle(pairs)
    return pairs


def write_pairs(pairs: list[Pair], path: Path = PAIRS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for p in pairs:
            out.write(json.dumps({"question": p.question, "sentence": p.sentence, "label": p.label,
                                  "span": list(p.span) if p.span else None, "article": p.article},
                                 ensure_ascii=False) + "\n")
    return path


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(Pair(d["question"], d["sentence"], d["label"], tuple(d["span"]) if d["span"] else None,
                            d["article"]))
    return out
