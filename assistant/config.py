"""One typed Settings object: paths, model, chunking and answering parameters, with env overrides."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
INDEX_FORMAT_VERSION = 1
# Bump when PDFs are read into different text, blocks or records, so indexes rebuild and say why.
PDF_READER_VERSION = 35  # 1: pypdf, a block per page; 2: pdfium with table rows, sections, printed pages;
# 3: a table of contents with its titles in columns of their own gives no rows; 4: a header line of years after
# the period they share ("Three Months Ended September 30, | 2022 | 2021") heads the table instead of being a row;
# 5: so does a line of years with words among them ("2023 | 2024 | Thereafter | Total"); 6: a date set left of
# its column's figures ("April 30," / "2023") still heads that column; 7: months and days standing over columns
# of their own ("June 25," / "June 26,") name no "Change" column beside them; 8: nor do years ("2022" / "2021");
# 9: a label line set smaller or in another weight than the unindented rows under it names their group ("Revenue")
# 10: a blank line is judged against the page's own line spacing (double-spaced lines are one paragraph)
# 11: a line's size of type is its letters' (median of five), not its first character's (a bullet glyph)
# 12: a value cell's text wrapped onto lines of its own stays in its row; lines under a row are split into cells
# 13: the column names over a table are told apart at 0.6 em (a wide header 0.7 em from the next one)
# 14: a column only wrapped lines fill (a description beside a label of two lines) is a column of its own
# 15: a page number may open a page's outermost line ("14    Chapter 2. Experiments", a book's left-hand pages)
# 16: a page of a handful of lines loses the running lines the other pages repeat; "12 / 98" prints page 12
# 17: a heading that numbers its bookmark's title ("1.1 El material" for "El material") is that section
# 18: a paragraph of contents lines ("1.1. El material . . . . 1") stays in the text but gives no block
# 19: a "label: figure" line set large ("Fecha de publicación: 31/01/2024") is text, not a heading
# 20: a heading's number set an em apart from its title ("2.3  Orientándote") is the heading's, not a row's
# 21: a numbered heading may open with "¿", "¡", a quotation mark or an accented capital ("5.4.1 ¿Qué es ...?")
# 22: a page's number is the edge number whose offset other pages share, not the first edge number found
# 23: a line "in capitals" needs four letters to be a heading ("N = N+1", "Q1 2022" are not)
# 24: every run of a long PDF takes its body style from 24 pages spread over the whole document
# 25: an appendix's number ("B.1") is set aside too, and a bookmark merged with its heading keeps its own level
# 26: a heading's "Appendix A" word is set aside like a number when it repeats its bookmark ("A A sample session"),
# and the printed form is kept
# 27: a page of a handful of lines may print its number on its top or bottom line ("52  Chapter 5. Sound")
# 28: heading lines that join to more than 32 words are a paragraph (a licence's warranty set in capitals)
# 29: a table that names no column under one of the same columns on its page takes that table's column names
# 30: header lines a PDF draws after their table are read when none stands before it; a line set larger than the
# rows is no label line of the table (a statement's title)
# 31: a date alone over a table's label column, under its column names, dates each of them ("December 31, 2022")
# 32: an accent a TeX font draws apart before its letter is composed with it ("M¨oller" reads "Möller")
# 33: a line in small capitals that ends the sentence of the line above stays in its paragraph ("DOCUMENTATION.")
# 34: TeX's T1 ligature codes 0x1B-0x1F next to a letter read as their letters ("unied" reads "unified")
# 35: page 1's lines under the title, smaller than it and larger than the text, are text (authors, a date), not
# headings of empty sections


@dataclass(frozen=True)
class ChunkSettings:
    """Everything that changes chunk boundaries; a change forces a full rebuild."""

    target_words: int = 90
    max_words: int = 160
    overlap_sentences: int = 1
    # The rules that cut a Markdown or text file into sections and sentences (ingest.parse_markdown,
    # text.sentence_spans): 2 since lettered and roman list items ("a)", "(iv)") start a sentence of their own and
    # plain-text and underlined headings start sections; 3 since a chunk does not end with a list's lead-in; 4 since
    # a fenced code block holds no headings ("# conda" in a shell example is a comment); 5 since a Markdown file's
    # YAML front matter gives a unit per field and HTML comments are not text; 6 since a file with several level-1
    # headings has none for a title (each is a section); 7 since a table whose columns are aligned with spaces under a
    # rule of dash runs (pandoc's simple tables, reST's) gives rows; 8 since a grid table's row over several lines is one
    # row, and plain-text headings numbered in sentence case, "Chapter N" / "Capítulo N" and one-word labels nest; 9
    # since a plain-text table of contents gives no answer units; 10 since a blank line in Markdown always ends a
    # paragraph (a lower-case line after it, "orjson does ...", was read as the sentence before it going on); 11
    # since a fenced code block of up to 80 words is one unit, blank lines and full stops included.
    text_rules: int = 11


@dataclass(frozen=True)
class Settings:
    corpus: Path = PROJECT_ROOT / "corpus"
    index: Path = PROJECT_ROOT / "index"
    chunking: ChunkSettings = ChunkSettings()
    max_file_bytes: int = 50 * 1024 * 1024
    max_question_chars: int = 2000
    batch_size: int = 64
    top_k: int = 20  # candidates taken from each retriever
    read_k: int = 6  # hits whose sentences are read for an answer
    approximate_above: int = 200_000  # above this many chunks FAISS is IVF, not exact (docs/benchmarks.md)
    read_workers: int | None = None  # processes reading PDFs during a build; None: one per core when worth it
    # Milvus instead of the files in `index` (docs/scaling.md): a local path is a Milvus Lite database, an
    # http(s):// URI a Milvus server or cluster. The token is never printed (repr=False).
    milvus_uri: str = ""
    milvus_token: str = field(default="", repr=False)
    milvus_collection: str = "assistant"
    milvus_lexical: str = "bm25s"  # BM25 by bm25s in memory, or "milvus": Milvus' BM25 function (docs/scaling.md)

    @classmethod
    def from_env(cls, corpus: str | Path | None = None, index: str | Path | None = None) -> "Settings":
        corpus = corpus or os.environ.get("ASSISTANT_CORPUS") or cls.corpus
        index = index or os.environ.get("ASSISTANT_INDEX") or cls.index
        return cls(corpus=Path(corpus).expanduser().resolve(), index=Path(index).expanduser().resolve(),
                   milvus_uri=os.environ.get("ASSISTANT_MILVUS_URI", "").strip(),
                   milvus_token=os.environ.get("ASSISTANT_MILVUS_TOKEN", ""),
                   milvus_collection=os.environ.get("ASSISTANT_MILVUS_COLLECTION", "").strip() or cls.milvus_collection,
                   milvus_lexical=os.environ.get("ASSISTANT_MILVUS_LEXICAL", "").strip() or cls.milvus_lexical)

    def with_paths(self, corpus: Path, index: Path) -> "Settings":
        return replace(self, corpus=corpus, index=index)

    def fingerprint_key(self) -> str:
        return repr(sorted(self.fingerprint().items()))

    def fingerprint(self) -> dict:
        """What the manifest records to decide whether stored vectors can be reused."""
        return {"model": MODEL_NAME, "dimension": MODEL_DIM, "chunking": asdict(self.chunking),
                "format_version": INDEX_FORMAT_VERSION, "pdf_reader": PDF_READER_VERSION}
