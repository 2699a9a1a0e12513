"""SQuAD questions as the reader sees a Spanish question: taken to Spanish and back with Apertium.

A Spanish question reaches the reader model as Apertium's English ("When it was the Institute of Federal
Telecommunications created?": word order, a dropped "did", an inserted "it", a name's words reordered). A model
trained on well-formed English questions only has never read that English. `python -m assistant.train
roundtrip` sends every question of the SQuAD articles through `apertium -u eng-spa` and then `spa-eng`, and
writes the results to data/squad/roundtrip.json, so that training reads a fixed file, not whatever Apertium
version a machine has. `fit --roundtrip SHARE` then reads that share of the questions in their round-trip form.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .pairs import DATA, load_articles

ROUNDTRIP = DATA / "roundtrip.json"


def _apertium(direction: str, lines: list[str]) -> list[str]:
    """One Apertium run over many lines (one process chain, not one per line); the lines come back in order."""
    out = subprocess.run(["apertium", "-u", direction], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True, timeout=600).stdout
    result = out.rstrip("\n").split("\n")
    if len(result) != len(lines):
        raise RuntimeError(f"Apertium {direction} gave {len(result)} lines for {len(lines)}")
    return [" ".join(line.split()) for line in result]


def write_roundtrips(path: Path = ROUNDTRIP) -> Path:
    """Every SQuAD question (one line each) to Spanish and back; written as {question: round trip}."""
    questions = sorted({" ".join(qa["question"].split()) for a in load_articles() for p in a["paragraphs"]
                        for qa in p["qas"]})
    back = _apertium("spa-eng", _apertium("eng-spa", questions))
    path.write_text(json.dumps(dict(zip(questions, back)), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return path


def load_roundtrips(path: Path = ROUNDTRIP) -> dict[str, str]:
    """{question (whitespace collapsed): its round trip}."""
    return json.loads(path.read_text(encoding="utf-8"))
