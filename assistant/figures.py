"""Whether a passage states the figures of a reference answer written in prose.

The 10-Q questions (../shared/data/10q) come with reference answers written by a language model ("$81,797
million", "about $82.0 billion"), not with offsets. A table row or a sentence answers when it holds one of
those figures: the same number, or the same amount rounded to the answer's millions or billions. The table-row
benchmark (benchmarks/pdfs.py, 8d) and the 10-Q calibration source (assistant/train/calibrate.py) judge with it.
"""

from __future__ import annotations

import re

from .documents import MONTHS

_DATE = re.compile(r"\b(?:%s)\s+\d{1,2}\b(?:,?\s+\d{4})?" % "|".join(m.capitalize() for m in MONTHS))
_FIGURE = re.compile(r"\$?\(?\d[\d,]*(?:\.\d+)?\)?\s?%?(?:\s*(?:million|billion|thousand))?", re.I)


def figures(text: str) -> list[tuple[float, float]]:
    """The figures a reference answer gives, as (value in the answer's unit, that unit in millions or 1).

    Years (2022, but not "$1,987" or "(2,015)"), day numbers and one-digit counts are left out: they are not what
    a table row holds.
    """
    out = []
    for match in _FIGURE.finditer(_DATE.sub(" ", text)):
        raw = match.group(0)
        digits = re.sub(r"[^\d.]", "", raw.split()[0] if raw.split() else raw)
        if not digits or digits.count(".") > 1:
            continue
        value = float(digits.rstrip("."))
        year = re.fullmatch(r"(19|20)\d\d", digits) and not re.search(r"[$,]", raw)  # "$1,987" is no year
        if year or (value < 10 and "%" not in raw and "." not in digits):
            continue
        scale = 1000.0 if "billion" in raw.lower() else 0.001 if "thousand" in raw.lower() else 1.0
        out.append((value, scale))
    return out


def row_holds_figure(row: str, answer: str) -> bool:
    """Whether a table row holds a figure of the reference answer: the same number (81,797 for "$81,797
    million"), or the same amount rounded ($18.0 billion for a row in millions that reads 17,967)."""
    return _holds(_numbers(cell.rsplit(": ", 1)[-1] for cell in row.split(" | ")), answer)


def quotes_figure(text: str, answer: str) -> bool:
    """Whether any unit (a sentence or a row, headers and all) states a figure of the reference answer."""
    return _holds(_numbers([text]), answer)


def _numbers(parts) -> list[float]:
    return [float(n.replace(",", "")) for part in parts for n in re.findall(r"\d[\d,]*(?:\.\d+)?", part)]


def _holds(values: list[float], answer: str) -> bool:
    for value, scale in figures(answer):
        decimals = len(str(value).split(".")[1]) if "." in str(value) and not str(value).endswith(".0") else 0
        for v in values:
            if abs(v - value) < 1e-9:
                return True
            if scale == 1000.0 and abs(v - value * 1000) <= 0.5 * 10 ** (-decimals) * 1000:
                return True
    return False
