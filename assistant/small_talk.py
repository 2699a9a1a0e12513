"""What a chat user says that is no question about the documents: a greeting, thanks, or a question about the
assistant itself ("What can you do?"). Searched as a question, such a text was declined with a reason that
misled ("the question names something the documents never mention" for "Hi"); it gets a reply of the
assistant's own instead (messages "small_talk_*"), never a quote. Only the whole text counts: "Hello World" or
"Thanks to whom did Acme grow?" are questions like any other. docs/answering.md, section 4 (R120).
"""

from __future__ import annotations

import re

from .text import fold

# General English and Spanish wordings, folded (lower case, no accents) and without punctuation.
_KINDS = {
    "greeting": r"(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening)|hola|buenas|buenos\s+dias|"
                r"buenas\s+(?:tardes|noches)|(?:hola\s+)?que\s+tal)(?:\s+(?:there|everyone|again|de\s+nuevo))?",
    "thanks": r"(?:(?:ok|okay|great|perfect|vale|perfecto|genial)\s+)?(?:thanks|thank\s+you|thanks\s+a\s+lot|"
              r"many\s+thanks|thank\s+you\s+(?:very\s+much|so\s+much)|cheers|gracias|muchas\s+gracias|mil\s+gracias)",
    "ack": r"ok|okay|great|perfect|got\s+it|i\s+see|vale|perfecto|genial|entendido|de\s+acuerdo|ya\s+veo",
    "about": r"what\s+can\s+you\s+do|what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you|how\s+does\s+this\s+work|"
             r"que\s+puedes\s+hacer|que\s+haces|quien\s+eres|que\s+eres|como\s+funciona\s+esto",
}
_PATTERNS = {kind: re.compile(pattern) for kind, pattern in _KINDS.items()}
_PUNCTUATION = re.compile(r"[¿?¡!.,;:…\"'“”«»()]+")


def small_talk(text: str) -> str | None:
    """"greeting", "thanks", "ack" (an acknowledgement: "OK", "Vale") or "about" (a question about the assistant)
    when that is all the text says; None for anything else."""
    words = " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
    return next((kind for kind, pattern in _PATTERNS.items() if pattern.fullmatch(words)), None)
