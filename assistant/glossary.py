"""Terms of a field that Apertium translates word for word, translated as the field's own English terms.

Apertium's Spanish-English dictionary knows each word's everyday sense: "flujo de caja" (cash flow) becomes
"flow of box", "activos totales" (total assets) "active totals", "investigación y desarrollo" "investigation and
development". A glossary (glossaries/*.tsv) lists such terms with the English term each stands for.

Before Apertium, each term of a Spanish text is replaced by a stand-in word that no Spanish dictionary knows,
which Apertium passes on where the term's noun phrase stood ("el flujo de caja de Acme" -> "the Qzqa of Acme");
afterwards the stand-in is replaced by the English term (`protect`, then `restore`). A term is found as a whole
phrase, whatever its case and accents ("investigacion y desarrollo" typed without them). The stand-in is
capitalised, so that it is read as a name and never replaced by a word of the documents (translate._unknown).

The other way, an English answer translated for a Spanish asker says the Spanish term: a table row's label that is
one term is looked up whole (`spanish_term`), and inside a sentence a term is replaced by an English noun Apertium
knows, of the Spanish term's gender and number, so that the words around it agree and it takes the place Spanish
gives it ("Our zither" -> "Nuestra cítara"); afterwards that noun's Spanish becomes the term (`protect_english`,
then `restore_spanish`).

docs/answering.md, section 5, has the glossary's measured effect.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

GLOSSARIES = Path(__file__).parent / "glossaries"
_STAND_IN = re.compile(r"\bQzq([a-z]+)\b")


def _letters(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": a stand-in's number in letters, as a word holds no digits."""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = chr(ord("a") + digit) + out
        if n == 0:
            return out


def _number(letters: str) -> int:
    n = 0
    for letter in letters:
        n = n * 26 + ord(letter) - ord("a")
    return n


def _folded(text: str) -> str:
    """text in lower case without accents, one character for each of text's, so that positions carry over."""
    def one(c: str) -> str:
        base = "".join(b for b in unicodedata.normalize("NFD", c.lower()) if not unicodedata.combining(b))
        return base if len(base) == 1 else c.lower()[:1] or c

    return "".join(one(c) for c in text)


def read_glossary(path: Path) -> dict[str, str]:
    """{folded Spanish term: English term} from a glossary file (tab-separated; "#" opens a comment line)."""
    terms = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        spanish, english = (part.strip() for part in line.split("\t")[:2])
        terms[" ".join(_folded(spanish).split())] = english
    return terms


@lru_cache(maxsize=1)
def _glossary() -> tuple[dict[str, str], re.Pattern]:
    terms = {}
    for path in sorted(GLOSSARIES.glob("*.tsv")):
        terms.update(read_glossary(path))
    # The longest term first, so that "flujo de caja libre" is found whole before "flujo de caja".
    wordings = [re.escape(term).replace(r"\ ", r"\s+").replace(",", r"\s*,") for term in
                sorted(terms, key=len, reverse=True)]
    return terms, re.compile(r"(?<!\w)(?:" + "|".join(wordings) + r")(?!\w)")


@lru_cache(maxsize=1)
def _spanish_terms() -> dict[str, str]:
    """{English term in lower case: the Spanish term listed first for it}: "operating income" -> "utilidad de
    operación"."""
    terms = {}
    for path in sorted(GLOSSARIES.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = [part.strip() for part in line.split("\t")]
            if line.strip() and not line.startswith("#") and parts[2:] != ["es-en"]:
                terms.setdefault(" ".join(parts[1].lower().split()), parts[0])
    return terms


def spanish_term(english: str) -> str | None:
    """The Spanish term for a text that is one English term of the glossary and nothing else (a table row's label,
    "Research and development" -> "Investigación y desarrollo", capitalised as the label is); None otherwise.

    Inside a sentence a term is carried through Apertium by a stand-in noun instead (protect_english), as the
    words around it must agree with it."""
    spanish = _spanish_terms().get(" ".join(english.lower().split()))
    if spanish is None:
        return None
    return spanish[0].upper() + spanish[1:] if english.strip()[:1].isupper() else spanish


# English nouns Apertium translates as one Spanish noun of a known gender and number, which stand in for a term
# translated into Spanish: Apertium makes the words around them agree ("Our zither" -> "Nuestra cítara", so "Nuestra
# tasa impositiva efectiva") and puts them where Spanish puts the term ("zither expenses" -> "gastos de cítara", so
# "gastos de investigación y desarrollo"). (gender, number) -> (English stand-in, its Spanish) in order of use; one
# the text itself holds is passed over.
_STAND_INS = {
    ("m", "sg"): (("xylophone", "xilófono"), ("violin", "violín")),
    ("m", "pl"): (("xylophones", "xilófonos"), ("violins", "violines")),
    ("f", "sg"): (("zither", "cítara"), ("trumpet", "trompeta"), ("tuba", "tuba")),
    ("f", "pl"): (("zithers", "cítaras"), ("trumpets", "trompetas"), ("tubas", "tubas")),
}
# Spanish nouns that end so are feminine (investigación, utilidad, propiedades, tasa, cuentas, acciones); the others
# of the glossary's heads are masculine (flujo, gastos, margen, capital, inmuebles).
_FEMININE = re.compile(r"(?:a|as|ión|iones|dad|dades)$")


def head_gender_and_number(spanish: str) -> tuple[str, str]:
    """("m" or "f", "sg" or "pl") of a Spanish term's head, its first word: "tasa impositiva efectiva" -> ("f",
    "sg"), "gastos de operación" -> ("m", "pl")."""
    head = spanish.split()[0].rstrip(",").lower()
    return ("f" if _FEMININE.search(head) else "m"), ("pl" if head.endswith("s") else "sg")


@lru_cache(maxsize=1)
def _english_pattern() -> re.Pattern:
    # Terms of one word are left out: "equity" and "goodwill" have everyday senses too ("health equity").
    wordings = [re.escape(term).replace(r"\ ", r"\s+") for term in sorted(_spanish_terms(), key=len, reverse=True)
                if " " in term]
    return re.compile(r"(?<!\w)(?:" + "|".join(wordings) + r")(?!\w)", re.IGNORECASE)


def protect_english(text: str) -> tuple[str, list[tuple[str, str]]]:
    """An English text with each glossary term replaced by a stand-in noun of its Spanish term's gender and number,
    and (the stand-in's Spanish, the Spanish term) for each, in order; a term is left to Apertium when its kind of
    stand-in has run out."""
    lowered = text.lower()
    free = {kind: [pair for pair in pairs if not re.search(rf"\b{pair[0]}\b", lowered)]
            for kind, pairs in _STAND_INS.items()}
    out, spanish, at = [], [], 0
    for found in _english_pattern().finditer(text):
        term = _spanish_terms()[" ".join(found.group(0).lower().split())]
        kind = free[head_gender_and_number(term)]
        if not kind:
            continue
        english, stand_in = kind.pop(0)
        out += [text[at:found.start()], english.capitalize() if found.group(0)[0].isupper() else english]
        spanish.append((stand_in, term))
        at = found.end()
    return "".join(out) + text[at:], spanish


def restore_spanish(translated: str, spanish: list[tuple[str, str]]) -> str:
    """A Spanish translation of protect_english's text with each stand-in replaced by its Spanish term (capitalised
    where the stand-in is)."""
    for stand_in, term in spanish:
        def put(m: re.Match, term: str = term) -> str:
            return term[0].upper() + term[1:] if m.group(0)[0].isupper() else term

        translated = re.sub(rf"\b{stand_in}\b", put, translated, count=1, flags=re.IGNORECASE)
    return translated


def protect(text: str) -> tuple[str, list[str]]:
    """text with each glossary term replaced by a stand-in, and the English terms the stand-ins stand for (each
    capitalised where the Spanish term was)."""
    terms, pattern = _glossary()
    folded = _folded(text)
    out, english, at = [], [], 0
    for found in pattern.finditer(folded):
        term = terms[" ".join(found.group(0).replace(",", " , ").split()).replace(" ,", ",")]
        if text[found.start()].isupper():
            term = term[0].upper() + term[1:]
        out += [text[at:found.start()], "Qzq" + _letters(len(english))]
        english.append(term)
        at = found.end()
    return "".join(out) + text[at:], english


def restore(translated: str, english: list[str], source: str = "") -> str:
    """A translation of protect's text (source) with each stand-in replaced by the English term it stands for.

    Apertium capitalises the first word it translates in a sentence: after a stand-in that opens the text
    ("Qzqa creció" -> "Qzqa Grew") that word is no sentence's first, and takes the case the source gives it."""
    if not english:
        return translated
    opening = _OPENING.match(translated)
    after = _OPENING.match(source.lstrip())
    if opening and after and after.group(2)[:1].islower():
        translated = opening.group(1) + opening.group(2)[0].lower() + translated[opening.end(1) + 1:]

    def term(m: re.Match) -> str:
        n = _number(m.group(1))
        return english[n] if n < len(english) else m.group(0)

    return _STAND_IN.sub(term, translated)


# A text that opens with a stand-in, and the word after it.
_OPENING = re.compile(r"(\s*Qzq[a-z]+\s+)(\w+)")
