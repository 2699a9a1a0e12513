"""A request to go on after an answer ("Tell me more", "What else?", "¿Qué más?"), and where the document goes on.

Such a request names nothing to look for: searched as a question, it finds nothing, or whatever its few words
happen to match. What it asks for is what the document says next, after the text the earlier answer quoted: the
next unit (sentence, list item or table row) of that passage, or the first unit of the next passage under the same
heading. After the last unit under a heading there is nothing to go on with: what follows is about something
else, and the request is declined (Assistant.ask says why). docs/answering.md, section 4 (R119), has the measured
effect.
"""

from __future__ import annotations

import re

from .schema import Chunk, Citation
from .store import Store
from .text import fold

# The whole request, folded (lower case, no accents) and without its punctuation. General English and Spanish
# ways of asking to go on; "more" must be the request itself, never a word of a question ("more than what?").
_PLEASE = r"(?:\s+please|\s+por\s+favor)?"
_ABOUT_IT = r"(?:\s+(?:about|on)\s+(?:it|that|this)|\s+(?:sobre|de)\s+(?:eso|esto|ello))?"
_REQUEST = re.compile(
    r"(?:(?:and|y|pues|ok|okay|vale|please|por\s+favor)\s+)?(?:"
    # "Tell me more", "Can you tell me more about that?", "Could you say more?", "Explain more, please"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:tell\s+me|say|explain|give\s+me)\s+(?:some\s+)?more"
    + _ABOUT_IT +
    r"|(?:(?:can|could|would)\s+you\s+)?(?:elaborate|go\s+on|continue|keep\s+going|carry\s+on)" + _ABOUT_IT +
    r"|more"
    r"|(?:what|anything)\s+else(?:\s+does\s+it\s+say|\s+is\s+there)?"
    r"|then|after\s+that|what\s+(?:comes\s+)?next|what\s+is\s+next"
    # "Cuéntame más", "¿Me puedes decir más?", "¿Podrías contarme más sobre eso?", "¿Qué más?", "¿Algo más?"
    r"|(?:(?:me\s+)?(?:puedes|podrias|puede|podria)\s+)?(?:cuentame|dime|explicame|cuenteme|digame|explique|"
    r"decirme|contarme|explicarme|decir|contar)\s+(?:algo\s+)?mas" + _ABOUT_IT +
    r"|(?:que|algo)\s+mas(?:\s+dice)?|mas"
    r"|sigue|siga|continua|continue|adelante|despues|luego|y\s+despues|y\s+luego"
    r")" + _PLEASE)
_PUNCTUATION = re.compile(r"[¿?¡!.,;:…\"'“”«»()]+")


def is_request_to_go_on(text: str) -> bool:
    """Whether a question only asks the assistant to go on from its last answer."""
    words = " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
    return bool(words) and _REQUEST.fullmatch(words) is not None


def earlier_question(history: list[str]) -> tuple[int, int] | None:
    """(the position in history of the question the conversation goes on from, the number of units to go on by):
    the latest question that is no request to go on, and one unit for it and one for each request after it (the
    request being answered included). None when every earlier question is such a request, or there is none."""
    for at in range(len(history) - 1, -1, -1):
        if not is_request_to_go_on(history[at]):
            return at, len(history) - at
    return None


def _chunk_at(store: Store, citation: Citation) -> Chunk | None:
    """The chunk a citation quotes from."""
    for chunk in store.chunks:
        if chunk.source == citation.source and chunk.start <= citation.start < chunk.end:
            return chunk
    return None


def unit_after(store: Store, citation: Citation, steps: int = 1) -> tuple[Chunk, int, int] | None:
    """(chunk, start, end) of the unit `steps` units after the text a citation quotes, under the same heading;
    None past the heading's last unit."""
    chunk = _chunk_at(store, citation)
    at = citation.end
    found = None
    for _ in range(steps):
        while chunk is not None:
            found = next(((s, e) for s, e in chunk.units if s >= at), None)
            if found is not None:
                break
            chunk = store.following(chunk)  # (passages overlap: offsets, not positions, tell what comes after)
        if chunk is None:
            return None
        at = found[1]
    return chunk, found[0], found[1]


def next_section(store: Store, citation: Citation) -> str:
    """The heading of the section after the quoted one in its document ("Trade" for "Harbourtown port > Trade"),
    "" when the document ends there or its next section has no heading."""
    chunk = _chunk_at(store, citation)
    i = store.by_id.get(chunk.id) if chunk is not None else None
    if i is None:
        return ""
    for after in store.chunks[i + 1:]:
        if after.source != chunk.source:
            return ""
        if after.section != chunk.section:
            return after.section.split(" > ")[-1].strip()
    return ""
