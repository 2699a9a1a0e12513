"""The assistant's own sentences in English and Spanish: an answer's fixed texts, in the language of its question,
and the web chat's, in the language its reader chose (the browser's, until they pick another)."""

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
        # --- the web chat ---
        "title": "Ask your documents",
        "language": "Language · Idioma",
        "placeholder": "Ask a question about the documents",
        "limits": "Questions can be up to {chars} characters. Answers are quoted word for word from the documents.",
        "index": "Index",
        "no_index": "No index yet.",
        "documents_many": "**{n}** documents",
        "documents_one": "**1** document",
        "chunks_many": "**{n}** chunks",
        "chunks_one": "**1** chunk",
        "model_built": "Model {model} · built {built}",
        "out_of_date": "Out of date ({changes}).",
        "up_to_date": "Up to date with the documents folder.",
        "documents": "Documents ({n})",
        "not_indexed": "Not indexed: {path}: {reason}",
        "rebuild": "Rebuild index",
        "rebuild_help": "Index new and changed documents; forget removed ones.",
        "updating": "Updating the index",
        "add_documents": "Add documents",
        "file_types": "Markdown, text or PDF files",
        "replace": "Replace documents with the same name",
        "add_and_index": "Add and index",
        "saved": "Saved {name}.",
        "indexing_new": "Indexing the new documents",
        "nothing_added": "Nothing was added",
        "remove_document": "Remove a document",
        "choose_document": "Choose a document",
        "delete_file": "Delete the file from the documents folder",
        "remove_and_update": "Remove and update the index",
        "nothing_removed": "Nothing was removed",
        "only_document": "'{name}' is the only document; add another document before removing it.",
        "removing": "Removing {name} from the index",
        "deleted": "Deleted {name}.",
        "queued": "Queued",
        "queued_line": "An indexing run is going on; your changes will be indexed as soon as it ends.",
        "keep_asking": "You can keep asking: answers come from the index as it was until this run ends. Reloading "
                       "the page or opening another tab does not stop it.",
        "download": "Download transcript",
        "clear": "Clear chat",
        "chat": "Chat",
        "n_sources": "Sources to show per answer",
        "try_these": "Try one of these:",
        "loading_model": "Loading the language model (only the first question waits for it)…",
        "searching": "Searching the documents…",
        "rendering": "Rendering the page…",
        "index_unusable": "The index cannot be used ({problem}); press Rebuild index in the sidebar.",
        "nothing_indexed": "No documents are indexed yet: add some in the sidebar.",
        "knowledge": "Answers are quoted word for word from {n} documents: {titles}.",
        "knowledge_one": "Answers are quoted word for word from 1 document: {titles}.",
        "and_more": "{titles} and {n} more",
        "stale": "The documents changed since the index was built ({changes}). Answers may miss the changes until "
                 "the index is rebuilt.",
        "rebuild_now": "Rebuild now",
        "first_build": "Building the index for the first time",
        "rebuilding": "Rebuilding the index: {problem}",
        "start_here": "Add a .md, .txt or .pdf document in the sidebar to start.",
        "characters": "({n} characters)",
        "added": "Added: {names}",
        "changed": "Changed: {names}",
        "removed": "Removed: {names}",
        "skipped": "Skipped {source}: {reason}",
        "failed": "Failed {source}: {reason}",
        "note": "Note on {source}: {reason}",
        "nothing_changed": "Nothing changed: all {n} documents were already indexed.",
        "index_updated": "Index updated in {seconds} s",
        "index_not_updated": "The index was not updated",
        "still_indexing": "Indexing is still running ({title}), so this answer comes from the index as it was before.",
        "starting": "Starting",
        "waiting_model": "Waiting for the language model",
        "waiting_build": "Waiting for any other index build to finish",
        "full_rebuild": "Full rebuild: {reason}.",
        "up_to_date_counts": "Index up to date: {chunks} chunks from {documents} documents",
        "reading_one": "Reading and embedding 1 file",
        "reading_many": "Reading and embedding {n} files",
        "writing": "Writing the index",
        "ready": "Index ready: {chunks} chunks from {documents} documents",
        "embedded": "{message}: embedded {done} of {total} sentences and rows",
        "suggest_one": "What does the document say about {thing}?",
        "suggest_many": "What do the documents say about {thing}?",
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
        # --- the web chat ---
        "title": "Pregunte a sus documentos",
        "language": "Language · Idioma",
        "placeholder": "Haga una pregunta sobre los documentos",
        "limits": "Las preguntas pueden tener hasta {chars} caracteres. Las respuestas se citan palabra por palabra "
                  "de los documentos.",
        "index": "Índice",
        "no_index": "Todavía no hay índice.",
        "documents_many": "**{n}** documentos",
        "documents_one": "**1** documento",
        "chunks_many": "**{n}** fragmentos",
        "chunks_one": "**1** fragmento",
        "model_built": "Modelo {model} · creado {built}",
        "out_of_date": "Desactualizado ({changes}).",
        "up_to_date": "Al día con la carpeta de documentos.",
        "documents": "Documentos ({n})",
        "not_indexed": "Sin indexar: {path}: {reason}",
        "rebuild": "Reconstruir el índice",
        "rebuild_help": "Indexa los documentos nuevos y modificados y olvida los eliminados.",
        "updating": "Actualizando el índice",
        "add_documents": "Añadir documentos",
        "file_types": "Archivos Markdown, de texto o PDF",
        "replace": "Reemplazar los documentos con el mismo nombre",
        "add_and_index": "Añadir e indexar",
        "saved": "Guardado {name}.",
        "indexing_new": "Indexando los documentos nuevos",
        "nothing_added": "No se añadió nada",
        "remove_document": "Eliminar un documento",
        "choose_document": "Elija un documento",
        "delete_file": "Borrar el archivo de la carpeta de documentos",
        "remove_and_update": "Eliminar y actualizar el índice",
        "nothing_removed": "No se eliminó nada",
        "only_document": "'{name}' es el único documento; añada otro documento antes de eliminarlo.",
        "removing": "Eliminando {name} del índice",
        "deleted": "Borrado {name}.",
        "queued": "En cola",
        "queued_line": "Hay una indexación en curso; sus cambios se indexarán en cuanto termine.",
        "keep_asking": "Puede seguir preguntando: las respuestas salen del índice tal como estaba hasta que esta "
                       "indexación termine. Recargar la página o abrir otra pestaña no la detiene.",
        "download": "Descargar la conversación",
        "clear": "Borrar el chat",
        "chat": "Chat",
        "n_sources": "Fuentes por respuesta",
        "try_these": "Pruebe una de estas:",
        "loading_model": "Cargando el modelo de lenguaje (solo la primera pregunta lo espera)…",
        "searching": "Buscando en los documentos…",
        "rendering": "Preparando la página…",
        "index_unusable": "No se puede usar el índice ({problem}); pulse Reconstruir el índice en la barra lateral.",
        "nothing_indexed": "Todavía no hay documentos indexados: añada alguno en la barra lateral.",
        "knowledge": "Las respuestas se citan palabra por palabra de {n} documentos: {titles}.",
        "knowledge_one": "Las respuestas se citan palabra por palabra de 1 documento: {titles}.",
        "and_more": "{titles} y {n} más",
        "stale": "Los documentos cambiaron desde que se creó el índice ({changes}). Puede que las respuestas no "
                 "reflejen los cambios hasta que se reconstruya el índice.",
        "rebuild_now": "Reconstruir ahora",
        "first_build": "Creando el índice por primera vez",
        "rebuilding": "Reconstruyendo el índice: {problem}",
        "start_here": "Añada un documento .md, .txt o .pdf en la barra lateral para empezar.",
        "characters": "({n} caracteres)",
        "added": "Añadidos: {names}",
        "changed": "Modificados: {names}",
        "removed": "Eliminados: {names}",
        "skipped": "Omitido {source}: {reason}",
        "failed": "Falló {source}: {reason}",
        "note": "Nota sobre {source}: {reason}",
        "nothing_changed": "Nada cambió: todos los documentos ({n}) ya estaban indexados.",
        "index_updated": "Índice actualizado en {seconds} s",
        "index_not_updated": "El índice no se actualizó",
        "still_indexing": "La indexación sigue en curso ({title}), así que esta respuesta sale del índice tal como "
                          "estaba antes.",
        "starting": "Empezando",
        "waiting_model": "Esperando al modelo de lenguaje",
        "waiting_build": "Esperando a que termine otra indexación",
        "full_rebuild": "Reconstrucción completa: {reason}.",
        "up_to_date_counts": "Índice al día: {chunks} fragmentos de {documents} documentos",
        "reading_one": "Leyendo e incorporando 1 archivo",
        "reading_many": "Leyendo e incorporando {n} archivos",
        "writing": "Escribiendo el índice",
        "ready": "Índice listo: {chunks} fragmentos de {documents} documentos",
        "embedded": "{message}: {done} de {total} frases y filas incorporadas",
        "suggest_one": "¿Qué dice el documento sobre «{thing}»?",
        "suggest_many": "¿Qué dicen los documentos sobre «{thing}»?",
    },
}


LANGUAGES = {"en": "English", "es": "Español"}


class Said(str):
    """One of these texts in English, which remembers its key and values so that a page can write it in its own
    language (`in_language`). A str, so whoever only prints or compares it needs nothing else: a build's status
    messages are Said, which the command line prints and the chat shows in Spanish."""

    key: str
    values: dict

    def __new__(cls, key: str, **values: object) -> "Said":
        said = super().__new__(cls, text(key, "en", **values))
        said.key, said.values = key, values
        return said

    def in_language(self, language: str) -> str:
        return text(self.key, language, **self.values)

    def __reduce__(self):  # pickled and copied as its key and values, not as its English
        return _said, (self.key, self.values)


def _said(key: str, values: dict) -> Said:
    return Said(key, **values)


def text(key: str, language: str = "en", **values: object) -> str:
    """The text for key in the language (English when there is none), with its {placeholders} filled in."""
    found = TEXTS.get(language, TEXTS["en"])[key]
    return found.format(**values) if values else found
