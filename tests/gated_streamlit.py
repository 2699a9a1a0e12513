"""Test helper: `streamlit run` in this process, with every index build held while a gate file exists, and
the drawing of an answer's source cards held while a second one does.

    python tests/gated_streamlit.py GATE_FILE CARDS_GATE_FILE [streamlit run arguments...]

The browser test uses it to act while an indexing run is going on, or while a page is still drawing an answer,
without a test hook in the app: the holds are added here by wrapping assistant.build._build_locked, which the
app's builds call, and assistant.ui.visible_citations, which the app calls before it draws the cards.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import build, ui  # noqa: E402


def held_while(gate: Path, real):
    def held(*args, **kwargs):
        while gate.exists():
            time.sleep(0.1)
        return real(*args, **kwargs)

    return held


def main() -> None:
    gate, cards_gate = Path(sys.argv[1]), Path(sys.argv[2])
    build._build_locked = held_while(gate, build._build_locked)
    ui.visible_citations = held_while(cards_gate, ui.visible_citations)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[3:]]
    cli.main()


if __name__ == "__main__":
    main()
