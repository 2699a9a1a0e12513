"""Test helper: `streamlit run` in this process, with every index build held while a gate file exists.

    python tests/gated_streamlit.py GATE_FILE [streamlit run arguments...]

The browser test uses it to act while an indexing run is going on, without a test hook in the app: the hold
is added here by wrapping assistant.build._build_locked, which the app's builds call.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import build  # noqa: E402


def main() -> None:
    gate = Path(sys.argv[1])
    real = build._build_locked

    def held(*args, **kwargs):
        while gate.exists():
            time.sleep(0.1)
        return real(*args, **kwargs)

    build._build_locked = held
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()
