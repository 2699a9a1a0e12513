"""Document records: what each indexed file is (title, company, period, form), read from its first pages."""

from __future__ import annotations

import re
from pathlib import Path

_ID_LIKE = re.compile(r"^[\W\d_]*$|^\d{10}-\d{2}-\d{6}$")


def pdf_title(source: str, metadata: dict) -> str:
    """The title the PDF's metadata gives, when it reads as one; otherwise the file name without suffix."""
    title = " ".join(str(metadata.get("Title", "")).split())
    words = re.findall(r"[^\W\d_]{2,}", title)
    if title and not _ID_LIKE.match(title) and len(words) >= 2 and len(title) <= 200:
        return title
    return Path(source).stem
