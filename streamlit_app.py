"""The web chat: ask the documents, check each cited passage, and keep the index in step from the sidebar."""

from __future__ import annotations

import os

# Strictly offline: the model ships inside a Python package and nothing may be fetched.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import io  # noqa: E402

import streamlit as st  # noqa: E402

from assistant import ui, uploads  # noqa: E402
from assistant.assistant import Assistant, QuestionError, Status, index_status  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embedding import ModelUnavailable  # noqa: E402
from assistant.pdf_view import PdfViewError, render_page  # noqa: E402
from assistant.reader import ReaderSettings  # noqa: E402
from assistant.store import BuildBusy, IndexError_, NothingToIndex, live_dir  # noqa: E402

MAX_SOURCES = ReaderSettings().max_citations
SUGGESTIONS = 4
CSS = """<style>
.qa-answer {font-size: 1.05rem; line-height: 1.6;}
.qa-marker {font-weight: 600; opacity: 0.7;}
.qa-passage {line-height: 1.55; overflow-wrap: anywhere;}
.qa-passage mark {background: #ffe08a; color: #1f2328; padding: 0 2px; border-radius: 3px;}
</style>"""


# --- resources shared by every session of this server ---------------------------------------

@st.cache_resource(show_spinner="Loading the language model…")
def load_embedder():
    from assistant.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.encode_query("warm up")  # load the weights now, so the first question is not the slow one
    return embedder


@st.cache_resource(show_spinner=False)
def load_assistant(corpus: str, index: str) -> Assistant:
    """One facade per corpus and index folder; its index is loaded on first use and after each rebuild."""
    return Assistant(Settings.from_env(corpus, index), load_embedder())


@st.cache_resource(show_spinner="Finding questions the documents can answer…", max_entries=16)
def answerable_suggestions(corpus: str, index: str, build: str, _assistant: Assistant) -> list[str]:
    """Suggested questions drawn from the indexed sections, kept only if the index really answers them.

    Keyed on the live build folder, so a rebuild brings fresh suggestions.
    """
    store = _assistant.store
    candidates = ui.suggested_questions(((c.source, c.section) for c in store.chunks), limit=3 * SUGGESTIONS)
    picked: list[str] = []
    for question in candidates:
        if not _assistant.ask(question).abstained:
            picked.append(question)
        if len(picked) == SUGGESTIONS:
            break
    return picked


@st.cache_data(show_spinner="Rendering the page…", max_entries=32)
def page_png(path: str, mtime_ns: int, page: int, quote: str) -> tuple[bytes, str]:
    """The page as PNG with the quote highlighted, and how it was found; mtime_ns keys out stale renders."""
    view = render_page(path, page, quote)
    buffer = io.BytesIO()
    view.image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), view.match


# --- state ------------------------------------------------------------------------------------

def init_state() -> None:
    defaults = {"turns": [], "pending_question": None, "last_update": None, "upload_round": 0,
                "remove_round": 0}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def ask_suggestion(question: str) -> None:
    st.session_state.pending_question = question


def clear_chat() -> None:
    st.session_state.turns = []


def remember_update(title: str, lines: list[tuple[str, str]]) -> None:
    """Keep the outcome of a build, upload or removal to show in the sidebar until the next one."""
    st.session_state.last_update = {"title": title, "lines": lines}


# --- building ---------------------------------------------------------------------------------

def run_build(assistant: Assistant, title: str, wait: bool = False) -> bool:
    """An incremental build with visible progress; the outcome is remembered for the sidebar. True if built."""
    with st.status(ui.escape_markdown(title), expanded=True) as box:
        bar = st.progress(0.0, text="Checking which documents changed")

        def on_status(message: str) -> None:
            box.update(label=ui.escape_markdown(message))

        def on_progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Embedding {done:,} of {total:,} sentences")

        try:
            report = assistant.rebuild(status=on_status, progress=on_progress, wait=wait)
        except (BuildBusy, NothingToIndex, FileNotFoundError, IndexError_, ModelUnavailable) as exc:
            box.update(label=ui.escape_markdown(str(exc)), state="error")
            remember_update("The index was not updated", [("error", str(exc))])
            return False
        bar.progress(1.0, text="Done")
        box.update(label=ui.escape_markdown(f"Index updated in {report.seconds:.1f} s"), state="complete",
                   expanded=False)
    remember_update(f"Index updated in {report.seconds:.1f} s", ui.build_summary(report))
    return True


# --- sidebar ----------------------------------------------------------------------------------

def show_lines(lines: list[tuple[str, str]]) -> None:
    for kind, line in lines:
        text = ui.escape_markdown(line)
        {"ok": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(text)


def sidebar_status(status: Status, assistant: Assistant) -> None:
    st.header("Index")
    data = status.to_dict()
    if not status.exists:
        st.caption("No index yet.")
    else:
        docs = data["documents"]
        st.markdown(f"**{docs}** document{'' if docs == 1 else 's'} · **{data['chunks']}** chunks")
        model = (data["model"] or "").split("/")[-1]
        st.caption(ui.escape_markdown(f"Model {model} · built {ui.built_when(data['built_at'])}"))
        changes = ui.changes_sentence(data)
        if changes:
            st.warning(ui.escape_markdown(f"Out of date ({changes})."))
        else:
            st.caption("Up to date with the documents folder.")
        files = (status.manifest or {}).get("files", {})
        with st.expander(f"Documents ({len(files)})"):
            for source in sorted(files):
                title = files[source].get("title") or source
                st.markdown(ui.escape_markdown(title) + "  \n" + f"`{source.replace('`', '')}`")
            for item in data["failed"]:
                st.error(ui.escape_markdown(f"Not indexed: {item['path']}: {item['error']}"))
            for item in data["skipped"]:
                st.warning(ui.escape_markdown(f"Not indexed: {item['path']}: {item['reason']}"))
    if st.button("Rebuild index", help="Index new and changed documents; forget removed ones."):
        if run_build(assistant, "Updating the index"):
            st.rerun()
    update = st.session_state.last_update
    if update:
        st.markdown(f"**{ui.escape_markdown(update['title'])}**")
        show_lines(update["lines"])


def sidebar_upload(settings: Settings, assistant: Assistant) -> None:
    st.header("Add documents")
    limit_mb = settings.max_file_bytes // (1024 * 1024)
    files = st.file_uploader("Markdown, text or PDF files", type=[s.lstrip(".") for s in uploads.UPLOAD_SUFFIXES],
                             accept_multiple_files=True, max_upload_size=limit_mb,
                             key=f"upload-{st.session_state.upload_round}")
    replace = st.checkbox("Replace documents with the same name", key=f"replace-{st.session_state.upload_round}")
    if st.button("Add and index", disabled=not files, type="primary"):
        lines: list[tuple[str, str]] = []
        saved = 0
        for file in files:
            try:
                path = uploads.save_upload(settings.corpus, file.name, file.getvalue(), overwrite=replace,
                                           max_bytes=settings.max_file_bytes)
            except uploads.UploadError as exc:
                lines.append(("error", str(exc)))
            else:
                saved += 1
                lines.append(("ok", f"Saved {path.name}."))
        st.session_state.upload_round += 1  # a fresh uploader, so the same files are not added twice
        if saved:
            run_build(assistant, "Indexing the new documents")  # remembers its own outcome
            update = st.session_state.last_update
            remember_update(update["title"], lines + update["lines"])
        else:
            remember_update("Nothing was added", lines)
        st.rerun()


def sidebar_remove(settings: Settings, status: Status, assistant: Assistant) -> None:
    present = sorted(status.diff.files) if status.diff else []
    if not present:
        return
    st.header("Remove a document")
    suffix = st.session_state.remove_round
    choice = st.selectbox("Document", present, index=None, placeholder="Choose a document",
                          key=f"remove-choice-{suffix}", label_visibility="collapsed")
    confirm = st.checkbox("Delete the file from the documents folder", key=f"remove-confirm-{suffix}",
                          disabled=choice is None)
    if st.button("Remove and update the index", disabled=not (choice and confirm)):
        st.session_state.remove_round += 1
        if len(present) == 1:
            # The index cannot be empty, so removing the last file would leave it answering from that file.
            remember_update("Nothing was removed", [("error", f"'{choice}' is the only document; add another "
                                                              "document before removing it.")])
            st.rerun()
        try:
            uploads.remove_document(settings.corpus, choice)
        except uploads.UploadError as exc:
            remember_update("Nothing was removed", [("error", str(exc))])
        else:
            if run_build(assistant, f"Removing {choice} from the index"):
                update = st.session_state.last_update
                remember_update(update["title"], [("ok", f"Deleted {choice}.")] + update["lines"])
        st.rerun()


def sidebar_chat_controls(box) -> None:
    """Clear and download, drawn after the question of this run is answered, so the transcript includes it."""
    turns = st.session_state.turns
    left, right = box.columns(2)
    left.button("Clear chat", on_click=clear_chat, disabled=not turns)
    right.download_button("Download transcript", data=ui.transcript_markdown(turns), file_name="transcript.md",
                          mime="text/markdown", on_click="ignore", disabled=not turns)


# --- the chat ---------------------------------------------------------------------------------

def show_pdf_page(settings: Settings, citation, key: str) -> None:
    path = (settings.corpus / citation.source).resolve()
    if not path.is_relative_to(settings.corpus.resolve()):
        return
    if not st.toggle(f"Show page {citation.page} with the sentence highlighted", key=key):
        return
    try:
        png, match = page_png(str(path), path.stat().st_mtime_ns, citation.page, citation.quote)
    except FileNotFoundError:
        st.error(ui.escape_markdown(f"{citation.source} is no longer in the documents folder; rebuild the index."))
        return
    except PdfViewError as exc:
        st.error(ui.escape_markdown(str(exc)))
        return
    notes = {"exact": "The highlighted text is the quoted sentence.",
             "approximate": "The page's text differs a little from the index; the closest stretch is highlighted.",
             "": "The sentence could not be located on the page; the whole page is shown."}
    st.image(png, caption=notes[match], width="stretch")


def show_cards(settings: Settings, answer, turn: int, closest: bool) -> None:
    for citation in ui.visible_citations(answer, st.session_state.n_sources):
        with st.expander(ui.card_label(citation, closest=closest)):
            st.markdown(ui.passage_html(citation), unsafe_allow_html=True)
            st.caption(ui.card_details(citation))
            if citation.page and citation.source.lower().endswith(".pdf"):
                show_pdf_page(settings, citation, key=f"page-{turn}-{citation.n}")


def show_turn(settings: Settings, turn: ui.Turn, number: int) -> None:
    with st.chat_message("user"):
        st.markdown(ui.escape_markdown(turn.question))
    with st.chat_message("assistant"):
        show_reply(settings, turn, number)


def show_reply(settings: Settings, turn: ui.Turn, number: int) -> None:
    answer = turn.answer
    if answer is None:
        st.warning(ui.escape_markdown(turn.error))
        return
    if answer.abstained:
        st.markdown(f"**{ui.ABSTAINED}**")  # our own sentence: nothing to escape
        if answer.message:
            st.caption(ui.escape_markdown(f"Why: {answer.message}."))
        if answer.citations:
            st.caption(ui.CLOSEST)
            show_cards(settings, answer, number, closest=True)
        return
    st.markdown(ui.answer_html(answer), unsafe_allow_html=True)
    st.caption("Sources")
    show_cards(settings, answer, number, closest=False)


def answer_question(assistant: Assistant, question: str) -> ui.Turn:
    history = [t.question for t in st.session_state.turns if t.answer is not None]
    try:
        return ui.Turn(question, answer=assistant.ask(question, history=history))
    except QuestionError as exc:
        return ui.Turn(question, error=str(exc))
    except IndexError_ as exc:
        return ui.Turn(question, error=f"The index cannot be used ({exc}); press Rebuild index in the sidebar.")


def knowledge_line(status: Status) -> str:
    files = (status.manifest or {}).get("files", {})
    titles = [files[s].get("title") or s for s in sorted(files)]
    if not titles:
        return "No documents are indexed yet: add some in the sidebar."
    shown = ", ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")
    noun = "document" if len(titles) == 1 else "documents"
    return f"Answers are quoted word for word from {len(titles)} {noun}: {shown}."


def stale_banner(status: Status, assistant: Assistant) -> None:
    changes = ui.changes_sentence(status.to_dict())
    if not (status.exists and changes):
        return
    st.warning(ui.escape_markdown(f"The documents changed since the index was built ({changes}). "
                                  "Answers may miss the changes until the index is rebuilt."))
    if st.button("Rebuild now", type="primary"):
        if run_build(assistant, "Updating the index"):
            st.rerun()


def main() -> None:
    st.set_page_config(page_title="Ask your documents", page_icon="📄")
    st.markdown(CSS, unsafe_allow_html=True)
    init_state()
    settings = Settings.from_env()
    st.title("Ask your documents")

    status = index_status(settings)
    if status.diff is None:  # the corpus folder itself is missing
        st.error(ui.escape_markdown(status.problem))
        st.stop()
    assistant = load_assistant(str(settings.corpus), str(settings.index))
    if not status.exists or status.problem:
        reason = "Building the index for the first time" if not status.exists else \
            f"Rebuilding the index: {status.problem}"
        run_build(assistant, reason, wait=True)  # wait: another session may be building the same index
        status = index_status(settings)

    ready = False
    if status.exists and not status.problem:
        try:
            if assistant.store.folder != live_dir(settings.index):
                assistant.reload()  # rebuilt by another process (the CLI); serve the new index
            ready = True
        except IndexError_ as exc:
            st.error(ui.escape_markdown(f"{exc} Press Rebuild index in the sidebar."))

    with st.sidebar:
        sidebar_status(status, assistant)
        sidebar_upload(settings, assistant)
        sidebar_remove(settings, status, assistant)
        chat_box = st.container()
        chat_box.header("Chat")
        chat_box.slider("Sources to show per answer", 1, MAX_SOURCES, MAX_SOURCES, key="n_sources")

    st.caption(ui.escape_markdown(knowledge_line(status)))
    stale_banner(status, assistant)
    if not ready:
        if status.exists is False:
            st.info("Add a .md, .txt or .pdf document in the sidebar to start.")
        st.chat_input("Ask a question about the documents", disabled=True)
        sidebar_chat_controls(chat_box)
        return

    turns: list[ui.Turn] = st.session_state.turns
    for number, turn in enumerate(turns):
        show_turn(settings, turn, number)

    question = st.chat_input("Ask a question about the documents", max_chars=settings.max_question_chars)
    if not question and st.session_state.pending_question:
        question, st.session_state.pending_question = st.session_state.pending_question, None
    if not turns and not question:
        build = str(assistant.store.folder)
        suggestions = answerable_suggestions(str(settings.corpus), str(settings.index), build, assistant)
        if suggestions:
            st.caption("Try one of these:")
            for i, suggestion in enumerate(suggestions):
                st.button(suggestion, key=f"suggestion-{i}", on_click=ask_suggestion, args=(suggestion,))
    if question:
        with st.chat_message("user"):
            st.markdown(ui.escape_markdown(question))
        with st.chat_message("assistant"):
            with st.spinner("Searching the documents…"):
                turn = answer_question(assistant, question)
            show_reply(settings, turn, len(turns))
        turns.append(turn)
    sidebar_chat_controls(chat_box)


main()
