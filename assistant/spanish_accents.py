"""A Spanish question typed without its accents, read with them.

Chat questions in Spanish are often typed without accents and without the opening "¿": "Cuando se creo el
instituto?". Apertium reads the words as written: "cuando" is then the conjunction, "que" is "that", "creo" is "I
believe", and a word such as "tecnologia" or "pais" is unknown to it and passes into the English untranslated. The
question read so is "When I create the institute?".

Only a question that has no accented letter and no "¿" or "¡" at all is taken to have been typed so
(`typed_without_accents`); a question that has one is read exactly as written. Two steps, each general Spanish:

- `interrogatives`, before Apertium: the word that opens a question (after "y", "pero" or one preposition: "En que
  año ...?", "Para que sirve ...?") is the interrogative when it is one typed without its accent ("que" -> "qué");
  "por que" and "porque" opening a question are "por qué"; and a question that ends with "?" opens with "¿".
- `with_accented_readings`, in Apertium's stream between its analyser and its tagger: a word the analyser does not
  know gets the readings of its forms with one accent that it knows ("pais": "país"); a content word (a noun, an
  adjective, a verb) also gets its accented forms' content readings, and Apertium's own tagger chooses among them
  from the words around, as it does for any ambiguous word ("este articulo": the noun "artículo", not the verb "I
  articulate"). Not the accented forms that are verbs in the first person ("enfoqué", "entré", "sé"), and a verb in
  the first person present ("instalo": "Como instalo X?") gets the third person's past ("instaló") only after "se",
  where no first person stands ("se creo" is "se creó"), or right after "quién", its subject ("Quien impulso X?"
  is "impulsó", R103). Function words are read as written, their accented forms
  being other words ("se", "sé"), but for "esta" ("está") and "mas" ("más"). The interrogatives are left to the
  first step.

A question typed with no "ñ" either was likely typed on a keyboard without Spanish letters, where "año" is typed
"ano": its words' variants then include each form with one "n" read as "ñ" (`with_accented_readings(...,
enye=True)`). An unknown word gets the readings of those it knows ("ninos": "niños", "compania": "compañía"). A
word the analyser knows ("ano", anus) is read as its "ñ" form ("año") unless the documents use a word that
translates it as typed ("anus") and none that translates the "ñ" form: a question asks about the documents, and
one that asks about something they never speak of cannot lose its answer by the other reading ("Que pena ...?"
keeps "pena" over a law that speaks of penalties). Without the documents' words, a word is read as typed.

Only questions are read so (`Translator.translate(..., question=True)`). docs/answering.md, section 5, has the
measured effect.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from .apertium_stream import SLASH, UNIT, lemma_and_part
from .spanish_idioms import cased

_TYPED_ACCENT = re.compile("[áéíóúüÁÉÍÓÚÜ¿¡]")

_INTERROGATIVE = {"que": "qué", "quien": "quién", "quienes": "quiénes", "cuando": "cuándo", "donde": "dónde",
                  "adonde": "adónde", "como": "cómo", "cual": "cuál", "cuales": "cuáles", "cuanto": "cuánto",
                  "cuanta": "cuánta", "cuantos": "cuántos", "cuantas": "cuántas"}
# Where a question opens: the text's start or a sentence's end, then "y", "e", "pero", "o" or "entonces", then one
# preposition.
_OPENING = (r"((?:^|[.!?:;]\s+)\s*(?:(?:y|e|o|pero|entonces)\s+)?"
            r"(?:(?:a|al|de|del|en|por|para|con|desde|hasta|hacia|sobre|entre|segun|bajo|contra)\s+)?)")
_ASKING = re.compile(_OPENING + r"(" + "|".join(sorted(_INTERROGATIVE, key=len, reverse=True)) + r")\b", re.I)
# The last sentence of a text that ends with "?": its first letter (group 2).
_LAST_QUESTION = re.compile(r"(^|[.!:;]\s+)\s*([^.!:;?\s][^.!:;?]*\?\s*$)")
_WHY = re.compile(r"((?:^|[.!?:;]\s+)\s*(?:(?:y|e|o|pero|entonces)\s+)?)(p)or\s*que\b", re.I)

_ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "A": "Á", "E": "É", "I": "Í", "O": "Ó", "U": "Ú"}
_PLAIN_WORD = re.compile(r"[A-Za-zñÑ]{2,}")
# Readings of content words (nouns, adjectives, verbs), which a word typed without its accent may stand for; a
# function word ("se", "entre", "el") is read as written, its accented form being another word ("sé", "entré").
_CONTENT = re.compile(r"^[^<]*<(?:n|adj|vblex|vbser|vbhaver|vbmod)>")
_FIRST_PERSON = re.compile(r"<(?:vblex|vbser|vbhaver|vbmod)><pri><p1><sg>")
_ANY_FIRST_PERSON = re.compile(r"<p1>")
_PAST = re.compile(r"<ifi><p3><sg>")
_SE = re.compile(r"^se<prn>")
_WHO = re.compile(r"^quién<prn><itg>", re.I)
# Two function words whose accented form is a content word, which the tagger may then choose: "esta" (this) and
# "está" (is), "mas" (but, literary) and "más" (more).
_ALSO = {"esta": "estar<", "mas": "más<"}


def typed_without_accents(text: str) -> bool:
    """Whether text has letters and neither an accented vowel nor "¿" or "¡": a question typed without them."""
    return bool(_PLAIN_WORD.search(text)) and not _TYPED_ACCENT.search(text)


def interrogatives(text: str) -> str:
    """text with the interrogative that opens each of its questions accented ("Que es X?" -> "Qué es X?"), and a
    question that ends with "?" opened with "¿", as Apertium's tagger learned questions."""
    text = _WHY.sub(lambda m: m.group(1) + cased(m.group(2)[0], "por qué"), text)
    text = _ASKING.sub(lambda m: m.group(1) + cased(m.group(2)[0], _INTERROGATIVE[m.group(2).lower()]), text)
    last = _LAST_QUESTION.search(text)
    return text[:last.start(2)] + "¿" + text[last.start(2):] if last else text


def _variants(word: str) -> list[str]:
    """word with one of its vowels given an acute accent, each way ("pais" -> "páis", "país")."""
    return [word[:i] + _ACUTE[ch] + word[i + 1:] for i, ch in enumerate(word) if ch in _ACUTE]


def _enye_variants(word: str) -> list[str]:
    """word with one of its "n" read as "ñ", alone or with one vowel accented too ("compania" -> "compañia",
    "compañía", ...)."""
    out = []
    for i, ch in enumerate(word):
        if ch in "nN":
            enye = word[:i] + ("ñ" if ch == "n" else "Ñ") + word[i + 1:]
            out += [enye, *_variants(enye)]
    return out


def _units(stream: str) -> Iterable[tuple[re.Match, str, list[str]]]:
    """Each lexical unit of the analyser's output ("^articulo/articular<vblex><pri><p1><sg>$", "^pais/*pais$"):
    the match, its surface and its readings."""
    for match in UNIT.finditer(stream):
        surface, *readings = SLASH.split(match.group(1))
        yield match, surface, readings


def with_accented_readings(stream: str, analyse: Callable[[str], str], enye: bool = False,
                           alternatives: Callable[[str, str], list[str]] | None = None) -> str:
    """The analyser's stream of a question typed without accents, its plain words given the readings of their forms
    with one accent that the analyser knows, as the module's docstring says which. analyse(text) is the analyser's
    stream of text. With enye (the question has no "ñ" either), also of their forms with an "n" read as "ñ";
    alternatives(Spanish lemma, part of speech), the documents' words that translate a Spanish word
    (translate.word_choices), says whether a known word is read so."""
    plain = {surface for _, surface, readings in _units(stream)
             if _PLAIN_WORD.fullmatch(surface) and surface.lower() not in _INTERROGATIVE
             and readings and (readings[0].startswith("*") or all(_CONTENT.search(r) for r in readings)
                               or surface.lower() in _ALSO)}
    variants = sorted({v for word in plain for v in _variants(word) + (_enye_variants(word) if enye else [])})
    if not variants:
        return stream
    # Commas keep the variants apart: the analyser joins words it knows as one multiword unit.
    known: dict[str, list[str]] = {}
    for _, surface, readings in _units(analyse(" , ".join(variants))):
        if readings and not readings[0].startswith("*"):
            known[surface] = readings
    out, previous = [], ""
    at = 0
    for match, surface, readings in _units(stream):
        out.append(stream[at:match.start()])
        at = match.end()
        out.append(_with_variants(match.group(0), surface, readings, known, previous, enye, alternatives)
                   if surface in plain else match.group(0))
        previous = readings[0] if readings else ""
    return "".join(out) + stream[at:]


def _with_variants(unit: str, surface: str, readings: list[str], known: dict[str, list[str]], previous: str,
                   enye: bool = False, alternatives: Callable[[str, str], list[str]] | None = None) -> str:
    """A unit of the analyser's stream given the readings its one-accent forms (and with enye, its "ñ" forms)
    have (known)."""
    enyes = [r for v in _enye_variants(surface) for r in known.get(v, [])] if enye else []
    extra = [r for v in _variants(surface) for r in known.get(v, [])]
    if readings[0].startswith("*"):  # a word the analyser does not know: its accented and "ñ" forms'
        chosen = extra + enyes
    elif enyes and _documents_mean(enyes, readings, alternatives):
        chosen = [r for r in enyes if _CONTENT.search(r)]
        return "^" + "/".join([surface, *dict.fromkeys(chosen)]) + "$" if chosen else unit
    elif _WHO.match(previous) and any(_FIRST_PERSON.search(r) for r in readings) \
            and any(_PAST.search(r) for r in extra):
        # Right after "quién", its subject, a verb is in the third person: "Quien impulso X?" is "impulsó" (it
        # promoted), not "impulso" (I promote, or the noun "impulse").
        return "^" + "/".join([surface, *dict.fromkeys(r for r in extra if _PAST.search(r))]) + "$"
    elif surface.lower() in _ALSO:
        chosen = readings + [r for r in extra if r.startswith(_ALSO[surface.lower()])]
    else:
        # An accented form that is a verb in the first person ("enfoqué", I focused) is not what a question typed
        # without accents means.
        extra = [r for r in extra if _CONTENT.search(r) and not _ANY_FIRST_PERSON.search(r)]
        if all(_FIRST_PERSON.search(r) for r in readings):
            # "instalo" (I install) is a how-to question's verb: its past "instaló" only after "se", where a first
            # person cannot stand ("se creo" is "se creó").
            past = [r for r in extra if _PAST.search(r)]
            if past and _SE.match(previous):
                return "^" + "/".join([surface, *past]) + "$"
            extra = [r for r in extra if not _PAST.search(r)]
        chosen = readings + extra
    if not chosen or chosen == readings:
        return unit
    return "^" + "/".join([surface, *dict.fromkeys(chosen)]) + "$"


def _documents_mean(enyes: list[str], readings: list[str], alternatives) -> bool:
    """Whether a known word typed without "ñ" ("ano") is read as its "ñ" form ("año"): it is, unless the documents
    use a word that translates the word's own readings and none that translates a content reading of the "ñ" form."""
    if alternatives is None:
        return False

    def used(found: list[str]) -> bool:
        return any(alternatives(*lemma_and_part(r)) for r in found if _CONTENT.search(r))

    return not used(readings) or used(enyes)
