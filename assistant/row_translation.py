"""The machine translation of a table row, cell by cell.

A row the reader cites is a label and its cells, each a column header and a figure ("Widget sales | Three Months
Ended March 31, 2024: $1,234 | ..."). Sent to the translator as one text, the row comes back scrambled: a
rule-based translator reads the cells as one sentence and moves words across them ("Septiembre | de widgets 30"),
takes "Ended" for a finite verb and "March" for the verb "march". So each text part of a row (the label, each
header) is translated on its own, the figures are kept exactly as the document prints them, and the row keeps its
cells in order. Into Spanish, an English date ("March 31, 2024") is written the Spanish way ("31 de marzo de
2024"), and the period words before it ("ended", "as of") as Spanish headers say them. The result is only ever
shown as a labelled machine translation under the quote (assistant.py), never as the quote.
"""

from __future__ import annotations

import re
from typing import Callable

from .documents import MONTHS
from .glossary import spanish_term
from .schema import split_row
from .translate import SPANISH

SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                  "noviembre", "diciembre")
_MONTH = "|".join(MONTHS)
# An English date: "March 31, 2024", "Sept. 30 2023" is not matched (only full month names), "March 2024".
_DATE = re.compile(rf"\b({_MONTH})\s+(?:(\d{{1,2}}),?\s+)?(\d{{4}})\b", re.IGNORECASE)
# What an English header says before its date: a period that ends on it, or a balance at it.
_LEAD = re.compile(r"\b(?:(ended|ending)|(as\s+of|at))\s*$", re.IGNORECASE)
_SPANISH_LEAD = {"ended": "hasta el", "ending": "hasta el", "as of": "al", "at": "al"}
_PIECE = re.compile(r"(: )")  # a header and its figure, or a table heading and its row label


def translate_row(text: str, translate: Callable[[str], str], target: str) -> str:
    """The row's translation: its cells in order, joined by " | ", each text part translated on its own by
    translate(text) and each figure kept as it is."""
    cells = [cell for cell in split_row(text) if cell]
    done: dict[str, str] = {}  # a header repeated across the row is translated once

    def piece(part: str) -> str:
        if not any(ch.isalpha() for ch in part):
            return part  # a figure: "$1,234", "(243)", "34.9 %"
        if part not in done:
            # A label that is a term of a field's glossary reads as that field says it ("Operating income":
            # "Utilidad de operación", where Apertium wrote "Operando ingresos").
            term = spanish_term(part) if target == SPANISH else None
            done[part] = term or (_with_dates(part, translate) if target == SPANISH else translate(part))
        return done[part]

    return " | ".join("".join(p if p == ": " else piece(p.strip()) for p in _PIECE.split(cell)) for cell in cells)


def _with_dates(part: str, translate: Callable[[str], str]) -> str:
    """An English text part in Spanish, its dates written the Spanish way and the rest translated around them."""
    out, at = [], 0
    for date in _DATE.finditer(part):
        before = part[at:date.start()]
        lead = _LEAD.search(before)
        if lead:
            before = before[:lead.start()]
        if before.strip():
            out.append(translate(before.strip()))
        if lead:
            out.append(_SPANISH_LEAD[" ".join((lead.group(1) or lead.group(2)).lower().split())])
        month = SPANISH_MONTHS[MONTHS.index(date.group(1).lower())]
        day, year = date.group(2), date.group(3)
        out.append(f"{day} de {month} de {year}" if day else f"{month} de {year}")
        at = date.end()
    rest = part[at:]
    if rest.strip() and any(ch.isalpha() for ch in rest):
        out.append(translate(rest.strip()))
    elif rest.strip():
        out.append(rest.strip())
    return " ".join(out)
