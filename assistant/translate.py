"""Language of a text (lingua, English or Spanish) and machine translation between them (Apertium, offline).

Apertium is Debian's rule-based translator (`apt-get install apertium-eng-spa`; `make install` does it). Its
`apertium` command starts ten processes per call (about 0.3 s), so each direction runs as one long-lived
pipeline in null-flush mode: a text goes in ending with NUL, its translation comes out ending with NUL, in
a few milliseconds.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from . import glossary, spanish_accents, spanish_idioms
from .apertium_stream import (SLASH as _SLASH, UNESCAPE as _UNESCAPE, UNIT as _UNIT, UNIT_PATTERN, lemma_and_part,
                              part as _part)
from .nlp import NlpUnavailable, fine_tags
from .text import fold, search_tokens, spanish_tokens

ENGLISH, SPANISH = "en", "es"
APERTIUM_DATA = Path("/usr/share/apertium/apertium-eng-spa")
APERTIUM_MODES = Path("/usr/share/apertium/modes")
_PAIRS = {(SPANISH, ENGLISH): "spa-eng", (ENGLISH, SPANISH): "eng-spa"}
TIMEOUT_S = 10.0  # a translation that takes longer than this means the pipeline is stuck: restart it
# What a Spanish document's English reads like depends on the rules below: an index records, per document, the
# version its translations were made with, and reads the document again when it differs (build.diff_corpus).
# Raise it with any change that alters a translation into English.
TRANSLATION_VERSION = 8  # 2: the rules of 2026-12-03 and 12-04 (passive, continuing, subject_first, ...); 3: verbatim
# parts copied as they are; 4: "¿Qué pasa...?" is "What happens...?"; 5: "violar" is "violate" (formal_senses);
# 6: a separable verb keeps its particle ("carried out", separable); 7: a pronominal verb's "se" is no passive
# ("stayed", pronominal); 8: a field's terms translated as its own ("flujo de caja" is "cash flow", glossary)
MIN_CONFIDENCE = 0.6  # below this, a text is taken as English (the index's own language)
SHORT_TEXT_WORDS = 3  # a text of at most this many words is judged by the dictionaries first (_dictionary_language)
_ESCAPE = re.compile(r"([\[\]$/\\@<>{}])")  # Apertium's stream format reserves these (and "^", below)
# An escaped "^" at the end of a text stalls the pipeline (a stage waits for the rest of a word that never
# comes): the caret travels as the look-alike modifier letter and is put back afterwards.
_CARET, _CARET_STAND_IN = "^", "\u02c6"
# A letter joined by a hyphen to a word ("e-comercio", "i-Banking") is a prefix, not the conjunction "e" or
# the pronoun "I": it passes through untranslated as a superblank (Apertium's "[...]", copied as it is).
_PREFIX = re.compile(r"(?<![\w\\-])([A-Za-z])-(?=\w)")
# Text that is no word of either language is copied as it is, as a superblank too: Markdown's inline code, a URL,
# and a token that names a file, a path or an identifier (an underscore in it, a file name's extension, a slash
# with a digit, a dot or a second slash): "`tests/run.py`", "datos_2023.csv", "BERTH_PREFIX", "2022/23/q3".
_VERBATIM = re.compile(
    r"`[^`\n]+`"
    r"|(?:https?://|www\.)\S+?(?=[.,;:!?)\]\"'”’]*(?:\s|$))"
    r"|(?<![\w./-])(?:[\w-]*_[\w./-]*\w"
    r"|[\w-]{2,}\.(?=\w{0,4}[A-Za-z])\w{1,5}"
    r"|[\w.-]*\w/(?=[\w./-]*(?:\d|\.|/|_))[\w./-]*\w)(?![\w/-]|\.\w)")
# A superblank in Apertium's output, its escapes still in: what is inside is put back as it is.
_SUPERBLANK = re.compile(r"(?<!\\)\[((?:\\.|[^\\\]])*)\]")
_TRIPLE_E = re.compile(r"(?<=\w)eeed\b")


class TranslationUnavailable(RuntimeError):
    """Apertium or its English-Spanish pair is not installed."""


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build(), Language


@lru_cache(maxsize=20_000)
def detect_language(text: str) -> str:
    """"es" for Spanish, else "en" (also for text too short or too mixed to tell). A text that opens with "¿" or
    "¡" is Spanish whatever its words: "¿Qué es Acme?" is two short words and a name to lingua. A text of a few
    words is judged by the dictionaries first (_dictionary_language)."""
    if text.lstrip()[:1] in ("¿", "¡"):
        return SPANISH
    if len(text.split()) <= SHORT_TEXT_WORDS:
        told = _dictionary_language(text)
        if told is not None:
            return told
    detector, language = _detector()
    confidence = detector.compute_language_confidence(text, language.SPANISH)
    return SPANISH if confidence >= MIN_CONFIDENCE else ENGLISH


def _dictionary_language(text: str) -> str | None:
    """The language of a short text from Apertium's two analysers, or None to leave it to lingua (also when
    Apertium is missing). lingua guesses at one or two words: "Merekilpkonn" and "Canada" are Spanish to it. A
    word only the Spanish dictionary knows ("lluvia", "puerto pesquero") is evidence for Spanish, one only the
    English dictionary knows ("Canada", "ferry") for English; words both know ("radio", "Toronto", numbers) tell
    nothing. Evidence on one side only decides; on both sides, lingua. With none, a text with unknown words, all
    capitalised, is names ("Merekilpkonn", "Valmar"), asked in the index's language, English; an unknown lower case
    word may be a Spanish word the dictionary lacks ("ciberacoso"), and words both know tell nothing: lingua."""
    if not apertium_available():
        return None
    try:
        spanish = translator().known_words(text, SPANISH)
        english = translator().known_words(text, ENGLISH)
    except TranslationUnavailable:
        return None
    # The analysers cut differently ("puerto pesquero" is one Spanish word, two unknown English ones): compare words.
    known = {side: {w for unit, k in units if k for w in unit.split()} for side, units in
             ((SPANISH, spanish), (ENGLISH, english))}
    spanish_only = any(k and not all(w in known[ENGLISH] for w in unit.split()) for unit, k in spanish)
    english_only = any(k and not all(w in known[SPANISH] for w in unit.split()) for unit, k in english)
    if spanish_only != english_only:
        return SPANISH if spanish_only else ENGLISH
    if spanish_only:
        return None
    unknown = [w for unit, _ in spanish for w in unit.split() if w not in known[SPANISH] | known[ENGLISH]]
    return ENGLISH if unknown and all(word[:1].isupper() for word in unknown) else None


def reads_latin(text: str) -> bool:
    """Whether most of a text's letters are Latin (English and Spanish are; Arabic, Hebrew, Chinese are not)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if ch < "\u0250")  # Basic Latin to Latin Extended-B, accents included
    return latin >= 0.5 * len(letters)


def apertium_available() -> bool:
    return shutil.which("lt-proc") is not None and all((APERTIUM_MODES / f"{pair}.mode").is_file()
                                                       for pair in _PAIRS.values())


def require_apertium() -> None:
    """Raise TranslationUnavailable, saying what to install, when Apertium or its pair is missing."""
    if not apertium_available():
        raise TranslationUnavailable("Spanish needs Apertium's English-Spanish translator, which is not installed: "
                                     "run `make install` (or `sudo apt-get install apertium-eng-spa`).")


class _Chain:
    """Some stages of Apertium as a long-lived process chain in null-flush mode."""

    def __init__(self, stages: list[str]):
        # stdbuf: some stages buffer their output in stdio and would hold a short text back.
        command = " | ".join(f"stdbuf -o0 {stage}" for stage in stages)
        self.process = subprocess.Popen(["bash", "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, bufsize=0)

    def run(self, payload: bytes) -> bytes:
        """payload ends with NUL; so does what comes out."""
        self.process.stdin.write(payload)
        out = b""
        while not out.endswith(b"\0"):
            ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_S)
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                self.process.kill()
                raise TranslationUnavailable("Apertium stopped answering; try again.")
            out += chunk
        return out

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.process.kill()


def _stream(text: str) -> str:
    """A text in Apertium's stream format: its reserved characters escaped, a prefix letter ("e-comercio") and each
    verbatim part (_VERBATIM) as superblanks, which every stage copies as they are."""
    def words(part: str) -> str:
        return _PREFIX.sub(r"[\1-]", _ESCAPE.sub(r"\\\1", part))

    out, at = [], 0
    for found in _VERBATIM.finditer(text):
        out += [words(text[at:found.start()]), "[" + _ESCAPE.sub(r"\\\1", found.group(0)) + "]"]
        at = found.end()
    return "".join(out) + words(text[at:])


def _lower_after_verbatim(source: str, translated: str) -> str:
    """Apertium capitalises the first word it translates in a sentence: after a verbatim part that opens the text
    ("`run.py` kills a build") that word is no sentence's first, and stays lower case as the source has it."""
    source = source.lstrip()
    opening = _VERBATIM.match(source)
    if not opening or not translated.startswith(opening.group(0)):
        return translated
    after = source[opening.end():].lstrip()
    rest = translated[opening.end():]
    first = len(rest) - len(rest.lstrip())
    if after[:1].islower() and rest[first:first + 1].isupper():
        return translated[:opening.end()] + rest[:first] + rest[first].lower() + rest[first + 1:]
    return translated


class _Pipeline:
    """One direction of Apertium, run as two chains: analysis up to the bilingual dictionary, which lists every
    translation of each word, and the rest (lexical selection, transfer, generation). Between the two, Spanish
    constructions the dictionary reads wrongly are mended (continuing, pronominal, passive, subject_first; and before
    the tagger, nouns_after_how_many and by_which_noun), and a caller may keep only the senses its documents use
    (prefer_senses); last, a separable verb is split into its head and its particle (separable)."""

    def __init__(self, pair: str):
        # The stages of Apertium's own mode file, each told to flush on NUL (-z); "$1" is the generator's
        # option (-n: no marks on unknown words, like `apertium -u`) and "$2" the tagger's extra options.
        mode = (APERTIUM_MODES / f"{pair}.mode").read_text(encoding="utf-8").strip()
        stages = []
        for stage in mode.split(" | "):
            words = [w for w in shlex.split(stage.replace("$1", "-n").replace("$2", ""))]
            stages.append(shlex.join([words[0], "-z", *words[1:]]))
        # Cut after the analyser (which lists every reading of a word, before the tagger keeps one) and after the
        # bilingual dictionary (which lists every translation): between the chains the stream can be mended.
        cuts = [i + 1 for i, stage in enumerate(stages) if i == 0 or ".autobil.bin" in stage]
        bounds = [0, *(c for c in cuts if c < len(stages)), len(stages)]
        self.chains = [_Chain(stages[a:b]) for a, b in zip(bounds, bounds[1:])]
        self.tagged = len(bounds) > 2  # chains[0] is the analyser alone
        self.pair = pair
        self.lock = threading.Lock()

    def translate(self, text: str, known=None, alternatives=None, question: bool = False) -> str:
        # The trailing newline lets the analyser see the last full stop (it waits for what follows it).
        text = text.replace("\0", " ").replace(_CARET, _CARET_STAND_IN)
        unaccented = question and self.pair == "spa-eng" and spanish_accents.typed_without_accents(text)
        if self.pair == "spa-eng":
            if unaccented:
                text = spanish_accents.interrogatives(text)
            text = asking_name(text)
            if question:
                text = spanish_idioms.in_text(text)
            text, terms = glossary.protect(text)
        else:
            text, terms = glossary.protect_english(text)
        payload = _stream(text).encode("utf-8") + b"\n\0"
        with self.lock:
            chains = self.chains
            if self.tagged:
                readings = chains[0].run(payload).rstrip(b"\0").decode("utf-8", "replace")
                if unaccented:  # and typed without "ñ" too: an "n" may stand for it
                    readings = spanish_accents.with_accented_readings(
                        readings, self._analysed, enye="ñ" not in text.lower(), alternatives=alternatives)
                readings = (by_which_noun(nouns_after_how_many(readings)) if self.pair == "spa-eng"
                            else english_readings(readings, _VERBATIM.sub(" ", text)))
                payload, chains = readings.encode("utf-8") + b"\0", chains[1:]
            out = chains[0].run(payload)
            if len(chains) > 1:
                stream = out.rstrip(b"\0").decode("utf-8", "replace")
                if self.pair == "spa-eng":
                    if question:
                        stream = spanish_idioms.in_translation(stream)
                    stream = subject_first(passive(pronominal(continuing(what_happens(stream)))))
                if known is not None:
                    stream = prefer_senses(stream, known, alternatives)
                if self.pair == "spa-eng":
                    stream = separable(formal_senses(stream, known))
                out = chains[1].run(stream.encode("utf-8") + b"\0")
        translated = _SUPERBLANK.sub(r"\1", out.rstrip(b"\0").decode("utf-8", "replace"))
        if self.pair == "spa-eng":  # Apertium's English generator writes the past of "guarantee" "guaranteeed"
            translated = glossary.restore(_TRIPLE_E.sub("eed", translated), terms, text)
        else:
            translated = glossary.restore_spanish(translated, terms)
        return _lower_after_verbatim(text, _UNESCAPE.sub(r"\1", translated).replace(_CARET_STAND_IN, _CARET))

    def analyse(self, text: str) -> str:
        """text through the analyser alone, in Apertium's stream format: every reading of each word ("^word/
        reading/...$"), or "^word/*word$" for a word the dictionary does not know."""
        with self.lock:
            return self._analysed(text)

    def _analysed(self, text: str) -> str:
        """analyse, the lock held."""
        payload = _stream(text.replace("\0", " ").replace(_CARET, _CARET_STAND_IN)).encode("utf-8") + b"\n\0"
        out = self.chains[0].run(payload)  # the first cut is always after the analyser
        return out.rstrip(b"\0").decode("utf-8", "replace")

    def alive(self) -> bool:
        return all(chain.alive() for chain in self.chains)

    def close(self) -> None:
        for chain in self.chains:
            chain.close()


# A lexical unit of Apertium's stream after the bilingual dictionary: "^receta<n><f><sg>/recipe<n><sg>/
# prescription<n><sg>$", the analysis and then each translation the dictionary has.
_TAG = re.compile(r"<[^>]*>")


def _lemma(translation: str) -> str:
    """The words of one translation: "take<vblex># place" -> "take place"."""
    return _UNESCAPE.sub(r"\1", _TAG.sub("", translation).replace("#", "")).strip()


def prefer_senses(stream: str, known, alternatives=None) -> str:
    """Each word with several translations keeps only those known(words) says the documents use, when that
    tells them apart: "receta" is "recipe" or "prescription", and a folder that speaks of prescriptions gets
    "prescription". known(words) gives True, False, or None when the words say nothing on their own (a
    preposition); a word is left to Apertium's own choice when any of its translations gives None, or when
    all of them are known.

    When the documents use none of a word's translations, alternatives(spanish lemma, part of speech), when
    given, names English words the documents do use that translate to that Spanish word (back_translations),
    best first, and the first takes the translation's place with its tags: "dirige" is "directs" in
    Apertium's dictionary, and a folder that speaks of who leads what reads "leads". A word the dictionary
    does not know at all is passed on as it is; for a lowercase one (a capitalised word is a name),
    alternatives(word, "") may name the documents' word it is plainly a form of ("feudalismo":
    "feudalism"), which then takes its place."""
    def choose(match: re.Match) -> str:
        source, *senses = _SLASH.split(match.group(1))
        if source.startswith("*"):  # a word the dictionary does not know ("*reorganizaron")
            return _unknown(match.group(0), _UNESCAPE.sub(r"\1", source[1:]), alternatives)
        if not senses:
            return match.group(0)
        verdicts = [known(_lemma(sense)) for sense in senses]
        if None in verdicts:
            return match.group(0)
        if all(verdicts):
            return _more_used(match, source, senses, alternatives)
        if any(verdicts):
            return "^" + "/".join([source, *(s for s, v in zip(senses, verdicts) if v)]) + "$"
        sense = senses[0]
        choices = _documents_words(match, source, alternatives) if _is_word(sense) else []
        return _in_place(source, sense, choices[0]) if choices else match.group(0)

    return _UNIT.sub(choose, stream)


def _documents_words(match: re.Match, source: str, alternatives) -> list[str]:
    """alternatives() for a unit's Spanish lemma and part of speech; none for a multi-word unit or an untagged one."""
    if alternatives is None or "#" in match.group(1) or "<" not in source:
        return []
    return alternatives(*lemma_and_part(source))


# Senses Apertium's Spanish-English dictionary chooses that the documents our users keep (laws, reports, licences)
# almost never mean, and that would be offensive to show as how a question was read: "¿Cuál es la multa por violar la
# ley?" read "Which is the fine for raping the law?", and "violaciones a los derechos humanos" "rapes to human
# rights". (Spanish lemma, part of speech) -> (the sense read instead, the sense it replaces).
_FORMAL_SENSES = {("violar", "vblex"): ("violate", "rape"), ("violación", "n"): ("violation", "rape")}


def formal_senses(stream: str, known=None) -> str:
    """The stream with _FORMAL_SENSES read, unless known(words) says the documents use the replaced sense and not
    the formal one (a document about the crime)."""
    def choose(match: re.Match) -> str:
        source, *senses = _SLASH.split(match.group(1))
        if "<" not in source or not senses:
            return match.group(0)
        formal = _FORMAL_SENSES.get(lemma_and_part(source))
        if formal is None or not any(_lemma(s) == formal[1] for s in senses):
            return match.group(0)
        if known is not None and known(formal[1]) and not known(formal[0]):
            return match.group(0)
        sense = next(s for s in senses if _lemma(s) == formal[1])
        return _in_place(source, sense, formal[0])

    return _UNIT.sub(choose, stream)


def _in_place(source: str, sense: str, word: str) -> str:
    """The unit with word as its only translation, inflected as sense is (its tags)."""
    return "^" + "/".join([source, _ESCAPE.sub(r"\\\1", word) + sense[sense.index("<"):]]) + "$"


MORE_USED = 20  # times more passages a documents' word needs than a dictionary translation to take its place


def _more_used(match: re.Match, source: str, senses: list[str], alternatives) -> str:
    """A word whose translations the documents all use, read as a documents' word that translates to it too when
    that one is far more used: "ingreso" is only "entry" in Apertium's dictionary, and filings that say "income"
    in thousands of passages and "entry" in a few read "ingreso neto" as "net income"."""
    used = getattr(alternatives, "used", None)
    if used is None or not all(_is_word(s) for s in senses):
        return match.group(0)
    choices = _documents_words(match, source, alternatives)
    if not choices or used(choices[0]) < MORE_USED * max(max(used(_lemma(s)) for s in senses), 1):
        return match.group(0)
    return _in_place(source, senses[0], choices[0])


# "cuántos" or "cuántas" and the next word, as the analyser reads them: "^Cuántos/cuánto<det><itg><m><pl>/
# cuánto<prn><itg><m><pl>$ ^empleados/empleado<n><m><pl>/emplear<vblex><pp><m><pl>$".
_HOW_MANY_NEXT = re.compile(r"(\^(?:\\.|[^\\^$])*?/[Cc]uánto<det><itg><([mf])><pl>(?:\\.|[^\\^$])*\$\s*)"
                            r"\^((?:\\.|[^\\^$])*)\$")


def nouns_after_how_many(stream: str) -> str:
    """The analyser's stream with the word right after "cuántos"/"cuántas" kept to its plural noun readings of
    the same gender, when it has one among others. Spanish puts the determiner's noun there (or an adjective
    before it), and the tagger reads some nouns as participles or adjectives: "¿Cuántos empleados tiene Acme?"
    was "How many employed has Acme?". Only the plural forms: after "cuánto" a verb may follow that is also a
    noun ("¿Cuánto vale?"), and after "cuántos" the agreement rules that out."""
    def keep_nouns(m: re.Match) -> str:
        surface, *readings = _SLASH.split(m.group(3))
        nouns = [r for r in readings if re.match(rf"[^<]*<n><(?:{m.group(2)}|mf)><(?:pl|sp)>", r)]
        if not nouns or len(nouns) == len(readings):
            return m.group(0)
        return m.group(1) + "^" + "/".join([surface, *nouns]) + "$"
    return _HOW_MANY_NEXT.sub(keep_nouns, stream)


# "¿Cómo se llama X?" asks for X's name; Apertium writes "How it is called X?". The verb's number and tense give
# the wording that asks for the name instead, which Apertium translates as it should.
_ASKING_NAME = re.compile(r"(¿\s*(?:[Yy]\s+)?)([Cc])ómo\s+se\s+(llamaban|llamaba|llaman|llama)\b(\s+el\b)?(\s*\?)?")
_NAME_WORDING = {"llama": "uál es el nombre", "llaman": "uáles son los nombres", "llamaba": "uál era el nombre",
                 "llamaban": "uáles eran los nombres"}


def asking_name(text: str) -> str:
    """A Spanish text with "¿Cómo se llama X?" (llaman, llamaba, llamaban) at the start of a question read as
    "¿Cuál es el nombre de X?" (son los nombres, era, eran), and "¿Cómo se llama?" alone as "¿Cuál es su
    nombre?"."""
    def rewrite(m: re.Match) -> str:
        wording = m.group(2) + _NAME_WORDING[m.group(3)]
        if m.group(5):  # nothing named after the verb: its own name
            return m.group(1) + wording.replace(" el ", " su ").replace(" los ", " sus ") + m.group(5)
        return m.group(1) + wording + (" del" if m.group(4) else " de")
    return _ASKING_NAME.sub(rewrite, text)


# "por qué" as the analyser reads it, and the next word: "^Por qué/Por qué<adv><itg>$ ^medio/medio<adv>/
# medio<n><m><sg>/medio<adj><m><sg>/mediar<vblex><pri><p1><sg>$".
_WHY_NEXT = re.compile(r"\^([Pp]or) (qué)/[Pp]or qué<adv><itg>\$(\s*)\^((?:\\.|[^\\^$])*)\$")


def by_which_noun(stream: str) -> str:
    """The analyser's stream with "por qué" read as "por" + the interrogative "qué" when the word after it can be
    a common noun, which then keeps only its noun readings: "¿Por qué medio se publicaron los resultados?" asks by
    which means, not why (Apertium read it "Why half ..."). "¿Por qué cerró...?" and "¿Por qué los
    bancos...?" stay "why"."""
    def split(m: re.Match) -> str:
        surface, *readings = _SLASH.split(m.group(4))
        nouns = [r for r in readings if re.match(r"[^<]*<n>", r)]
        if not nouns:
            return m.group(0)
        return (f"^{m.group(1)}/{m.group(1)}<pr>$ ^{m.group(2)}/{m.group(2)}<det><itg><mf><sp>${m.group(3)}"
                + "^" + "/".join([surface, *nouns]) + "$")
    return _WHY_NEXT.sub(split, stream)


# "seguir" before a gerund is the periphrasis "to keep doing" ("¿Quién sigue dirigiendo la empresa?", "siguen
# trabajando"), which Spanish grammar reads as "continuar" + gerund; Apertium's dictionary has it only in
# "seguir siendo" and otherwise writes "follows directing". Its translation becomes continuar's, with its tags.
_SEGUIR_GERUND = re.compile(r"\^([Ss]eguir)(<vblex>[^/$]*)/[^<$]*(<vblex>[^/$]*)\$(\s*\^[^/$<]*<vblex><ger>)")


# "¿Qué pasa si ...?", "¿Qué le pasó a ...?", "¿Qué ha pasado con ...?": pasar after the interrogative "qué" is "to
# happen", which the dictionary lists beside "to spend"; Apertium's lexical selection wrote "What passes if ...?".
_WHAT_PASAR = re.compile(r"(\^[Qq]ué<prn><itg>[^$]*\$\s*)(\^prpers<prn><pro>[^$]*\$\s*)?"
                         r"((?:\^haber<vbhaver>[^$]*\$\s*)?)\^(pasar<vblex>[^/$]*)/[^$]*?(happen<vblex>[^/$]*)[^$]*\$"
                         r"(\s*\^a<pr>)?")


def what_happens(stream: str) -> str:
    """The stream after the bilingual dictionary with pasar after the interrogative "qué" read as "happen",
    written out as a word Apertium passes on as it is (the documents' words must not put "pass" back: prefer_senses
    leaves such a word alone). Its clitic ("le", "les") doubles the "a ..." after it and is left out then: "¿Qué le
    pasó a Pedro?" is "What happened to Pedro?"; without one, "¿Qué le pasó?" is "What happened to him?"."""
    def rewrite(m: re.Match) -> str:
        verb = _happen_form(m.group(5))
        unit = f"^*{verb}/*{verb}$"
        if m.group(6) or not m.group(2):
            return f"{m.group(1)}{m.group(3)}{unit}{m.group(6) or ''}"
        return f"{m.group(1)}{m.group(3)}{unit} ^a<pr>/to<pr>$ {m.group(2).strip()}"
    return _WHAT_PASAR.sub(rewrite, stream)


def _happen_form(reading: str) -> str:
    """"happen" in the tense and person of pasar's reading ("happen<vblex><ifi><p3><sg>": "happened"; the
    participle of "ha pasado" too, whose "has" Apertium writes)."""
    tags = reading[reading.index("<"):]
    if "<pp>" in tags or "<ifi>" in tags or "<pii>" in tags:
        return "happened"
    if "<fti>" in tags:
        return "will happen"
    if "<cni>" in tags:
        return "would happen"
    return "happens" if "<sg>" in tags and "<p3>" in tags else "happen"


def continuing(stream: str) -> str:
    """The stream after the bilingual dictionary with seguir + gerund read as continuar + gerund."""
    return _SEGUIR_GERUND.sub(lambda m: f"^{m.group(1)}{m.group(2)}/"
                              f"{'C' if m.group(1)[0] == 'S' else 'c'}ontinue{m.group(3)}${m.group(4)}", stream)


# The finite tenses of Apertium's Spanish tags (present, imperfect, preterite, future, conditional and their
# subjunctives), which the mendings below read a verb's person and number after.
_TENSES = "pri|pii|ifi|fti|cni|prs|pis"


# Verbs whose "se" makes no passive but a verb of its own meaning ("quedarse": to stay, "negarse a": to refuse):
# passive (below) read "¿Dónde se quedaron?" as "Where were remained?" and "se negó a firmar" as "was denied to
# sign". Spanish grammar, naming nothing any document says; a verb the dictionary lists with its "se" ("quejarse",
# "asentarse") needs no entry, and one whose "se" is as often a passive ("hacerse", "ponerse", "producirse",
# "retirarse") has none. Each maps to its English verb and to how the word "a" after it decides: "negar" means
# "refuse" only with "a" and an infinitive after it, or asked as "¿A qué ...?" ("se negó la entrada" is a passive;
# "se negó el gobierno a firmar" is not); "ir" and "volver" right before "a" and an infinitive are "going to" and
# "again" ("se volvió a casar"), not "leave" and "become".
_PRONOMINAL = {"quedar": "stay", "casar": "marry", "ir": "leave", "marchar": "leave", "convertir": "become",
               "convertir# en": "become", "volver": "become", "unir": "join", "negar": "refuse", "morir": "die",
               "graduar": "graduate"}
_NEEDS_A = frozenset({"negar"})
_NOT_BEFORE_A_INFINITIVE = frozenset({"ir", "volver"})
_SE_PRONOMINAL = re.compile(r"\^[Ss]e<prn><pro><ref><p3>[^$]*\$(\s*)\^((?:\\.|[^\\^$/<])+)<(vblex|vbser)>"
                            rf"(<(?:{_TENSES})><p3><(?:sg|pl)>)(?:/(?:\\.|[^\\^$/])*)+\$"
                            r"(?=(\s*\^a<pr>[^$]*\$\s*\^[^$]*<vblex><inf>)?)"
                            r"(?=((?:\s*\^[^$]*\$){0,4}?\s*\^a<pr>[^$]*\$\s*\^[^$]*<vblex><inf>)?)")

_A_INTERROGATIVE_BEFORE = re.compile(r"\^[Aa]<pr>[^$]*\$\s*\^[^$]*<itg>[^$]*\$\s*$")


def pronominal(stream: str) -> str:
    """The stream after the bilingual dictionary with se + a pronominal verb (_PRONOMINAL) read as that verb, in its
    tense, without the "se": "¿Dónde se quedaron los refugiados?" reads "Where the refugees stayed?". After "se",
    "fue" and "fueron" are "ir" (left), never "ser", which the tagger had chosen ("When it was Chopin to London?")."""
    def rewrite(m: re.Match) -> str:
        lemma, part, tags = m.group(2), m.group(3), m.group(4)
        if part == "vbser":
            lemma = "ir" if lemma == "ser" and tags.startswith("<ifi>") else ""
        english = _PRONOMINAL.get(lemma.lower())
        asked_with_a = _A_INTERROGATIVE_BEFORE.search(m.string, 0, m.start())  # "¿A qué se negó ...?"
        if english is None or (lemma.lower() in _NEEDS_A and not (m.group(6) or asked_with_a)) \
                or (lemma.lower() in _NOT_BEFORE_A_INFINITIVE and m.group(5)):
            return m.group(0)
        return f"{m.group(1)}^{lemma}<vblex>{tags}/{english}<vblex>{tags}$"
    return _SE_PRONOMINAL.sub(rewrite, stream)


# "se" right before a finite verb in the third person is, in a question or a report, most often the passive
# ("¿Cuándo se fundó la empresa?": when was the company founded), which Apertium writes as an active verb with
# a subject of its own making ("When it founded the company?"). It becomes ser + past participle, which
# Apertium writes as the English passive ("When it was founded the company?"; "How many books were sold?").
_SE_VERB = re.compile(r"\^[Ss]e<prn><pro><ref><p3>[^$]*\$(\s*)\^((?:\\.|[^\\^$/<])+)<vblex>"
                      rf"(<(?:{_TENSES})>)<p3><(sg|pl)>((?:/(?:\\.|[^\\^$/])*)+)\$")
_SENSE_TENSE = re.compile(rf"<vblex>(<sep>)?<(?:{_TENSES})><p3><(?:sg|pl)>")


def passive(stream: str) -> str:
    """The stream after the bilingual dictionary with se + a third-person verb read as its passive."""
    def rewrite(m: re.Match) -> str:
        tense, number = m.group(3), m.group(4)
        senses = _SENSE_TENSE.sub(lambda sense: f"<vblex>{sense.group(1) or ''}<pp><m><{number}>", m.group(5))
        return (f"^ser<vbser>{tense}<p3><{number}>/be<vbser>{tense}<p3><{number}>${m.group(1)}"
                f"^{m.group(2)}<vblex><pp><m><{number}>{senses}$")
    return _SE_VERB.sub(rewrite, stream)


# Apertium's dictionary gives some Spanish verbs an English verb with a particle that English may put after the
# object, marked <sep>: "llevar# a cabo" is "carry# out<vblex><sep>", "poner# en marcha" "set# up", "convertir# en"
# "turn# into", "depender# de" "depend# on", "remontar" "trace# back". Its transfer rules drop the particle and leave
# the verb uninflected ("El gobierno llevó a cabo la reforma.": "The government carry the reform."), and a passive
# (above) kept the particle glued on with a "#" ("The reform was carry# out in 2010."). Such a unit becomes its head
# verb, which the transfer inflects as any verb, and its particle after it, as a word Apertium passes on as it is.
def separable(stream: str) -> str:
    """The stream after the bilingual dictionary with each verb whose every sense is separable ("carry# out") written
    as its first sense's head verb followed by that sense's particle. Run after the mendings and prefer_senses,
    which read the unit whole; a verb with separable and other senses ("dejar": "leave", "give# up") is left for
    the lexical selection to choose."""
    def rewrite(match: re.Match) -> str:
        source, *senses = _SLASH.split(match.group(1))
        if "<" not in source or _part(source) != "vblex" or not senses \
                or not all("<sep>" in sense and "# " in sense.split("<", 1)[0] for sense in senses):
            return match.group(0)
        head, rest = senses[0].split("# ", 1)
        particle, tags = rest.split("<", 1)
        lemma, source_tags = source.split("<", 1)
        return f"^{lemma.split('# ', 1)[0]}<{source_tags}/{head}<{tags.replace('<sep>', '')}$ ^*{particle}/*{particle}$"
    return _UNIT.sub(rewrite, stream)


# Interrogatives after which Spanish puts the subject behind the verb, and that are not themselves the subject
# ("¿Qué/Quién ... ?" may be): the question's subject is then the noun phrase after the verb.
_WH_ADVERBS = frozenset({"cuándo", "dónde", "adónde", "cómo", "por qué", "cuánto"})
_FINITE = re.compile(rf"<(?:vblex|vbser|vbhaver|vbmod)><(?:{_TENSES})><p3><(sg|pl)>")
_DEPENDENT = {"vbser": "<vblex><pp>", "vbhaver": "<vblex><pp>", "vbmod": "<vblex><inf>"}
_STREAM_UNIT = re.compile(r"(\s*)(" + UNIT_PATTERN + ")")


def subject_first(stream: str) -> str:
    """The stream after the bilingual dictionary with a question's subject moved before its verb: Spanish asks
    "¿Cuándo murió Pedro Ruiz?", which Apertium kept in that order with a subject of its own ("When it died
    Pedro Ruiz?"); now "When Pedro Ruiz died?". Only after an interrogative adverb (_WH_ADVERBS), and only a noun
    phrase that agrees with the third-person verb in number: a run of names, or a determiner, adjectives, a noun,
    adjectives and up to two "de" complements ("la adopción de tecnología")."""
    units = [[m.group(1), m.group(2)] for m in _STREAM_UNIT.finditer(stream)]
    head = "".join(a + b for a, b in units)
    if not units or not stream.startswith(head):
        return stream
    sources = [_SLASH.split(unit[1:-1])[0] for _, unit in units]  # each unit's Spanish analysis
    for i in range(len(units) - 2):
        if _lemma(sources[i]).lower() not in _WH_ADVERBS or "<itg>" not in sources[i]:
            continue
        finite = _FINITE.search(sources[i + 1])
        if not finite:
            continue
        end = i + 2  # after the verb, and its participle or infinitive if it has one
        dependent = _DEPENDENT.get(_part(sources[i + 1]))
        if dependent and end < len(units) and dependent in sources[end]:
            end += 1
        phrase = _noun_phrase(sources[end:], finite.group(1))
        after = end + phrase
        # The phrase must end where a word does: not inside "Mobile-ID".
        if phrase and (after == len(units) or units[after][0] or _word_class(sources[after]) in ("sent", "cm")):
            moved = [[" ", u[1]] for u in units[end:end + phrase]] + [[" ", u[1]] for u in units[i + 1:end]]
            units[i + 1:end + phrase] = moved
            break
    return "".join(a + b for a, b in units) + stream[len(head):]


def _noun_phrase(sources: list[str], number: str) -> int:
    """How many of these analysed units (the stream's source sides) make a noun phrase of this number at their
    start, 0 when they do not start one."""
    def is_name(source: str) -> bool:
        return (source.startswith("*") and source[1:2].isupper()) or (not source.startswith("*") and
                                                                      "<np>" in source)

    n = 0
    while n < len(sources) and is_name(sources[n]):
        n += 1
    if n:
        return n if number == "sg" else 0
    head = _nominal(sources, 0)
    if not head:
        return 0
    n, head_number = head
    if head_number not in (number, "sp"):
        return 0
    for _ in range(2):  # "de" + a noun phrase or a name: "la adopción de tecnología", "el gobierno de Acme"
        if n + 1 >= len(sources) or not sources[n].startswith("de<pr>"):
            break
        names = 0
        while n + 1 + names < len(sources) and is_name(sources[n + 1 + names]):
            names += 1
        complement = (n + 1 + names, "sg") if names else _nominal(sources, n + 1, determiner=False)
        if not complement:
            break
        n = complement[0]
    return n


def _nominal(sources: list[str], start: int, determiner: bool = True):
    """(end, number) of a determiner (required unless determiner is False), adjectives or numbers, a common noun
    and adjectives from start; None when there is none."""
    n = start
    if n < len(sources) and _word_class(sources[n]) == "det" and "<itg>" not in sources[n]:
        n += 1
    elif determiner:
        return None
    while n < len(sources) and _word_class(sources[n]) in ("adj", "num"):
        n += 1
    if n >= len(sources) or _word_class(sources[n]) != "n":
        return None
    number = re.search(r"<(sg|pl|sp)>", sources[n])
    n += 1
    while n < len(sources) and _word_class(sources[n]) == "adj":
        n += 1
    return n, number.group(1) if number else "sp"


_PAST, _PARTICIPLE = "<past>", "<pp>"


# Apertium's word classes (the first tag of a reading) that each of spaCy's Penn Treebank tags allows. Tags not
# listed (TO, WDT, WP, RP, ...) leave a word's readings alone.
_VERBS = frozenset({"vblex", "vbser", "vbhaver", "vbmod", "vbdo", "vaux"})
# A noun keeps its adjective readings: before another noun Spanish says "espacial", not "de espacio" ("space
# probe"), and spaCy tags such a modifier a noun. A determiner keeps its pronoun readings ("This led ...": "Esto")
# and a number its pronoun ones ("one of the ...": "uno"); every word keeps its ordinal readings (Apertium's
# "<det><ord>": "Second Law", "the first coordinated campaign", whatever spaCy calls them).
_CLASSES = {
    **dict.fromkeys(("NN", "NNS", "NNP", "NNPS"), frozenset({"n", "np", "adj"})),
    **dict.fromkeys(("VB", "VBD", "VBG", "VBN", "VBP", "VBZ"), _VERBS),
    "MD": frozenset({"vbmod", "vaux"}),
    **dict.fromkeys(("JJ", "JJR", "JJS"), frozenset({"adj", "num"})),
    **dict.fromkeys(("RB", "RBR", "RBS"), frozenset({"adv", "preadv"})),
    "IN": frozenset({"pr", "cnjsub", "cnjadv"}),
    **dict.fromkeys(("DT", "PDT"), frozenset({"det", "predet", "prn"})),
    "CC": frozenset({"cnjcoo"}),
    "CD": frozenset({"num", "prn"}),
}
_FIRST_TAG = re.compile(r"<([^>]*)>")
_ORDINAL = "<ord>"


def english_readings(stream: str, text: str) -> str:
    """The analyser's readings of an English text, narrowed by spaCy's tagger, which reads English far better than
    Apertium's own: a word keeps the readings of the word class spaCy gives it ("others like Columbus": "like" a
    preposition, "como", not the verb "gustar"; "Cost of sales": "coste", not "costar"), and a form that is both a
    past tense and a past participle ("marked", "paved") keeps the past tense where spaCy reads one (VBD: "marcó",
    not "marcado"). spaCy's participles (VBN) are not forced: in a table's telegraphic cells (an event that opens on
    its verb) it reads participles where Apertium's past tense was right. A word whose class none of its readings
    has, or that cannot be found in spaCy's reading, keeps every reading."""
    try:
        tags = fine_tags(text)
    except NlpUnavailable:
        return stream
    at = 0

    def choose(match: re.Match) -> str:
        nonlocal at
        source, *readings = _SLASH.split(match.group(1))
        word = _UNESCAPE.sub(r"\1", source)
        for i in range(at, min(at + 4, len(tags))):  # spaCy splits some words Apertium keeps whole
            if tags[i][0] == word:
                at, tag = i + 1, tags[i][1]
                break
        else:
            return match.group(0)
        allowed = _CLASSES.get(tag)
        keep = [r for r in readings if allowed is None or _word_class(r) in allowed or _ORDINAL in r] or readings
        if tag == "VBD" and any(_PAST in r for r in keep) and any(_PARTICIPLE in r for r in keep):
            keep = [r for r in keep if _PAST in r]
        return "^" + "/".join([source, *keep]) + "$" if len(keep) < len(readings) else match.group(0)

    return _UNIT.sub(choose, stream)


def _word_class(reading: str) -> str:
    """The part of speech of a reading or an analysed unit ("lead<vblex><pri>": "vblex"), "" for a word the analyser
    does not know ("*Acme")."""
    found = _FIRST_TAG.search(reading)
    return found.group(1) if found else ""


def _unknown(unit: str, word: str, alternatives) -> str:
    # A capitalised word is a name, written as the asker knows it ("Tuzlanski", "Vrbovec"): left as it is.
    choices = alternatives(word, "") if alternatives is not None and word and word.islower() else []
    if not choices:
        return unit
    escaped = _ESCAPE.sub(r"\\\1", choices[0])
    return f"^*{escaped}/*{escaped}$"


# Parts of speech whose words back_translations pairs: nouns, verbs, adjectives, adverbs.
_CONTENT_TAGS = ("n", "vblex", "adj", "adv")


def back_translations(words) -> dict[tuple[str, str], set[str]]:
    """{(Spanish lemma, part of speech): the English lemmas among these words' that Apertium's English-Spanish
    dictionary translates to it}: "leads" and "managed" both give ("dirigir", "vblex"). The reverse of the
    Spanish-English dictionary, over a vocabulary (the documents'), for prefer_senses' alternatives. Every
    analysis of a word counts ("leads" is a verb and a noun); words the analyser does not know count none."""
    require_apertium()
    text = "\n".join(w for w in words if w and not _ESCAPE.search(w) and _CARET not in w) + "\n"
    analysed = _run_stage(["lt-proc", "-w", str(APERTIUM_DATA / "eng-spa.automorf.bin")], text)
    units = set()
    for match in _UNIT.finditer(analysed):
        _, *analyses = _SLASH.split(match.group(1))
        units.update(a for a in analyses if _is_word(a) and "+" not in a and _part(a) in _CONTENT_TAGS)
    translated = _run_stage(["lt-proc", "-b", str(APERTIUM_DATA / "eng-spa.autobil.bin")],
                            "\n".join(f"^{u}$" for u in sorted(units)) + "\n")
    table: dict[tuple[str, str], set[str]] = {}
    for match in _UNIT.finditer(translated):
        source, *targets = _SLASH.split(match.group(1))
        english = _UNESCAPE.sub(r"\1", source.split("<", 1)[0])
        for target in targets:
            if _is_word(target) and _part(target) == _part(source):
                spanish = _UNESCAPE.sub(r"\1", target.split("<", 1)[0]).lower()
                table.setdefault((spanish, _part(source)), set()).add(english)
    return table


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def vocabulary(texts) -> set[str]:
    """The distinct words of these texts, lowercased: what back_translations and cognate_index read."""
    return {w.lower() for text in texts for w in _WORD.findall(text)}


def cognate_index(words) -> dict[str, list[tuple[str, str]]]:
    """The words (of five letters or more) by their first COGNATE_PREFIX letters, accents folded, each as
    (folded, as written): cognate's candidates. Made once with the documents' back_translations."""
    starts: dict[str, list[tuple[str, str]]] = {}
    for word in words:
        folded = fold(word)
        if len(folded) >= COGNATE_PREFIX and folded.isalpha():
            starts.setdefault(folded[:COGNATE_PREFIX], []).append((folded, word))
    return starts


def words_of(text: str, language: str):
    """known for prefer_senses from one text: whether every content word of a translation is in it (None for
    words that are all stop words). Translating an answer for the person who asked, the words of the question
    choose among a word's translations: "quarter" is "barrio", "cuarto" or "trimestre" in Apertium's dictionary,
    and after a question about the "tercer trimestre" the answer's "third quarter" reads "tercer trimestre"."""
    tokens = spanish_tokens if language == SPANISH else search_tokens
    own = set(tokens(text))

    def known(words: str) -> bool | None:
        found = tokens(words)
        return all(t in own for t in found) if found else None

    return known


def word_choices(document_frequency, table: dict[tuple[str, str], set[str]],
                 starts: dict[str, list[tuple[str, str]]] | None = None):
    """(known, alternatives) for prefer_senses, from the documents' document_frequency(search token),
    back_translations of their words and cognate_index of them: known(words) says whether the documents use
    every content word of a translation (None for words that are all stop words); alternatives(lemma, part of
    speech) gives the documents' words that translate to a Spanish word, most used first, and
    alternatives(word, "") the documents' word that a word the dictionary does not know is plainly a form of
    (cognate)."""
    def known(words: str) -> bool | None:
        tokens = search_tokens(words)
        return all(document_frequency(t) > 0 for t in tokens) if tokens else None

    def used(word: str) -> int:
        return min((document_frequency(t) for t in search_tokens(word)), default=0)

    def alternatives(lemma: str, part: str) -> list[str]:
        if not part:
            return cognate(lemma, (starts or {}).get(fold(lemma)[:COGNATE_PREFIX], []), used)
        return sorted((w for w in table.get((lemma, part), ()) if used(w)), key=lambda w: (-used(w), w))

    alternatives.used = used  # how many passages use a word: _more_used weighs the dictionary's words with it
    return known, alternatives


COGNATE_PREFIX = 5  # letters a cognate shares at least at its start
COGNATE_SHARE = (0.6, 0.7)  # ... and this share of the Spanish word (a verb's ending may be long) and the English


def cognate(word: str, candidates: list[tuple[str, str]], used) -> list[str]:
    """The documents' words (candidates: (accents folded, as written)) that the Spanish word is plainly a form
    of: one whose start it shares for most of both words (COGNATE_SHARE: "feudalismo": "feudalism",
    "reorganizaron": "reorganized", "italianas": "italian", not "intercambio": "interest"), the longest
    shared start first, then the most used. None when the documents have the word itself: a name, or a word
    both languages share."""
    folded = fold(word)
    scored = []
    for other, written in candidates:
        if other == folded:
            return []
        shared = len(os.path.commonprefix([folded, other]))
        if shared >= max(COGNATE_PREFIX, COGNATE_SHARE[0] * len(folded), COGNATE_SHARE[1] * len(other)):
            scored.append((-shared, -used(written), written))
    return [w for *_, w in sorted(scored)]


def _is_word(analysis: str) -> bool:
    """An analysis or translation of one known word: "lead<vblex><pri>", not "*steers", "@x" or "take<vblex># place"."""
    return "<" in analysis and "#" not in analysis and not analysis.startswith(("*", "@"))


def _run_stage(command: list[str], text: str) -> str:
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        raise TranslationUnavailable("Apertium's English dictionary could not be read; run `make install`.") from None
    return done.stdout.decode("utf-8", "replace")


class Translator:
    """English <-> Spanish through Apertium; one pipeline per direction, started on first use."""

    def __init__(self):
        self._pipes: dict[str, _Pipeline] = {}
        self._lock = threading.Lock()

    def translate(self, text: str, source: str, target: str, known=None, alternatives=None,
                  question: bool = False) -> str:
        """text in the target language. known(words), when given, is asked which translations of an ambiguous
        word the documents use, and alternatives for words the documents use instead (prefer_senses). A question
        (one the user asked) has its Spanish idioms read as they are meant first (spanish_idioms), and its accents
        restored when it was typed without any (spanish_accents)."""
        if source == target or not text.strip():
            return text
        return self._with_pipeline(_PAIRS[(source, target)],
                                   lambda pipe: " ".join(pipe.translate(text, known, alternatives, question).split()))

    def known_words(self, text: str, language: str) -> list[tuple[str, bool]]:
        """Each word of text as the analyser of that language cuts it ("puerto pesquero" is one), and whether its
        dictionary knows the word: an unknown one is a name, a word of another language, or a misspelling."""
        pair = _PAIRS[(language, ENGLISH if language == SPANISH else SPANISH)]
        analysed = self._with_pipeline(pair, lambda pipe: pipe.analyse(text))
        words = []
        for match in _UNIT.finditer(analysed):
            surface, *analyses = _SLASH.split(match.group(1))
            words.append((_UNESCAPE.sub(r"\1", surface), any(not a.startswith("*") for a in analyses)))
        return words

    def _with_pipeline(self, pair: str, work):
        """work(the pipeline of that pair), started on first use and again if one of its chains stopped; a
        pipeline that fails is dropped, and the next call starts a new one."""
        require_apertium()
        with self._lock:
            pipe = self._pipes.get(pair)
            if pipe is None or not pipe.alive():
                if pipe is not None:  # one of its chains stopped: stop the other too
                    pipe.close()
                pipe = self._pipes[pair] = _Pipeline(pair)
        try:
            return work(pipe)
        except (BrokenPipeError, TranslationUnavailable):
            with self._lock:
                if self._pipes.get(pair) is pipe:
                    del self._pipes[pair]
            pipe.close()
            raise TranslationUnavailable("Apertium stopped answering; ask again.") from None


@lru_cache(maxsize=1)
def translator() -> Translator:
    return Translator()


# --- documents -------------------------------------------------------------------------------------

MIN_DETECT_CHARS = 200  # less text than this (a page of figures, a title) is not enough to tell its language


def mark_languages(doc):
    """The Document with each block's language: one for a text or Markdown file, one per page for a PDF."""
    from dataclasses import replace

    pages: dict[int | None, list] = {}
    for block in doc.blocks:
        pages.setdefault(block.page, []).append(block)
    whole = detect_language(doc.text[:20_000]) if len(doc.text.strip()) >= MIN_DETECT_CHARS else ENGLISH
    languages = {}
    for page, blocks in pages.items():
        text = " ".join(doc.text[b.start:b.end] for b in blocks)[:5_000]
        languages[page] = detect_language(text) if page is not None and len(text) >= MIN_DETECT_CHARS else whole
    if all(lang == ENGLISH for lang in languages.values()):
        return doc
    return replace(doc, blocks=tuple(replace(b, language=languages[b.page]) for b in doc.blocks))


def translate_chunks(chunks: list) -> list:
    """Chunks not in English, with each unit's English translation; raises TranslationUnavailable without
    Apertium (the caller indexes them untranslated and says so)."""
    from dataclasses import replace

    from .schema import row_label

    out = []
    for chunk in chunks:
        if chunk.language == ENGLISH:
            out.append(chunk)
            continue
        texts = [chunk.text[s - chunk.start:e - chunk.start] for s, e in chunk.units]
        if chunk.kind == "row":
            texts = [row_label(chunk.headers, t) for t in texts]
        english = tuple(translator().translate(t, chunk.language, ENGLISH) for t in texts)
        out.append(replace(chunk, translations=english))
    return out
