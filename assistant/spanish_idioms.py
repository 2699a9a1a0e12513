"""Spanish idioms that Apertium translates word for word, read in a question as wordings it translates as meant.

Apertium's Spanish-English pair translates a phrase word by word unless its dictionary lists the phrase: "¿Qué
quiere decir X?" became "What wants to say X?", "¿Qué hace falta para ...?" "What does fault to ...?", "¿Quién
está a cargo de X?" "Who is to charge of X?", "¿Cada cuánto ...?" "Each how much ...?". Each idiom here is
general Spanish (none names anything a document says), and each is mended at the stage of Apertium's stream where
that is simplest. Only questions are read so (`Translator.translate(..., question=True)`): the chat shows their
English reading, and a document's translations, which an index keeps, stay as they were made.

- `in_text`: before Apertium, the idiom is written as a plainer Spanish wording with the same meaning ("quiere
  decir" -> "significa", "¿Hace cuánto tiempo ...?" -> "¿Cuándo ...?", "dio lugar a" -> "causó").
- `in_translation`: in the stream after the bilingual dictionary, where the English words are chosen and can be
  reordered ("¿Qué significa X?" -> "What does X mean?", "¿Para qué sirve X?" -> "What is X for?").

docs/answering.md, section 5, has the idioms and their measured effect.
"""

from __future__ import annotations

import re

from .apertium_stream import UNIT_PATTERN

# --- before Apertium: plainer Spanish wordings -----------------------------------------------------------------

# "querer decir" is "to mean": "significar" in the same tense and number.
_QUERER_DECIR = re.compile(r"\b(quiere|quieren|quería|querían|quiso|quisieron|querrá|querrán|querría|querrían)"
                           r"\s+decir\b")
_SIGNIFICAR = {"quiere": "significa", "quieren": "significan", "quería": "significaba", "querían": "significaban",
               "quiso": "significó", "quisieron": "significaron", "querrá": "significará", "querrán": "significarán",
               "querría": "significaría", "querrían": "significarían"}
# "qué tanto" (Latin American Spanish) is "cuánto", in the same gender and number.
_QUE_TANTO = re.compile(r"\b([Qq])ué\s+tant(o|a|os|as)\b")
# "hacer falta" is "to be needed": "se necesita" in the same tense and number. Not after a clitic ("le hace falta
# dinero": he lacks money), where the one who needs is named.
_HACER_FALTA = re.compile(r"(?<!\w)(?<!\bme )(?<!\bte )(?<!\ble )(?<!\bse )(?<!\bnos )(?<!\bos )(?<!\bles )"
                          r"(h)(ace|acen|acía|acían|izo|icieron|ará|arán|aría|arían)\s+falta\b", re.I)
_NECESITAR = {"ace": "necesita", "acen": "necesitan", "acía": "necesitaba", "acían": "necesitaban", "izo": "necesitó",
              "icieron": "necesitaron", "ará": "necesitará", "arán": "necesitarán", "aría": "necesitaría",
              "arían": "necesitarían"}
# "¿Qué diferencia hay entre A y B?": "¿Cuál es la diferencia entre A y B?" (Apertium read "diferencia" as a verb).
_DIFFERENCE = re.compile(r"\b([Qq])ué\s+(diferencias?)\s+(?:hay|existen?)\s+entre\b")
# "¿Hace cuánto (tiempo) ...?", "¿Hace cuántos años ...?", "¿Desde hace cuánto ...?": when.
_HOW_LONG_AGO = re.compile(r"\b(?:([Dd])esde\s+h|([Hh]))ace\s+(?:cuánt[oa]s\s+(?:años|meses|semanas|días|"
                           r"décadas|siglos)|cuánto(?:\s+tiempo)?)\b(?:\s+que\b)?")
# "¿Cada cuánto (tiempo) ...?": how often.
_HOW_OFTEN = re.compile(r"\b([Cc])ada\s+cuánto(?:\s+tiempo)?\b")
# "¿De dónde viene X?" (proviene, procede): "¿Cuál es el origen de X?" (Apertium wrote "Of where the name comes?").
_WHERE_FROM = re.compile(r"([¿]\s*)[Dd]e\s+dónde\s+(?:viene|vienen|venía|venían|proviene|provienen|provenía|"
                         r"provenían|procede|proceden)\s+(el\s+)?")

# "dar lugar a" and "dar origen a" (to lead to, to give rise to) are "causar"; "dar a conocer" (to make known) is
# "anunciar"; "poner de manifiesto" (to make plain) is "revelar": Apertium wrote "gave place to", "gave origin to",
# "given to know", "put of self-evident". Each form of "dar" and "poner" becomes the same form of the regular verb,
# by its ending ("dio" -> "causó", "pusieron" -> "revelaron"); "a" + "el" ("dio lugar al ...") leaves "el".
_DAR = {"da": "a", "dan": "an", "dio": "ó", "dieron": "aron", "daba": "aba", "daban": "aban", "dará": "ará",
        "darán": "arán", "daría": "aría", "darían": "arían", "dé": "e", "den": "en", "diera": "ara", "dieran": "aran",
        "dado": "ado", "dar": "ar", "dando": "ando"}
_PONER = {"pone": "a", "ponen": "an", "puso": "ó", "pusieron": "aron", "ponía": "aba", "ponían": "aban",
          "pondrá": "ará", "pondrán": "arán", "pondría": "aría", "pondrían": "arían", "ponga": "e", "pongan": "en",
          "pusiera": "ara", "pusieran": "aran", "puesto": "ado", "poner": "ar", "poniendo": "ando"}
_GIVE_RISE = re.compile(r"\b(%s)\s+(?:lugar|origen)\s+a(l?)\b" % "|".join(_DAR), re.I)
_MAKE_KNOWN = re.compile(r"\b(%s)\s+a\s+conocer\b" % "|".join(_DAR), re.I)
_MAKE_PLAIN = re.compile(r"\b(%s)\s+de\s+manifiesto\b" % "|".join(_PONER), re.I)


def _regular(form: str, endings: dict[str, str], stem: str) -> str:
    """The form of a regular -ar verb (its stem) that stands where this form of "dar" or "poner" stood."""
    return cased(form[0], stem + endings[form.lower()])


def cased(initial: str, word: str) -> str:
    """word with a capital first letter where the wording it replaces had one (initial: its first letter)."""
    return word[0].upper() + word[1:] if initial.isupper() else word


def in_text(text: str) -> str:
    """Spanish text with the idioms above written as plainer wordings of the same meaning."""
    text = _QUERER_DECIR.sub(lambda m: _SIGNIFICAR[m.group(1)], text)
    text = _QUE_TANTO.sub(lambda m: cased(m.group(1), "cuánt" + m.group(2)), text)
    text = _HACER_FALTA.sub(lambda m: cased(m.group(1), "se " + _NECESITAR[m.group(2).lower()]), text)
    text = _DIFFERENCE.sub(lambda m: cased(m.group(1), "cuáles son las diferencias entre" if m.group(2).endswith("s")
                                            else "cuál es la diferencia entre"), text)
    text = _HOW_LONG_AGO.sub(lambda m: m.group(1) + "esde cuándo" if m.group(1) else cased(m.group(2), "cuándo"),
                             text)
    text = _HOW_OFTEN.sub(lambda m: cased(m.group(1), "con qué frecuencia"), text)
    text = _WHERE_FROM.sub(lambda m: m.group(1) + "Cuál es el origen " + ("del " if m.group(2) else "de "), text)
    text = _GIVE_RISE.sub(lambda m: _regular(m.group(1), _DAR, "caus") + (" el" if m.group(2) else ""), text)
    text = _MAKE_KNOWN.sub(lambda m: _regular(m.group(1), _DAR, "anunci"), text)
    text = _MAKE_PLAIN.sub(lambda m: _regular(m.group(1), _PONER, "revel"), text)
    return text


# --- the stream after the bilingual dictionary: English words ------------------------------------------------

# "a cargo de": "in charge of" (the dictionary gives "to charge of").
_A_CARGO = re.compile(r"\^a<pr>/to<pr>\$(\s*)\^cargo<n><m><sg>/(?:[^$]*/)?(charge<n><sg>)(?:/[^$]*)?\$")
# "¿Qué significa X?" and "¿Para qué sirve X?" up to the question mark, X holding no verb of its own. The verb may
# be tagged an imperative ("sirve" is both), which the tagger chooses when the word after it is unknown.
_VERB_FORM = r"<(pri|pii|ifi|imp)><p[23]><(sg|pl)>/[^$]*\$"
_QUESTION_END = (r"((?:\s*(?!\^[^/$]*<(?:vblex|vbser|vbhaver|vbmod)>)" + UNIT_PATTERN
                 + r")+?)(\s*)(\^\?<sent>/\?<sent>\$)")
_WHAT_MEANS = re.compile(r"(\^[Qq]ué<prn><itg>[^$]*\$)(\s*)\^significar<vblex>" + _VERB_FORM + _QUESTION_END)
_WHAT_FOR = re.compile(r"\^([Pp])ara<pr>/[^$]*\$(\s*)\^(qué<prn><itg>[^$/]*/)what([^$]*\$)(\s*)"
                       r"\^servir<vblex>" + _VERB_FORM + _QUESTION_END)


def _word(text: str) -> str:
    """A unit Apertium passes on as it is (a word it does not know)."""
    return f"^*{text}/*{text}$"


def in_translation(stream: str) -> str:
    """The stream after the bilingual dictionary with "a cargo de" read as "in charge of", "¿Qué significa X?"
    as "What does X mean?" ("What did X mean?" in the past) and "¿Para qué sirve X?" as "What is X for?"."""
    stream = _A_CARGO.sub(r"^a<pr>/in<pr>$\1^cargo<n><m><sg>/\2$", stream)

    def means(m: re.Match) -> str:
        does = "did" if m.group(3) in ("pii", "ifi") else ("does" if m.group(4) == "sg" else "do")
        return f"{m.group(1)}{m.group(2)}{_word(does)} {m.group(5).strip()} {_word('mean')}{m.group(6)}{m.group(7)}"

    def serves(m: re.Match) -> str:
        be = ("is" if m.group(7) == "sg" else "are") if m.group(6) not in ("pii", "ifi") else \
            ("was" if m.group(7) == "sg" else "were")
        # The interrogative's own unit opens the question, so that Apertium writes it as it writes any first word.
        capital = m.group(1) == "P"
        what = f"^{'Q' if capital else 'q'}{m.group(3)[1:]}{'W' if capital else 'w'}hat{m.group(4)}"
        return f"{what} {_word(be)} {m.group(8).strip()} {_word('for')}{m.group(9)}{m.group(10)}"

    stream = _WHAT_MEANS.sub(means, stream)
    return _WHAT_FOR.sub(serves, stream)
