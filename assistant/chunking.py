"""Documents to Chunks: a few whole sentences inside one block, or one table row, with exact offsets."""

from __future__ import annotations

from pathlib import PurePosixPath

from .config import ChunkSettings
from .ingest import MARKDOWN_SUFFIXES
from .schema import Block, Chunk, Document
from .text import list_groups, sentence_spans


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Pure function: every chunk satisfies doc.text[chunk.start:chunk.end] == chunk.text."""
    chunks: list[Chunk] = []
    seen: dict[tuple[str, str], int] = {}  # (section, text) -> how many times it came before
    markdown = PurePosixPath(doc.source).suffix.lower() in MARKDOWN_SUFFIXES
    for block in doc.blocks:
        if block.kind == "row":
            chunks.append(_make_chunk(doc, block, [(block.start, block.end)], seen))
            continue
        spans = sentence_spans(doc.text, block.start, block.end, markdown=markdown)
        for group in group_sentences(doc.text, spans, settings):
            chunks.append(_make_chunk(doc, block, group, seen))
    return chunks


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
