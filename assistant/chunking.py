"""Documents to Chunks: a few whole sentences inside one block, or one table row, with exact offsets."""

from __future__ import annotations

from pathlib import PurePosixPath

from .config import ChunkSettings
from .ingest import MARKDOWN_SUFFIXES
from .schema import Block, Chunk, Document
from .text import list_groups, opens_item, sentence_spans


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Pure function: every chunk satisfies doc.text[chunk.start:chunk.end] == chunk.text."""
    chunks: list[Chunk] = []
    seen: dict[tuple[str, str], int] = {}  # (section, text) -> how many times it came before
    markdown = PurePosixPath(doc.source).suffix.lower() in MARKDOWN_SUFFIXES
    blocks, i = doc.blocks, 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "row":
            chunks.append(_make_chunk(doc, block, [(block.start, block.end)], seen))
            i += 1
            continue
        spans = sentence_spans(doc.text, block.start, block.end, markdown=markdown)
        i += 1
        # A paragraph that ends with a lead-in ("Run the following command:", "It has two parts:") is chunked with
        # what it introduces when that is a paragraph of its own on the same page (a PDF's blocks are paragraphs):
        # the next one, and when that opens a list item, the items after it.
        while spans and i < len(blocks) and _goes_on(doc.text, blocks[i - 1], blocks[i]) and (
                doc.text[spans[-1][0]:spans[-1][1]].rstrip().endswith(":")
                or (blocks[i - 1] is not block and opens_item(doc.text, blocks[i - 1].start)
                    and opens_item(doc.text, blocks[i].start))):
            spans += sentence_spans(doc.text, blocks[i].start, blocks[i].end, markdown=markdown)
            i += 1
        for group in group_sentences(doc.text, spans, settings):
            chunks.append(_make_chunk(doc, block, group, seen))
    return chunks


def _goes_on(text: str, block: Block, after: Block) -> bool:
    """Whether after may share a chunk with block: text on the same page, in the same section and language, with
    nothing but white space between them."""
    return after.kind == "text" and (after.page, after.section, after.language, after.headers) == \
        (block.page, block.section, block.language, block.headers) and not text[block.end:after.start].strip()


def group_sentences(text: str, spans: list[tuple[int, int]],
                    settings: ChunkSettings) -> list[list[tuple[int, int]]]:
    """Greedy groups of about target_words, never over max_words unless one sentence is, with overlap. A group
    does not end with a lead-in whose list follows (text.list_groups: "Included tools are:" and its items): it
    ends before it, so that the next group starts with the lead-in and holds the start of its list."""
    words = [len(text[s:e].split()) for s, e in spans]
    lead_ins = set(list_groups(text, spans))
    groups: list[list[tuple[int, int]]] = []
    i = 0
    while i < len(spans):
        j, total = i, 0
        while j < len(spans) and (j == i or (total < settings.target_words
                                            and total + words[j] <= settings.max_words)):
            total += words[j]
            j += 1
        if j - 1 > i and j - 1 in lead_ins:
            j -= 1
        groups.append(spans[i:j])
        if j >= len(spans):
            break
        overlap = min(settings.overlap_sentences, j - i - 1)
        i = j - overlap
    return groups


def _make_chunk(doc: Document, block: Block, units: list[tuple[int, int]],
                seen: dict[tuple[str, str], int]) -> Chunk:
    start, end = units[0][0], units[-1][1]
    text = doc.text[start:end]
    occurrence = seen.get((block.section, text), 0)
    seen[(block.section, text)] = occurrence + 1
    return Chunk(
        id=Chunk.make_id(doc.source, block.section, text, occurrence),
        source=doc.source,
        text=text,
        start=start,
        end=end,
        section=block.section,
        page=block.page,
        kind=block.kind,
        headers=block.headers,
        units=tuple(units),
        language=block.language,
        printed_page=block.printed_page,
    )
