"""Apertium's stream format, as the translator's stages pass it on: one lexical unit per word,
"^surface/reading/reading$", a reading being a lemma and its tags ("año<n><m><sg>"), "\\" escaping the
format's own characters. translate.py, spanish_accents.py and spanish_idioms.py read and rewrite units with these."""

from __future__ import annotations

import re

UNIT_PATTERN = r"\^(?:\\.|[^\\^$])*\$"  # one unit, for patterns that match several in a row
UNIT = re.compile(r"\^((?:\\.|[^\\^$])*)\$")  # one unit, its content (group 1) without "^" and "$"
SLASH = re.compile(r"(?<!\\)/")  # between a unit's surface and its readings
UNESCAPE = re.compile(r"\\(.)")


def part(reading: str) -> str:
    """The part of speech of "lead<vblex><pri><p3><sg>": "vblex"."""
    return reading.split("<", 1)[1].split(">", 1)[0]


def lemma_and_part(reading: str) -> tuple[str, str]:
    """The lemma, lowercased and unescaped, and the part of speech of a tagged reading: ("año", "n") for
    "año<n><m><sg>"."""
    return UNESCAPE.sub(r"\1", reading.split("<", 1)[0]).lower(), part(reading)
