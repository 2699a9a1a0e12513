"""The fixed texts of an answer, in the question's language (English or Spanish)."""

from __future__ import annotations

TEXTS = {
    "en": {
        "abstained": "I couldn't find this in the documents.",
        "closest": "Closest passages",
        "sources": "Sources",
        "translation": "Machine translation",
        "why": "Why",
        "read_as": "Read as",
        "no_passage": "no passage matched the question",
        "fragment": "the follow-up names nothing to look for: ask it again with what it is about",
        "not_close": "no passage answers the question closely enough",
        "unknown_term": "the question names something the documents never mention",
        "number_missing": "the closest passage does not mention the number or year asked about",
        "type_missing": "the closest passage does not give the kind of value asked for (a date, a number, a name)",
        "no_document": "No document in the folder is about {names}, so the documents cannot answer this.",
        "no_quarter": "No document in the folder covers {company} for {quarter}, so the documents cannot answer "
                      "this; ask about a quarter its documents cover.",
        "or": "or",
        "closest_passage": "Closest passage {n}",
        "page": "page {page}",
        "printed_page": "page {page} (printed {printed})",
        "match_score": "match score",
        "table_row": "a table row",
        "show_page": "Show page {page} with the sentence highlighted",
        "highlight_exact": "The highlighted text is the quoted sentence.",
        "highlight_approximate": "The page's text differs a little from the index; the closest stretch is "
                                 "highlighted.",
        "highlight_none": "The sentence could not be located on the page; the whole page is shown.",
        "file_gone": "{source} is no longer in the documents folder; rebuild the index.",
    },
    "es": {
        "abstained": "No encontré esto en los documentos.",
        "closest": "Pasajes más cercanos",
        "sources": "Fuentes",
        "translation": "Traducción automática",
        "why": "Motivo",
        "read_as": "Leída como (traducción automática)",
        "no_passage": "ningún pasaje coincide con la pregunta",
        "fragment": "la pregunta no nombra nada que buscar: hágala de nuevo diciendo de qué trata",
        "not_close": "ningún pasaje responde a la pregunta con suficiente precisión",
        "unknown_term": "la pregunta nombra algo que los documentos nunca mencionan",
        "number_missing": "el pasaje más cercano no menciona el número o el año por el que se pregunta",
        "type_missing": "el pasaje más cercano no da el tipo de dato que se pide (una fecha, un número, un nombre)",
        "no_document": "Ningún documento de la carpeta trata de {names}, así que los documentos no pueden responder "
                       "a esto.",
        "no_quarter": "Ningún documento de la carpeta cubre {quarter} de {company}, así que los documentos no pueden "
                      "responder a esto; pregunte por un trimestre que sus documentos cubran.",
        "or": "o",
        "closest_passage": "Pasaje más cercano {n}",
        "page": "página {page}",
        "printed_page": "página {page} (numerada {printed})",
        "match_score": "puntuación de coincidencia",
        "table_row": "una fila de tabla",
        "show_page": "Mostrar la página {page} con la frase resaltada",
        "highlight_exact": "El texto resaltado es la frase citada.",
        "highlight_approximate": "El texto de la página difiere un poco del índice; se resalta el tramo más "
                                 "parecido.",
        "highlight_none": "No se encontró la frase en la página; se muestra la página entera.",
        "file_gone": "{source} ya no está en la carpeta de documentos; reconstruya el índice.",
    },
}


def text(key: str, language: str = "en", **values: object) -> str:
    """The text for key in the language (English when there is none), with its {placeholders} filled in."""
    found = TEXTS.get(language, TEXTS["en"])[key]
    return found.format(**values) if values else found
