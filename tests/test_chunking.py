"""Chunking: whole sentences inside one block, table rows alone, exact offsets, content-hash ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_document, group_sentences
from assistant.config import ChunkSettings
from assistant.ingest import load_document, parse_markdown
from assistant.schema import Chunk, Document
from assistant.text import MAX_SENTENCE_CHARS, sentence_spans
from conftest import PAPER
from pdf_factory import make_pdf


@pytest.fixture(scope="module")
def paper_doc() -> Document:
    return load_document(PAPER.name, PAPER.read_bytes())


@pytest.fixture(scope="module")
def paper_chunks(paper_doc: Document) -> list[Chunk]:
    return chunk_document(paper_doc)


def assert_offsets_exact(doc: Document, chunks: list[Chunk]) -> None:
    """The invariant citations depend on: every chunk and every unit is a verbatim slice of doc.text."""
    for chunk in chunks:
        assert doc.text[chunk.start:chunk.end] == chunk.text
        assert chunk.units, chunk
        assert chunk.units[0][0] == chunk.start and chunk.units[-1][1] == chunk.end
        previous_end = chunk.start
        for start, end in chunk.units:
            assert chunk.start <= start < end <= chunk.end
            assert start >= previous_end  # units are in order and do not overlap
            previous_end = end
            assert chunk.text[start - chunk.start:end - chunk.start] == doc.text[start:end]


def test_every_paper_chunk_is_an_exact_slice_of_the_document(paper_doc, paper_chunks):
    assert len(paper_chunks) >= 20
    assert_offsets_exact(paper_doc, paper_chunks)


def test_chunks_stay_inside_one_block_and_never_cut_a_sentence(paper_doc, paper_chunks):
    for chunk in paper_chunks:
        blocks = [b for b in paper_doc.blocks if b.start <= chunk.start and chunk.end <= b.end]
        assert len(blocks) == 1, f"chunk crosses a block boundary: {chunk.text[:60]!r}"
        block = blocks[0]
        assert chunk.section == block.section and chunk.kind == block.kind
        if chunk.kind == "text":
            # Every unit is one of the block's sentences: chunk edges fall only between sentences.
            sentences = set(sentence_spans(paper_doc.text, block.start, block.end))
            assert set(chunk.units) <= sentences


def test_text_chunks_respect_the_word_budget(paper_chunks):
    settings = ChunkSettings()
    for chunk in paper_chunks:
        if chunk.kind == "text" and len(chunk.units) > 1:
            assert len(chunk.text.split()) <= settings.max_words


def test_consecutive_chunks_of_a_block_overlap_by_one_sentence():
    sentences = [f"Sentence number {i} talks about topic {i} in some detail here." for i in range(40)]
    doc = parse_markdown("long.md", "# Title\n\n## Part\n\n" + " ".join(sentences))
    chunks = chunk_document(doc, ChunkSettings(target_words=30, max_words=50, overlap_sentences=1))
    assert len(chunks) > 3
    for first, second in zip(chunks, chunks[1:]):
        assert first.units[-1] == second.units[0]
    # Together the chunks cover every sentence of the block.
    covered = {u for c in chunks for u in c.units}
    assert len(covered) == 40


def test_table_rows_are_their_own_chunks_with_headers(paper_chunks):
    rows = [c for c in paper_chunks if c.kind == "row"]
    assert len(rows) == 11  # 7 rows of "Data Analysis" + 4 of "Space Program Timeline"
    for row in rows:
        assert len(row.units) == 1 and "\n" not in row.text
        assert row.headers in (("Metric", "Insights"), ("Year", "Milestone"))


def test_section_path_is_embedded_but_not_part_of_text_or_offsets(paper_chunks):
    chunk = next(c for c in paper_chunks if c.section.endswith("3.2 Telecommunications Transformation"))
    assert "3.2 Telecommunications Transformation" not in chunk.text
    texts = chunk.embedding_texts()
    assert len(texts) == len(chunk.units)
    assert all(t.startswith("3. Research Review > 3.2 Telecommunications Transformation: ") for t in texts)
    row = next(c for c in paper_chunks if c.kind == "row" and "Broadband access" in c.text)
    assert row.embedding_texts() == ["4. Data Analysis: Metric: Broadband access | Insights: Approximately "
                                     "20 million Mexicans lack reliable broadband coverage"]


def test_chunk_ids_are_content_hashes(paper_doc, paper_chunks):
    again = chunk_document(load_document(PAPER.name, PAPER.read_bytes()))
    assert [c.id for c in again] == [c.id for c in paper_chunks]  # deterministic across runs
    assert len({c.id for c in paper_chunks}) == len(paper_chunks)
    first = paper_chunks[0]
    assert first.id == Chunk.make_id(first.source, first.section, first.text)
    # The same text under another name is another chunk.
    renamed = chunk_document(load_document("copy.md", PAPER.read_bytes()))
    assert not {c.id for c in renamed} & {c.id for c in paper_chunks}


def test_an_edit_in_the_first_section_changes_only_that_sections_ids(paper_chunks):
    text = PAPER.read_text(encoding="utf-8")
    edited = text.replace("This research paper explores", "This research paper, now revised, explores", 1)
    assert edited != text
    after = chunk_document(load_document(PAPER.name, edited.encode("utf-8")))
    before_ids = {c.id for c in paper_chunks}
    changed = [c for c in after if c.id not in before_ids]
    assert changed and {c.section for c in changed} == {"Abstract"}
    later = [c for c in after if c.section != "Abstract"]
    assert len(later) == len([c for c in paper_chunks if c.section != "Abstract"])
    assert all(c.id in before_ids for c in later)  # although every one of them moved
    old_starts = {c.id: c.start for c in paper_chunks}
    moved = [c for c in later if c.start > text.index("This research paper explores")]
    assert moved and all(old_starts[c.id] + len(", now revised,") == c.start for c in moved)


def test_the_same_text_twice_in_one_section_gets_two_ids():
    doc = parse_markdown("t.md", "# T\n\n## Rows\n\n| Year | Event |\n|---|---|\n| 2020 | Launch |\n| 2020 | Launch |\n")
    rows = [c for c in chunk_document(doc) if c.kind == "row"]
    assert len(rows) == 2 and rows[0].text == rows[1].text
    assert rows[0].id != rows[1].id
    assert rows[1].id == Chunk.make_id("t.md", rows[1].section, rows[1].text, occurrence=1)


def test_chunk_settings_change_the_boundaries(paper_doc):
    small = chunk_document(paper_doc, ChunkSettings(target_words=20, max_words=40, overlap_sentences=0))
    default = chunk_document(paper_doc)
    assert len(small) > len(default)
    assert_offsets_exact(paper_doc, small)


def test_group_sentences_never_exceeds_max_words_unless_one_sentence_does():
    text = "one two three. " * 10 + ("long " * 300).strip() + ". end here."
    spans = sentence_spans(text)
    groups = group_sentences(text, spans, ChunkSettings(target_words=5, max_words=8, overlap_sentences=0))
    for group in groups:
        words = sum(len(text[s:e].split()) for s, e in group)
        assert words <= 8 or len(group) == 1
    assert [u for g in groups for u in g] == spans  # no overlap asked: every sentence exactly once


def test_a_chunk_does_not_end_with_the_lead_in_of_a_list():
    # The lead-in would be read without its items in the chunk it ended ("You may convey it in these ways:").
    text = "One two three four. Five six seven eight. You may pay in these ways:\n\n- in cash\n- by card\n"
    spans = sentence_spans(text)
    groups = group_sentences(text, spans, ChunkSettings(target_words=13, max_words=20, overlap_sentences=1))
    said = [[text[s:e] for s, e in group] for group in groups]
    assert said[0] == ["One two three four.", "Five six seven eight."]
    assert said[1][1:3] == ["You may pay in these ways:", "- in cash"]
    # A lead-in alone in its group, or with no list after it, ends a chunk as any sentence does.
    plain = "One two three four. Five six seven eight. Nine ten eleven twelve. It says this:\n\nNothing listed."
    first = group_sentences(plain, sentence_spans(plain), ChunkSettings(13, 20, 1))[0]
    assert plain[first[-1][0]:first[-1][1]] == "It says this:"


def test_overlong_sentence_is_cut_at_white_space_with_exact_offsets():
    text = "## Run-on\n\n" + " ".join(f"word{i}" for i in range(1500)) + "."
    doc = parse_markdown("runon.md", text)
    chunks = chunk_document(doc)
    assert_offsets_exact(doc, chunks)
    units = [u for c in chunks for u in c.units]
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in units)
    assert all(not doc.text[s:e].startswith(" ") and not doc.text[s:e].endswith(" ") for s, e in units)


def test_a_markdown_paragraph_in_lower_case_is_its_own_sentence_and_a_text_files_is_not():
    body = "# Acme\n\nAcme parses JSON.\n\nacme is tested on Linux and macOS.\n"
    units = {}
    for name in ("README.md", "README.txt"):
        doc = load_document(name, body.encode())
        chunks = chunk_document(doc)
        assert_offsets_exact(doc, chunks)
        units[name] = [doc.text[s:e] for c in chunks for s, e in c.units]
    assert "acme is tested on Linux and macOS." in units["README.md"]
    assert "acme is tested on Linux and macOS." not in units["README.txt"]


def test_pdf_chunks_keep_their_page(tmp_path: Path):
    data = make_pdf([["Alpha page text is here."], ["Beta page text is here."], ["Gamma page text is here."]])
    doc = load_document("three.pdf", data)
    chunks = chunk_document(doc)
    assert_offsets_exact(doc, chunks)
    assert [(c.page, c.text.split()[0]) for c in chunks] == [(1, "Alpha"), (2, "Beta"), (3, "Gamma")]


def test_a_document_without_blocks_has_no_chunks():
    doc = parse_markdown("headings.md", "# Title\n## Only headings\n### Nothing else\n")
    assert doc.blocks == ()
    assert chunk_document(doc) == []
