"""The assistant's own sentences in English and Spanish: an answer's fixed texts, in the language of its question,
and the web chat's, in the language its reader chose (the browser's, until they pick another)."""

from __future__ import annotations

from decimal import Decimal
from string import Formatter

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
        "go_on_nothing": "there is no earlier answer to go on from: ask about what you want to know",
        "small_talk_greeting": "Hello. Ask me about what the documents say: each answer is a sentence quoted from "
                               "them, with its source.",
        "small_talk_thanks": "You're welcome. Ask another question whenever you like.",
        "small_talk_ack": "Ask another question whenever you like.",
        "small_talk_about": "I answer questions about the documents in this folder with their own sentences, quoted "
                            "word for word, each with its source; when they do not say, I say so. After an answer, "
                            "“Tell me more” gives the sentence that follows.",
        "go_on_unanswered": "the earlier question got no answer to go on from: ask it in other words, or ask "
                            "about something else",
        "go_on_end": "the passage the last answer quoted ends there, with its section: ask about what you want to "
                     "know next",
        "go_on_end_next": "the passage the last answer quoted ends there, with its section; the next section is "
                          "“{section}”: ask about it, or about what you want to know next",
        "not_close": "no passage answers the question closely enough",
        "off_topic": "no passage is about what the question asks",
        "negation_missing": "the question asks what is not so, and the closest passage says nothing of the kind",
        "qualifier_swapped": "the closest passage puts another word before what the question names (another "
                             "number, order or name), so it is about something else",
        "unknown_term": "the question names something the documents never mention",
        "unknown_named": "the documents never mention {terms}; check the spelling, or add a document that does",
        "unknown_number": "the documents never mention {terms}; ask about a number or year they give, or add a "
                          "document that does",
        "number_missing": "the closest passage does not mention the number or year asked about",
        "type_missing": "the closest passage does not give the kind of value asked for (a date, a number, a name)",
        "author_unsaid": "no passage found says who wrote the document",
        "date_unsaid": "no passage found says when the document was written",
        "conclusion_unsaid": "no section of conclusions or findings was found in the document",
        "no_document": "No document in the folder is about {names}, so the documents cannot answer this.",
        "no_quarter": "No document in the folder covers {company} for {quarter}, so the documents cannot answer "
                      "this; ask about a quarter its documents cover.",
        "or": "or",
        "nor": "or",
        "quoted": "“{text}”",
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
        "tell_me_more": "Tell me more",
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
        "indexing_meanwhile": "Indexing the changes made meanwhile",
        "indexing_failed": "Indexing failed unexpectedly ({kind}: {error}).",
        "model_unloadable": "The embedding model could not be loaded ({kind}: {error}); reinstall with `make install`.",
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
        # --- why a file was not indexed, and notes on one that was (a build's reasons; the command line, the
        # build's JSON report and the manifest keep the English) ---
        "size": "{number} {unit}",
        "read_changing": "the file kept changing while it was being read; build again once it is saved",
        "read_gone": "the file disappeared while it was being read; build again once it is back",
        "read_denied": "the file cannot be read ({error}); check its permissions",
        "read_link": "the file was replaced by a symbolic link while it was being indexed; refused",
        "file_empty": "the file is empty",
        "file_blank": "the file holds only white space",
        "bad_utf16": "the file claims to be UTF-16 but is not; re-save it as UTF-8",
        "file_binary": "the file looks binary, not text; save it as .md, .txt or .pdf",
        "unknown_encoding": "the file's text encoding is unknown; re-save it as UTF-8",
        "decoded_utf16": "decoded as UTF-16",
        "decoded_no_bom": "decoded as {encoding} (no byte-order mark)",
        "decoded_legacy": "not valid UTF-8; decoded as {encoding}",
        "scan_folder_link": "symbolic link to a folder; refused, copy the folder in instead",
        "scan_bad_name": "the file name is not valid UTF-8; rename the file",
        "scan_outside_link": "symbolic link to a file outside the corpus; refused",
        "scan_unsupported": "unsupported file type '{suffix}'; only .md, .txt and .pdf are indexed",
        "scan_unreadable": "cannot be read ({error}); check that it exists",
        "scan_not_regular": "not a regular file (a pipe, device or folder); refused",
        "scan_too_large": "larger than the {limit} limit ({size}); split it or raise the limit",
        "not_pdf": "the file is named .pdf but is not a PDF; check what it is and rename it",
        "pdf_password": "the PDF is password-protected, skipped; remove the password to index it",
        "pdf_needs_cryptography": "the PDF is encrypted and needs the 'cryptography' package; reinstall with "
                                  "`make install`",
        "pdf_damaged": "the PDF is damaged or truncated and cannot be opened ({error}); re-export or download it "
                       "again",
        "pdf_too_complex": "the PDF is too large or complex to read safely, even with raised limits; split it into "
                           "smaller files",
        "pdf_no_text": "the PDF has no extractable text (scanned?); run OCR on it first",
        "pdf_raised_limits": "exceeded pypdf's default safety limits; read with raised limits",
        "pdf_page_unextracted": "page {number}: text could not be extracted ({error})",
        "pdf_pages_unread": "pages {pages} could not be read by pdfium or pypdf ({problem})",
        "pdf_page_fallback": "page {pages} read with pypdf: pdfium could not load it",
        "pdf_pages_fallback": "pages {pages} read with pypdf: pdfium could not load them",
        "pdf_read_with_pypdf": "read with pypdf: {why}",
        "pdfium_unopened": "pdfium could not open it ({error})",
        "reader_crashed": "the PDF reader crashed on this file; open it in another program and save it again (or "
                          "print it to PDF)",
        "file_unreadable": "the file could not be read ({error}); check that it opens in another program",
        "kept_previous": "the previously indexed version is kept until the file reads again",
        "no_text": "no text to index was found in the file",
        "untranslated": "indexed without English translations, so English questions may miss it: {problem}",
        "nothing_to_index": "Nothing could be indexed in {corpus} ({reasons}{more}); add readable .md, .txt or .pdf "
                            "files and build again. Any previous index was left as it was.",
        "file_reason": "{source}: {reason}",
        "no_files": "the folder has no .md, .txt or .pdf files",
        "more_reasons": "; and {n} more",
        # --- why a build starts from nothing (a build's full rebuild reason; the command line and its JSON report
        # keep the English) ---
        "full_requested": "a full rebuild was requested",
        "full_no_index": "there is no index yet",
        "full_unreadable": "the previous index could not be read",
        "full_damaged": "the previous index is damaged ({problem:lower_first})",
        "index_format": "the index was written in format {found}, this version reads format {expected}",
        "index_model": "the index was built with model {found}, not {expected}",
        "index_chunking": "the chunking settings changed since the index was built",
        "index_pdf_reader": "PDFs are read differently since the index was built (tables, sections, page numbers)",
        # --- an index that cannot be opened (store.IndexError_: what is wrong; how to fix it. The command line, its
        # JSON reports and the logs keep the English) ---
        "index_error": "{problem}; {fix}.",
        "fix_build": "build it with `{command}`",
        "fix_rebuild": "rebuild with `{command}`",
        "index_missing": "No index in {where}",
        "index_manifest_damaged": "The index manifest is missing or damaged",
        "index_manifest_damaged_in": "The index manifest in {where} is missing or damaged",
        "index_cannot_be_used": "The index cannot be used: {problem}",
        "index_cannot_be_used_in": "The index in {where} cannot be used: {problem}",
        "index_file_damaged": "The index file {file} is damaged or was changed since it was built",
        "index_unreadable": "The index could not be read ({error})",
        "index_files_disagree": "The index files disagree with each other",
        "milvus_where": "Milvus ({uri}, collection {collection})",
        "milvus_bad_name": "The Milvus collection name {name} is not valid",
        "fix_milvus_name": "use letters, digits and underscores (ASSISTANT_MILVUS_COLLECTION)",
        "milvus_bad_lexical": "ASSISTANT_MILVUS_LEXICAL is {value}",
        "fix_milvus_lexical": "use one of {modes}",
        "milvus_unreadable": "The Milvus collection {collection} could not be read ({error})",
        "milvus_count": "The Milvus collection {collection} holds {found:count} live chunks where its manifest "
                        "lists {expected:count}",
        "milvus_lite_in_use": "The Milvus Lite database {lite} is open in another process (a chat or a build)",
        "fix_lite_in_use": "stop that process, or share the database by running `milvus-lite server --data-dir {lite} "
                           "--port 19530` and setting ASSISTANT_MILVUS_URI=http://127.0.0.1:19530 for both",
        "milvus_lite_unopened": "The Milvus Lite database {lite} could not be opened ({error})",
        "fix_check_path": "check the path",
        "milvus_unreachable": "Milvus at {uri} could not be reached ({error})",
        "fix_milvus_server": "check that the server is running and the URI and ASSISTANT_MILVUS_TOKEN are right",
        # --- uploads and removals refused ---
        "upload_no_name": "The file has no name; give it a name ending in .md, .txt or .pdf and upload it again.",
        "upload_control": "The file name contains control characters (such as NUL); rename the file and upload it "
                          "again.",
        "upload_folders": "The file name '{name}' contains folder parts; rename it to a plain name such as "
                          "'{plain}' and upload it again.",
        "upload_hidden": "The file name '{name}' starts with a dot, which makes it a hidden file that is never "
                         "indexed; rename it and upload it again.",
        "upload_type": "'{name}' is not a .md, .txt or .pdf file; only those can be added to the documents.",
        "upload_no_letters": "The file name '{name}' has no letters or digits before '{suffix}'; rename it and "
                             "upload it again.",
        "upload_too_large": "'{name}' is {size} MB, over the {limit} MB limit; split it into smaller files and "
                            "upload those.",
        "upload_empty": "'{name}' is empty; there is nothing in it to index.",
        "upload_not_pdf": "'{name}' is named .pdf but is not a PDF (it does not start with %PDF-); export it as a "
                          "real PDF and upload it again.",
        "upload_not_text": "'{name}' cannot be read as text ({problem}).",
        "upload_blank": "'{name}' holds only white space; there is nothing in it to index.",
        "upload_no_folder": "The documents folder {folder} does not exist; create it and try again.",
        "upload_outside": "'{name}' would be saved outside the documents folder; refused.",
        "upload_exists": "A document named '{name}' already exists; choose to replace existing files, or rename "
                         "the file, and upload it again.",
        "remove_unknown": "'{name}' is not a document in the corpus; pick one from the list.",
        "remove_outside": "'{name}' points outside the documents folder; it was not removed.",
        "remove_gone": "'{name}' is no longer in the documents folder; rebuild the index to forget it.",
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
        "go_on_nothing": "no hay una respuesta anterior con la que seguir: pregunte lo que quiera saber",
        "small_talk_greeting": "Hola. Pregúnteme lo que dicen los documentos: cada respuesta es una oración citada "
                               "de ellos, con su fuente.",
        "small_talk_thanks": "De nada. Haga otra pregunta cuando quiera.",
        "small_talk_ack": "Haga otra pregunta cuando quiera.",
        "small_talk_about": "Respondo preguntas sobre los documentos de esta carpeta con sus propias oraciones, "
                            "citadas palabra por palabra, cada una con su fuente; cuando no lo dicen, lo digo. "
                            "Después de una respuesta, «Cuénteme más» da la oración que sigue.",
        "go_on_unanswered": "la pregunta anterior no obtuvo respuesta con la que seguir: hágala con otras palabras, "
                            "o pregunte otra cosa",
        "go_on_end": "el pasaje citado en la última respuesta termina ahí, con su sección: pregunte lo que quiera "
                     "saber a continuación",
        "go_on_end_next": "el pasaje citado en la última respuesta termina ahí, con su sección; la sección "
                          "siguiente es «{section}»: pregunte por ella, o por lo que quiera saber a continuación",
        "not_close": "ningún pasaje responde a la pregunta con suficiente precisión",
        "off_topic": "ningún pasaje trata de lo que pregunta",
        "negation_missing": "la pregunta busca lo que no es así, y el pasaje más cercano no dice nada parecido",
        "qualifier_swapped": "el pasaje más cercano califica lo que la pregunta nombra con otra palabra (otro "
                             "número, orden o nombre), así que trata de otra cosa",
        "unknown_term": "la pregunta nombra algo que los documentos nunca mencionan",
        "unknown_named": "los documentos nunca mencionan {terms}; revise cómo se escribe, o añada un documento que "
                         "lo mencione",
        "unknown_number": "los documentos nunca mencionan {terms}; pregunte por un número o un año que den, o añada "
                          "un documento que lo mencione",
        "number_missing": "el pasaje más cercano no menciona el número o el año por el que se pregunta",
        "type_missing": "el pasaje más cercano no da el tipo de dato que se pide (una fecha, un número, un nombre)",
        "author_unsaid": "ningún pasaje encontrado dice quién escribió el documento",
        "date_unsaid": "ningún pasaje encontrado dice cuándo se escribió el documento",
        "conclusion_unsaid": "no se encontró en el documento una sección de conclusiones o resultados",
        "no_document": "Ningún documento de la carpeta trata de {names}, así que los documentos no pueden responder "
                       "a esto.",
        "no_quarter": "Ningún documento de la carpeta cubre {quarter} de {company}, así que los documentos no pueden "
                      "responder a esto; pregunte por un trimestre que sus documentos cubran.",
        "or": "o",
        "nor": "ni",
        "quoted": "«{text}»",
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
        "tell_me_more": "Cuénteme más",
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
        "indexing_meanwhile": "Indexando los cambios hechos mientras tanto",
        "indexing_failed": "La indexación falló de forma inesperada ({kind}: {error}).",
        "model_unloadable": "No se pudo cargar el modelo de lenguaje ({kind}: {error}); reinstale con `make install`.",
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
        # --- why a file was not indexed, and notes on one that was ---
        "size": "{number} {unit}",
        "read_changing": "el archivo siguió cambiando mientras se leía; vuelva a indexar cuando termine de "
                         "guardarse",
        "read_gone": "el archivo desapareció mientras se leía; vuelva a indexar cuando esté otra vez en la carpeta",
        "read_denied": "no se puede leer el archivo ({error}); revise sus permisos",
        "read_link": "el archivo fue reemplazado por un enlace simbólico mientras se indexaba; se rechazó",
        "file_empty": "el archivo está vacío",
        "file_blank": "el archivo solo contiene espacios en blanco",
        "bad_utf16": "el archivo dice estar en UTF-16 pero no lo está; vuelva a guardarlo como UTF-8",
        "file_binary": "el archivo parece binario, no texto; guárdelo como .md, .txt o .pdf",
        "unknown_encoding": "no se reconoce la codificación del texto del archivo; vuelva a guardarlo como UTF-8",
        "decoded_utf16": "leído como UTF-16",
        "decoded_no_bom": "leído como {encoding} (sin marca de orden de bytes)",
        "decoded_legacy": "no es UTF-8 válido; leído como {encoding}",
        "scan_folder_link": "enlace simbólico a una carpeta; se rechazó, copie la carpeta misma",
        "scan_bad_name": "el nombre del archivo no es UTF-8 válido; cámbiele el nombre",
        "scan_outside_link": "enlace simbólico a un archivo fuera de la carpeta de documentos; se rechazó",
        "scan_unsupported": "tipo de archivo '{suffix}' no admitido; solo se indexan archivos .md, .txt y .pdf",
        "scan_unreadable": "no se puede leer ({error}); compruebe que existe",
        "scan_not_regular": "no es un archivo normal (es una tubería, un dispositivo o una carpeta); se rechazó",
        "scan_too_large": "supera el límite de {limit} ({size}); divídalo o aumente el límite",
        "not_pdf": "el archivo tiene extensión .pdf pero no es un PDF; compruebe qué es y cámbiele el nombre",
        "pdf_password": "el PDF está protegido con contraseña y se omitió; quítele la contraseña para indexarlo",
        "pdf_needs_cryptography": "el PDF está cifrado y necesita el paquete 'cryptography'; reinstale con "
                                  "`make install`",
        "pdf_damaged": "el PDF está dañado o incompleto y no se puede abrir ({error}); expórtelo o descárguelo de "
                       "nuevo",
        "pdf_too_complex": "el PDF es demasiado grande o complejo para leerlo con seguridad, incluso con límites más "
                           "altos; divídalo en archivos más pequeños",
        "pdf_no_text": "el PDF no tiene texto extraíble (¿está escaneado?); aplíquele OCR primero",
        "pdf_raised_limits": "superó los límites de seguridad predeterminados de pypdf; se leyó con límites más "
                             "altos",
        "pdf_page_unextracted": "página {number}: no se pudo extraer el texto ({error})",
        "pdf_pages_unread": "las páginas {pages} no se pudieron leer ni con pdfium ni con pypdf ({problem})",
        "pdf_page_fallback": "página {pages} leída con pypdf: pdfium no pudo cargarla",
        "pdf_pages_fallback": "páginas {pages} leídas con pypdf: pdfium no pudo cargarlas",
        "pdf_read_with_pypdf": "leído con pypdf: {why}",
        "pdfium_unopened": "pdfium no pudo abrirlo ({error})",
        "reader_crashed": "el lector de PDF falló con este archivo; ábralo en otro programa y vuelva a guardarlo (o "
                          "imprímalo como PDF)",
        "file_unreadable": "no se pudo leer el archivo ({error}); compruebe que se abre en otro programa",
        "kept_previous": "se conserva la versión indexada antes hasta que el archivo se pueda leer de nuevo",
        "no_text": "no se encontró texto que indexar en el archivo",
        "untranslated": "indexado sin traducciones al inglés, así que las preguntas en inglés pueden no "
                        "encontrarlo: {problem}",
        "nothing_to_index": "No se pudo indexar nada en {corpus} ({reasons}{more}); añada archivos .md, .txt o .pdf "
                            "legibles y vuelva a indexar. El índice anterior, si había uno, quedó como estaba.",
        "file_reason": "{source}: {reason}",
        "no_files": "la carpeta no tiene archivos .md, .txt ni .pdf",
        "more_reasons": "; y {n} más",
        # --- why a build starts from nothing ---
        "full_requested": "se pidió una reconstrucción completa",
        "full_no_index": "todavía no hay índice",
        "full_unreadable": "no se pudo leer el índice anterior",
        "full_damaged": "el índice anterior está dañado ({problem:lower_first})",
        "index_format": "el índice se escribió en el formato {found} y esta versión lee el formato {expected}",
        "index_model": "el índice se creó con el modelo {found}, no con {expected}",
        "index_chunking": "la configuración de la fragmentación cambió desde que se creó el índice",
        "index_pdf_reader": "los PDF se leen de otra manera desde que se creó el índice (tablas, secciones, números "
                            "de página)",
        # --- an index that cannot be opened ---
        "index_error": "{problem}; {fix}.",
        "fix_build": "créelo con `{command}`",
        "fix_rebuild": "reconstruya el índice con `{command}`",
        "index_missing": "No hay ningún índice en {where}",
        "index_manifest_damaged": "El manifiesto del índice falta o está dañado",
        "index_manifest_damaged_in": "El manifiesto del índice en {where} falta o está dañado",
        "index_cannot_be_used": "No se puede usar el índice: {problem}",
        "index_cannot_be_used_in": "No se puede usar el índice en {where}: {problem}",
        "index_file_damaged": "El archivo del índice {file} está dañado o se modificó después de crearse",
        "index_unreadable": "No se pudo leer el índice ({error})",
        "index_files_disagree": "Los archivos del índice no concuerdan entre sí",
        "milvus_where": "Milvus ({uri}, colección {collection})",
        "milvus_bad_name": "El nombre de colección de Milvus {name} no es válido",
        "fix_milvus_name": "use letras, dígitos y guiones bajos (ASSISTANT_MILVUS_COLLECTION)",
        "milvus_bad_lexical": "ASSISTANT_MILVUS_LEXICAL vale {value}",
        "fix_milvus_lexical": "use uno de estos valores: {modes}",
        "milvus_unreadable": "No se pudo leer la colección de Milvus {collection} ({error})",
        "milvus_count": "La colección de Milvus {collection} contiene {found:count} fragmentos vigentes, pero su "
                        "manifiesto indica {expected:count}",
        "milvus_lite_in_use": "La base de datos Milvus Lite {lite} está abierta en otro proceso (un chat o una "
                              "indexación)",
        "fix_lite_in_use": "detenga ese proceso, o comparta la base de datos ejecutando `milvus-lite server --data-dir "
                           "{lite} --port 19530` y definiendo ASSISTANT_MILVUS_URI=http://127.0.0.1:19530 en ambos",
        "milvus_lite_unopened": "No se pudo abrir la base de datos Milvus Lite {lite} ({error})",
        "fix_check_path": "compruebe la ruta",
        "milvus_unreachable": "No se pudo conectar con Milvus en {uri} ({error})",
        "fix_milvus_server": "compruebe que el servidor está en marcha y que la URI y ASSISTANT_MILVUS_TOKEN son "
                             "correctos",
        # --- uploads and removals refused ---
        "upload_no_name": "El archivo no tiene nombre; póngale un nombre que termine en .md, .txt o .pdf y vuelva a "
                          "subirlo.",
        "upload_control": "El nombre del archivo contiene caracteres de control (como NUL); cámbiele el nombre y "
                          "vuelva a subirlo.",
        "upload_folders": "El nombre de archivo '{name}' incluye carpetas; cámbielo por un nombre simple como "
                          "'{plain}' y vuelva a subirlo.",
        "upload_hidden": "El nombre de archivo '{name}' empieza con un punto, lo que lo vuelve un archivo oculto que "
                         "nunca se indexa; cámbiele el nombre y vuelva a subirlo.",
        "upload_type": "'{name}' no es un archivo .md, .txt ni .pdf; solo esos se pueden añadir a los documentos.",
        "upload_no_letters": "El nombre de archivo '{name}' no tiene letras ni dígitos antes de '{suffix}'; "
                             "cámbiele el nombre y vuelva a subirlo.",
        "upload_too_large": "'{name}' pesa {size} MB, más que el límite de {limit} MB; divídalo en archivos más "
                            "pequeños y súbalos.",
        "upload_empty": "'{name}' está vacío; no tiene nada que indexar.",
        "upload_not_pdf": "'{name}' tiene extensión .pdf pero no es un PDF (no empieza con %PDF-); expórtelo como un "
                          "PDF de verdad y vuelva a subirlo.",
        "upload_not_text": "'{name}' no se puede leer como texto ({problem}).",
        "upload_blank": "'{name}' solo contiene espacios en blanco; no tiene nada que indexar.",
        "upload_no_folder": "La carpeta de documentos {folder} no existe; créela y vuelva a intentarlo.",
        "upload_outside": "'{name}' se guardaría fuera de la carpeta de documentos; se rechazó.",
        "upload_exists": "Ya existe un documento llamado '{name}'; elija reemplazar los documentos con el mismo "
                         "nombre, o cambie el nombre del archivo, y vuelva a subirlo.",
        "remove_unknown": "'{name}' no es un documento de la carpeta; elija uno de la lista.",
        "remove_outside": "'{name}' apunta fuera de la carpeta de documentos; no se eliminó.",
        "remove_gone": "'{name}' ya no está en la carpeta de documentos; reconstruya el índice para olvidarlo.",
    },
}


LANGUAGES = {"en": "English", "es": "Español"}


class Said(str):
    """One of these texts in English, which remembers its key and values so that a page can write it in its own
    language (`in_language`). A str, so whoever only prints or compares it needs nothing else: a build's status
    messages and its reasons for passing a file over are Said, which the command line prints and the chat shows in
    Spanish.

    A value is written in the text's language too: a Said in that language, a Decimal with a decimal comma in
    Spanish ("2,3"), a tuple as its items separated by "; "; anything else as it is."""

    key: str
    values: dict

    def __new__(cls, key: str, **values: object) -> "Said":
        said = super().__new__(cls, _written_text(key, "en", values))
        said.key, said.values = key, values
        return said

    def in_language(self, language: str) -> str:
        return _written_text(self.key, language, self.values)

    def __reduce__(self):  # pickled and copied as its key and values, not as its English
        return _said, (self.key, self.values)

    def to_json(self) -> dict:
        """Its key and values as JSON, which said_from_json makes the Said again: {"key": "scan_too_large",
        "values": {"limit": {"key": "size", "values": {"number": {"decimal": "9.8"}, "unit": "KB"}}, ...}}.
        A value that is a Said is written so too, a Decimal as {"decimal": "9.8"}, a tuple as a list, a str,
        int, float, bool or None as it is, anything else as its text; "values" is left out when there are none."""
        found = {"key": self.key}
        if self.values:
            found["values"] = {name: _json_value(value) for name, value in self.values.items()}
        return found


def _said(key: str, values: dict) -> Said:
    return Said(key, **values)


def _json_value(value: object) -> object:
    if isinstance(value, Said):
        return value.to_json()
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, str):
        return str(value)  # plain text, whatever str subclass it was
    return value if value is None or isinstance(value, (int, float, bool)) else str(value)


def said_from_json(data: object) -> Said:
    """The Said that Said.to_json wrote. ValueError when data is not one (a hand-edited or foreign file, or a key
    or placeholder this version does not have), so whoever reads it can fall back on the English it kept."""
    try:
        return _from_json(data)
    except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, RecursionError) as exc:
        raise ValueError(f"not a message: {exc.__class__.__name__}: {exc}") from None


def _from_json(data: object) -> Said:
    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or data["key"] not in TEXTS["en"]:
        raise ValueError("no known key")
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise ValueError("values are not an object")
    missing = {name for _, name, _, _ in Formatter().parse(TEXTS["en"][data["key"]]) if name} - set(values)
    if missing:
        raise ValueError(f"no value for {', '.join(sorted(missing))}")
    return Said(data["key"], **{str(name): _value_from_json(value) for name, value in values.items()})


def _value_from_json(value: object) -> object:
    if isinstance(value, dict):
        if "key" in value:
            return _from_json(value)
        if isinstance(value.get("decimal"), str) and len(value) == 1:
            return Decimal(value["decimal"])
        raise ValueError("an object that is neither a message nor a decimal")
    if isinstance(value, list):
        return tuple(_value_from_json(item) for item in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError(f"a value of type {type(value).__name__}")


def in_language(message: str, language: str) -> str:
    """A Said written in the language; any other text as it is."""
    return message.in_language(language) if isinstance(message, Said) else message


def _written(value: object, language: str) -> object:
    if isinstance(value, Said):
        return value.in_language(language)
    if isinstance(value, Decimal):
        return str(value).replace(".", ",") if language == "es" else str(value)
    if isinstance(value, tuple):
        return "; ".join(str(_written(item, language)) for item in value)
    return value


def _written_text(key: str, language: str, values: dict) -> str:
    return text(key, language, **{name: _written(value, language) for name, value in values.items()})


class _TextFormatter(Formatter):
    """str.format in one language, and two formats of its own: {problem:lower_first} writes the value with its first
    letter in lower case, for a sentence of its own ("The index file x is damaged") that is quoted inside another;
    {found:count} writes a whole number as Spanish does (as ui.count does: "2000", and "12 000" from five digits on,
    with a no-break space), and leaves it as it is in English, whose sentences the command line, its JSON reports
    and the logs keep as they were ("12000"). A value that is no whole number is written as it is."""

    def __init__(self, language: str):
        super().__init__()
        self.language = language

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec == "lower_first":
            written = format(value)
            return written[:1].lower() + written[1:]
        if format_spec == "count":
            if self.language == "es" and isinstance(value, int) and not isinstance(value, bool) and \
                    abs(value) >= 10_000:
                return f"{value:,}".replace(",", "\u00a0")
            return format(value)
        return super().format_field(value, format_spec)


_FORMATTERS = {language: _TextFormatter(language) for language in TEXTS}


def text(key: str, language: str = "en", **values: object) -> str:
    """The text for key in the language (English when there is none), with its {placeholders} filled in."""
    if language not in TEXTS:
        language = "en"
    found = TEXTS[language][key]
    return _FORMATTERS[language].format(found, **values) if values else found
