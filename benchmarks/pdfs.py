"""Targets 8a-8e: a real folder of PDFs (the 10-Q filings): reading speed, the build against the encoder
alone, citations from the right filing, table rows that hold the figure, and the longest answer unit.

The 10-Q folder is not part of the repository: it is read from --tenq (default ../shared/data/10q beside
the project) when it is there, and the targets that need it are reported as not measured otherwise. Quick
mode reads only the two real PDFs in tests/fixtures.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path

from assistant.assistant import Assistant
from assistant.build import build_index
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.figures import quotes_figure, row_holds_figure
from assistant.pdf import load_pdf
from assistant.train.rows import TUNING_COMPANIES, is_tuning_filing

from .data import REAL_PDFS
from .harness import Context, TimedEmbedder
from .measure import ROOT, median, timed

SECTION = "PDF folders (the 10-Q filings)"
DEFAULT_TENQ = ROOT.parent / "shared" / "data" / "10q"
MAX_UNIT_WORDS = 80
_SENTENCE_END = re.compile(r"[.!?;:][\"'”’)\]]*$")


def longest_units(document) -> tuple[int, list[str]]:
    """The longest answer unit in words, and the units over MAX_UNIT_WORDS that are not one sentence
    (a unit that ends like a sentence and is mostly words counts as one: the splitter found no end inside)."""
    longest, over = 0, []
    for chunk in chunk_document(document):
        for start, end in chunk.units:
            text = document.text[start:end]
            words = text.split()
            longest = max(longest, len(words))
            numbers = sum(bool(re.fullmatch(r"[$(]*[\d,.]+%?\)?", w)) for w in words)
            if len(words) > MAX_UNIT_WORDS and (not _SENTENCE_END.search(text) or chunk.kind == "row"
                                                or numbers > 0.3 * len(words)):
                over.append(text)
    return longest, over


# --- measuring ------------------------------------------------------------------------------------

def _read_all(paths: list[Path]) -> tuple[int, float, float, list]:
    """Pages, CPU seconds and wall seconds to read every PDF in this process, and the documents."""
    pages, cpu, wall, documents = 0, 0.0, 0.0, []
    for path in paths:
        data = path.read_bytes()
        c0, w0 = time.process_time(), time.perf_counter()
        document = load_pdf(path.name, data)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        pages += max(b.page for b in document.blocks)
        documents.append(document)
    return pages, cpu, wall, documents


def _pypdf_pages_per_second(paths: list[Path]) -> float:
    import pypdf

    pages, cpu = 0, 0.0
    for path in paths:
        c0 = time.process_time()
        reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
        try:
            with pypdf.apply_configuration(array_maximum_element_count=50_000_000,
                                           dictionary_maximum_element_count=50_000_000):
                for page in reader.pages:
                    page.extract_text()
                    pages += 1
        except AttributeError:  # older pypdf without apply_configuration
            for page in reader.pages:
                page.extract_text()
                pages += 1
        cpu += time.process_time() - c0
    return pages / cpu


def _pdfplumber_tables(paths: list[Path]) -> tuple[float, int] | None:
    """Pages per CPU second of pdfplumber's table finder, when pdfplumber is importable (it is not a
    dependency: it was measured once to decide, see docs/pdf.md)."""
    try:
        import pdfplumber
    except ImportError:
        return None
    pages, tables, cpu = 0, 0, 0.0
    for path in paths:
        c0 = time.process_time()
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                tables += len(page.find_tables())
                pages += 1
        cpu += time.process_time() - c0
    return pages / cpu, tables


def extraction(ctx: Context, paths: list[Path], where: str) -> list:
    r = ctx.results
    runs = []
    for _ in range(ctx.plan.runs):
        runs.append(_read_all(paths))
    pages, _, _, documents = runs[0]
    cpu, wall = median([x[1] for x in runs]), median([x[2] for x in runs])
    rate = pages / cpu
    rows = sum(b.kind == "row" for d in documents for b in d.blocks)
    printed = sum(1 for d in documents for p in {(b.page, b.printed_page) for b in d.blocks} if p[1])
    r.add(SECTION, f"PDF reading, {where}: {len(paths)} files, {pages:,} pages", rate, "pages/s",
          f"per CPU second in one process; {pages / wall:.0f} pages/s wall; text, table rows, headings and "
          "printed page numbers included")
    r.add(SECTION, "table rows found / pages that print their number", f"{rows:,} / {printed:,}")
    pypdf_rate = _pypdf_pages_per_second(paths[:1] if ctx.plan.quick else paths)
    r.add(SECTION, "pypdf extract_text, same files (the former reader)", pypdf_rate, "pages/s",
          f"{rate / pypdf_rate:.1f}x slower than the pdfium reader" if pypdf_rate < rate else "")
    plumber = None if ctx.plan.quick else _pdfplumber_tables(paths[:4])
    if plumber:
        r.add(SECTION, "pdfplumber find_tables alone, first four files", plumber[0], "pages/s",
              f"{plumber[1]} tables; not a dependency")
    r.target("8a", "PDF text extraction", ">= 150 pages/s on one core", f"{rate:.0f} pages/s ({where})",
             rate >= 150,
             note="CPU time of one process reading each PDF in full with pdfium: text, table rows with their "
                  "headers, headings and printed page numbers. Builds read several files (or runs of 100 "
                  "pages) in parallel worker processes on top of this.",
             why="" if rate >= 150 else "the layout analysis in Python (cells, tables, headings) costs more than "
                                         "the budget left after pdfium's own parsing",
             close="" if rate >= 150 else "measure per stage (assistant/pdf/layout.py first) and move the "
                                          "per-word box look-ups into fewer pdfium calls")
    return documents


def unit_lengths(ctx: Context, documents: list) -> None:
    r = ctx.results
    longest, over = 0, []
    for document in documents:
        n, bad = longest_units(document)
        longest = max(longest, n)
        over += bad
    ok = not over
    r.add(SECTION, "longest answer unit", longest, "words",
          "a sentence; units over 80 words that are not one sentence: " + str(len(over)))
    r.target("8e", "Longest answer unit", "<= 80 words unless one sentence is longer",
             f"{len(over)} units over 80 words that are not a sentence; longest unit {longest} words", ok,
             note="A unit over 80 words counts as one sentence when it ends like one and is mostly words; a "
                  "table row never does (wide rows are cut into runs of columns instead).",
             why="" if ok else f"e.g. {over[0][:120]!r}",
             close="" if ok else "split such paragraphs by line in assistant/pdf/pages.py (_run_on)")


def judge_filing_answer(answer, question: dict) -> tuple[bool, bool]:
    """(answered with a table row of the question's one filing that holds a figure of its reference answer, answered
    with a sentence or row of that filing that states one) for a single-filing question of the 10-Q collection."""
    first = answer.citations[0] if answer.citations and not answer.abstained else None
    mine = first is not None and first.source == question["matches"][0]
    return (mine and first.kind == "row" and row_holds_figure(first.quote, question["answer"]),
            mine and quotes_figure(first.quote, question["answer"]))


def tenq(ctx: Context, folder: Path) -> None:
    """8b-8d on the 10-Q folder: a full build against the encoder alone, then every single-filing question."""
    r = ctx.results
    corpus = ctx.work / "corpus-10q"
    corpus.mkdir(exist_ok=True)
    for pdf in sorted(folder.glob("*.pdf")):
        shutil.copy2(pdf, corpus / pdf.name)
    embedder = ctx.embedder("auto")
    settings = Settings().with_paths(corpus, ctx.work / "index-10q")
    timed_embedder = TimedEmbedder(embedder)
    build_seconds, report = timed(build_index, settings, timed_embedder, full=True)
    assistant = Assistant(settings, embedder)
    assistant.reload()
    texts = list(dict.fromkeys(t for c in assistant.store.chunks for t in c.embedding_texts()))
    bare_seconds, _ = timed(embedder.encoder.encode, texts, embedder.batch_size)
    ratio = build_seconds / bare_seconds
    r.add(SECTION, "10-Q folder: full build", build_seconds, "s",
          f"{report.chunks_total:,} chunks, {len(texts):,} distinct sentences and rows; encoding inside the build "
          f"{timed_embedder.document_seconds:.0f} s")
    r.add(SECTION, "10-Q folder: the encoder alone on the same sentences and rows", bare_seconds, "s")
    ok = ratio <= 1.2
    r.target("8b", "Build of the 10-Q folder", "<= 1.2x the encoder alone on its chunks", f"{ratio:.2f}x", ok,
             note="The full build (scan, read the PDFs in worker processes, chunk, embed, write and swap in) "
                  "against the same embedder encoding the build's distinct sentence and row texts in one "
                  "call, measured one after the other.",
             why="" if ok else "reading or writing is not hidden behind the encoder",
             close="" if ok else "see the per-stage times in the build's status lines")

    questions = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    single = [q for q in questions if len(q.get("matches", [])) == 1]
    right, rows_ok, tables, abstained, rows_read, rows_found, states_figure = 0, 0, 0, 0, 0, 0, 0
    held_ok, held_tables = 0, 0
    misses = []
    for q in single:
        answer = assistant.ask(q["question"])
        if q.get("source_chunk_type") == "Table":
            found = [i for i, h in enumerate(assistant.retrieve(q["question"]))
                     if h.chunk.kind == "row" and h.chunk.source == q["matches"][0]
                     and row_holds_figure(h.chunk.text, q["answer"])]
            rows_found += bool(found)
            rows_read += bool(found) and found[0] < assistant.settings.read_k
        first = answer.citations[0] if answer.citations else None
        if first is not None and first.source == q["matches"][0]:
            right += 1
        else:
            misses.append(q["question"])
        if q.get("source_chunk_type") == "Table":
            tables += 1
            abstained += answer.abstained
            good, states = judge_filing_answer(answer, q)
            rows_ok += good
            # The rest of the answers: does the cited sentence or row state the figure all the same?
            states_figure += states
            if not is_tuning_filing(q["matches"][0]):
                held_tables += 1
                held_ok += good
    share = right / len(single)
    r.add(SECTION, "single-filing questions: first citation from that filing", f"{right} / {len(single)}")
    r.target("8c", "The right filing", ">= 90% of single-filing questions cite it first", f"{100 * share:.1f}%",
             share >= 0.9,
             note="The first citation (answer or closest passage) of Assistant.ask for each of the questions "
                  "whose collection glob matches one file; the question names the company and the quarter or "
                  "'the latest 10-Q', and retrieval ranks that filing's passages first (assistant/documents.py).",
             why="" if share >= 0.9 else f"e.g. {misses[0]!r}",
             close="" if share >= 0.9 else "see DocumentCatalogue.named for the question's company and period")
    row_share = rows_ok / tables if tables else 0.0
    r.add(SECTION, "table questions: answered with the row holding the figure", f"{rows_ok} / {tables}",
          note=f"{abstained} abstained")
    r.add(SECTION, "table questions answered: the first citation states a figure of the reference answer",
          f"{states_figure} / {tables - abstained}",
          note=f"a row or a sentence of the right filing; the other {tables - abstained - states_figure} answers "
               f"state none of its figures")
    r.add(SECTION, "table questions of the companies nothing was chosen on: answered with the row",
          f"{held_ok} / {held_tables}",
          note="every company but " + ", ".join(TUNING_COMPANIES) + " (assistant/train/rows.py)")
    r.add(SECTION, "table questions: the row holding the figure among the passages the reader reads",
          f"{rows_read} / {tables}", note=f"the first {assistant.settings.read_k} hits of retrieval; among all its "
                                          f"hits for {rows_found}")
    # A trend over several filings is answered by a row from each (the collection's README): count the filings
    # a multi-filing table question's citations cover with a row holding a figure of its reference answer.
    several = [q for q in questions if len(q.get("matches", [])) > 1 and q.get("source_chunk_type") == "Table"]
    covered = 0
    for q in several:
        answer = assistant.ask(q["question"])
        covered += 0 if answer.abstained else len({c.source for c in answer.citations if c.kind == "row"
                                                   and c.source in q["matches"]
                                                   and row_holds_figure(c.quote, q["answer"])})
    r.add(SECTION, "multi-filing table questions: filings cited with a row holding a figure",
          f"{covered} / {sum(len(q['matches']) for q in several)}", note=f"{len(several)} questions")
    r.target("8d", "Table rows that answer", ">= 80% of table questions cite the row holding the figure",
             f"{100 * row_share:.1f}% ({abstained} of {tables} abstained)", row_share >= 0.8,
             note="Judged on the single-filing questions whose answer stands in a table: the answer is not an "
                  "abstention, its first citation is a table row of the right filing, and the row holds a "
                  "figure of the reference answer (the same number, or the same amount rounded to the "
                  "answer's millions or billions).",
             why="" if row_share >= 0.8 else (
                 f"the row holding the figure is among the passages the reader reads for only {rows_read} of "
                 f"{tables} questions; many ask for a comparison that no single row answers, and unless the "
                 f"question names the row's label (assistant/table_rows.py), the reader model, trained on prose "
                 f"(SQuAD), ranks a sentence that discusses the figure above the row that holds it "
                 f"({abstained} abstained)"),
             close="" if row_share >= 0.8 else (
                 "match a label the question paraphrases ('operating cash flow' for 'Net cash provided by "
                 "operating activities'), train the reader on table-row questions with real wording "
                 "(assistant/train/rows.py is the start: docs/reader-model.md), and cite one row per period for "
                 "comparisons"))


_BIG_BUILD = """
import json, sys, time
from pathlib import Path
import numpy as np
from assistant.build import build_index
from assistant.config import Settings

class Stand:  # vectors without a model: the memory and time of everything but encoding
    name, dimension = "sentence-transformers/all-MiniLM-L6-v2", 384
    def encode_documents(self, texts, progress=None):
        return np.ones((len(texts), 384), np.float32) / np.sqrt(384)
    def encode_query(self, text):
        return np.ones(384, np.float32) / np.sqrt(384)

def main():
    work = Path(sys.argv[1]); corpus = work / "corpus-1000"
    started = time.perf_counter()
    report = build_index(Settings().with_paths(corpus, work / "index-1000"), Stand())
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would count the benchmark process this was forked from.
    with open("/proc/self/status", encoding="ascii") as handle:
        peak = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))
    print(json.dumps({"seconds": time.perf_counter() - started, "chunks": report.chunks_total,
                      "peak_mib": peak / 1024,
                      "megabytes": (corpus / "thousand.pdf").stat().st_size / 1e6}))

if __name__ == "__main__":
    main()
"""


def thousand_pages(ctx: Context, paths: list[Path]) -> None:
    """A 1,000-page report (the 10-Q pages joined) built with a stand-in embedder: memory stays bounded."""
    import subprocess
    import sys

    from .measure import child_env

    import pypdfium2 as pdfium

    corpus = ctx.work / "corpus-1000"
    corpus.mkdir(parents=True, exist_ok=True)
    joined, i = pdfium.PdfDocument.new(), 0
    while len(joined) < 1000:  # made here, so the build's own process is measured alone
        source = pdfium.PdfDocument(str(paths[i % len(paths)]))
        joined.import_pages(source, list(range(min(len(source), 1000 - len(joined)))))
        source.close()
        i += 1
    buffer = io.BytesIO()
    joined.save(buffer)
    joined.close()
    (corpus / "thousand.pdf").write_bytes(buffer.getvalue())
    script = ctx.work / "build_1000.py"
    script.write_text(_BIG_BUILD, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(ctx.work)],
                          capture_output=True, text=True, timeout=1800, cwd=ROOT, env=child_env())
    if done.returncode != 0:
        raise RuntimeError(f"the 1,000-page build failed: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ctx.results.add(SECTION, "a 1,000-page report (10-Q pages joined), build without the model",
                    result["seconds"], "s",
                    f"{result['chunks']:,} chunks from a {result['megabytes']:.0f} MB file; peak memory of the build "
                    f"process {result['peak_mib']:.0f} MiB, libraries included (the PDF is read in runs of 100 "
                    "pages by worker processes)")


def run(ctx: Context) -> None:
    folder = ctx.shared.get("tenq_folder") or DEFAULT_TENQ
    present = folder.is_dir() and (folder / "questions.jsonl").is_file()
    if ctx.plan.quick or not present:
        documents = extraction(ctx, REAL_PDFS, "tests/fixtures")
        unit_lengths(ctx, documents)
        why = ("quick mode measures only the two PDFs in tests/fixtures" if ctx.plan.quick else
               f"the 10-Q folder is not at {folder}; pass --tenq DIR to measure it")
        for target_id, title, goal in (
                ("8b", "Build of the 10-Q folder", "<= 1.2x the encoder alone on its chunks"),
                ("8c", "The right filing", ">= 90% of single-filing questions cite it first"),
                ("8d", "Table rows that answer", ">= 80% of table questions cite the row holding the figure")):
            ctx.results.target(target_id, title, goal, "-", None, why=why)
        return
    paths = sorted(folder.glob("*.pdf"))
    documents = extraction(ctx, paths, "the 10-Q folder")
    unit_lengths(ctx, documents)
    thousand_pages(ctx, paths)
    tenq(ctx, folder)
