"""The web chat: ask the documents, check each cited passage, and keep the index in step from the sidebar."""

from __future__ import annotations

import os

# Strictly offline: the model ships inside a Python package and nothing may be fetched.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import functools  # noqa: E402
import io  # noqa: E402

import streamlit as st  # noqa: E402

from assistant import messages, ui, uploads  # noqa: E402
from assistant.answer_model import ReaderModelUnavailable  # noqa: E402
from assistant.assistant import QuestionError, Status, index_status  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embedding import ModelUnavailable  # noqa: E402
from assistant.nlp import NlpUnavailable  # noqa: E402
from assistant.pdf_view import PdfViewError, render_page  # noqa: E402
from assistant.reader import ReaderSettings  # noqa: E402
from assistant.service import ChatService, Job  # noqa: E402
from assistant.store import IndexError_  # noqa: E402
from assistant.translate import TranslationUnavailable  # noqa: E402

MAX_SOURCES = ReaderSettings().max_citations
SUGGESTIONS = 4
POLL_BUSY_S, POLL_IDLE_S = 1.0, 5.0  # how often a page looks for progress, and for runs started elsewhere
SHOWN_QUESTION_CHARS = 600  # a longer question is shown cut, with its length
CSS = """<style>
.qa-answer {font-size: 1.05rem; line-height: 1.6;}
.qa-marker {font-weight: 600; opacity: 0.7;}
.qa-translation {font-size: 0.95rem; opacity: 0.8; margin-top: 0.3rem;}
.qa-label {font-weight: 600;}
.qa-phrase {font-weight: 700;}
.qa-passage {line-height: 1.55; overflow-wrap: anywhere;}
.qa-answer code, .qa-passage code {font-family: monospace; white-space: pre-wrap; font-size: 0.92em;}
.qa-passage mark, .qa-marked td {background: #ffe08a; color: #1f2328; padding: 0 2px; border-radius: 3px;}
table.qa-row {border-collapse: collapse; margin: 0.2rem 0; font-size: 0.95rem; width: auto;}
table.qa-row th, table.qa-row td {border: none; padding: 0.15rem 0.9rem 0.15rem 0; vertical-align: top;
  text-align: left;}
table.qa-row th {font-weight: 600; opacity: 0.75; white-space: nowrap;}
</style>"""


# --- resources shared by every session of this server ---------------------------------------

@st.cache_resource(show_spinner=False)
def shared_embedder():
    """The model, shared by every corpus this server serves; the service loads it in the background."""
    from assistant.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@st.cache_resource(show_spinner=False)
def chat_service(corpus: str, index: str) -> ChatService:
    """One service per corpus and index folder: the facade, and the indexing runs every tab sees."""
    return ChatService(Settings.from_env(corpus, index), shared_embedder(), suggestions=SUGGESTIONS)


@st.cache_data(show_spinner=False, max_entries=32)
def page_png(path: str, mtime_ns: int, page: int, quote: str) -> tuple[bytes, str]:
    """The page as PNG with the quote highlighted, and how it was found; mtime_ns keys out stale renders."""
    view = render_page(path, page, quote)
    buffer = io.BytesIO()
    view.image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), view.match


# --- state ------------------------------------------------------------------------------------

def init_state() -> None:
    defaults = {"turns": [], "pending_questions": [], "last_update": None, "upload_round": 0,
                "remove_round": 0, "seen_version": -1, "language": ui.language_of_locale(st.context.locale)}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def say(key: str, **values) -> str:
    """One of the chat's own sentences, in the language the reader chose (the browser's until they pick one)."""
    return messages.text(key, st.session_state.language, **values)


def in_page_language(message: str) -> str:
    """A messages.Said (a refused upload, say) in the reader's language; any other text as it is."""
    return messages.in_language(message, st.session_state.language)


def ask_suggestion(question: str) -> None:
    st.session_state.pending_questions.append(question)


def take_question() -> None:
    """Queue the submitted question until it is answered. A question asked while the page still draws the
    previous answer interrupts that run; the queue keeps both, in the order they were asked."""
    st.session_state.pending_questions.append(st.session_state.question)


def clear_chat() -> None:
    st.session_state.turns = []


def remember_update(title: str, lines: list[tuple[str, str]]) -> None:
    """Keep an outcome that concerns this page only (files refused, nothing removed) to show in the sidebar."""
    st.session_state.last_update = {"title": title, "lines": lines}


def start_indexing(service: ChatService, title: str, lines: list[tuple[str, str]] = ()) -> None:
    st.session_state.last_update = None  # its lines go along with the run, which every page shows
    if not service.start_indexing(title, tuple(lines)):
        remember_update(say("queued"), [("info", say("queued_line"))])


# --- progress, shown to every page --------------------------------------------------------------

def show_job(job: Job) -> None:
    with st.status(ui.escape_markdown(job.title_in(st.session_state.language)), expanded=True, state="running"):
        fraction = job.done / job.total if job.total else 0.0
        st.progress(min(1.0, fraction), text=ui.escape_markdown(job.progress_in(st.session_state.language)))
        st.caption(say("keep_asking"))


def live_panel(service: ChatService) -> None:
    """Progress of the indexing run, redrawn on its own; the whole page reruns when something it shows moved
    (a run started elsewhere or ended, the model or the suggestions became ready)."""

    @st.fragment(run_every=POLL_BUSY_S if service.busy() else POLL_IDLE_S, key="live-panel")
    def panel() -> None:
        if service.version != st.session_state.seen_version:
            st.rerun()
        job = service.job()
        if job is not None and job.running:
            show_job(job)

    panel()


# --- sidebar ----------------------------------------------------------------------------------

def show_lines(lines) -> None:
    for kind, line in lines:
        text = ui.escape_markdown(line)
        {"ok": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(text)


def sidebar_status(status: Status, service: ChatService) -> None:
    st.header(say("index"))
    data = status.to_dict()
    job = service.job()
    running = job is not None and job.running
    if not status.exists:
        st.caption(say("no_index"))
    else:
        docs = data["documents"]
        chunks = data["chunks"]
        st.markdown(f'{say("documents_one") if docs == 1 else say("documents_many", n=docs)} · '
                    f'{say("chunks_one") if chunks == 1 else say("chunks_many", n=chunks)}')
        model = (data["model"] or "").split("/")[-1]
        st.caption(ui.escape_markdown(say("model_built", model=model, built=ui.built_when(data["built_at"]))))
        changes = ui.changes_sentence(data)
        if changes and not running:
            st.warning(ui.escape_markdown(say("out_of_date", changes=changes)))
        elif not changes:
            st.caption(say("up_to_date"))
        files = (status.manifest or {}).get("files", {})
        with st.expander(say("documents", n=len(files))):
            for source in sorted(files):
                title = files[source].get("title") or source
                st.markdown(ui.escape_markdown(title) + "  \n" + f"`{source.replace('`', '')}`")
            for kind, line in ui.not_indexed_lines(status.problems("failed"), status.problems("skipped"),
                                                   st.session_state.language):
                (st.error if kind == "error" else st.warning)(ui.escape_markdown(line))
    if running:
        language = st.session_state.language
        st.caption(ui.escape_markdown(f"{job.title_in(language)}: {job.progress_in(language)}."))
    if st.button(say("rebuild"), help=say("rebuild_help")):
        start_indexing(service, say("updating"))
        st.rerun()
    update = st.session_state.last_update
    if update:
        st.markdown(f"**{ui.escape_markdown(update['title'])}**")
        show_lines(update["lines"])
    if job is not None and not job.running:
        st.markdown(f"**{ui.escape_markdown(ui.job_outcome(job, st.session_state.language))}**")
        show_lines(ui.job_lines(job, st.session_state.language))


def sidebar_upload(settings: Settings, service: ChatService) -> None:
    st.header(say("add_documents"))
    limit_mb = settings.max_file_bytes // (1024 * 1024)
    files = st.file_uploader(say("file_types"), type=[s.lstrip(".") for s in uploads.UPLOAD_SUFFIXES],
                             accept_multiple_files=True, max_upload_size=limit_mb,
                             key=f"upload-{st.session_state.upload_round}")
    replace = st.checkbox(say("replace"), key=f"replace-{st.session_state.upload_round}")
    if st.button(say("add_and_index"), disabled=not files, type="primary"):
        lines: list[tuple[str, str]] = []
        saved = 0
        for file in files:
            try:
                path = uploads.save_upload(settings.corpus, file.name, file.getvalue(), overwrite=replace,
                                           max_bytes=settings.max_file_bytes)
            except uploads.UploadError as exc:
                lines.append(("error", in_page_language(exc.message)))
            else:
                saved += 1
                lines.append(("ok", say("saved", name=path.name)))
        st.session_state.upload_round += 1  # a fresh uploader, so the same files are not added twice
        if saved:
            start_indexing(service, say("indexing_new"), lines)
        else:
            remember_update(say("nothing_added"), lines)
        st.rerun()


def sidebar_remove(settings: Settings, status: Status, service: ChatService) -> None:
    present = sorted(status.diff.files) if status.diff else []
    if not present:
        return
    st.header(say("remove_document"))
    suffix = st.session_state.remove_round
    choice = st.selectbox("Document", present, index=None, placeholder=say("choose_document"),
                          key=f"remove-choice-{suffix}", label_visibility="collapsed")
    confirm = st.checkbox(say("delete_file"), key=f"remove-confirm-{suffix}",
                          disabled=choice is None)
    if st.button(say("remove_and_update"), disabled=not (choice and confirm)):
        st.session_state.remove_round += 1
        if len(present) == 1:
            # The index cannot be empty, so removing the last file would leave it answering from that file.
            remember_update(say("nothing_removed"), [("error", say("only_document", name=choice))])
            st.rerun()
        try:
            uploads.remove_document(settings.corpus, choice)
        except uploads.UploadError as exc:
            remember_update(say("nothing_removed"), [("error", in_page_language(exc.message))])
        else:
            start_indexing(service, say("removing", name=choice), [("ok", say("deleted", name=choice))])
        st.rerun()


def sidebar_chat_controls(box) -> None:
    """Download and clear, drawn after the question of this run is answered, so the transcript includes it.

    One above the other: side by side, the sidebar is too narrow for "Download transcript"."""
    turns = st.session_state.turns
    box.download_button(say("download"), data=ui.transcript_markdown(turns), file_name="transcript.md",
                        mime="text/markdown", on_click="ignore", disabled=not turns, width="stretch")
    box.button(say("clear"), on_click=clear_chat, disabled=not turns, width="stretch")


# --- the chat ---------------------------------------------------------------------------------

def show_pdf_page(settings: Settings, citation, key: str, language: str) -> None:
    path = (settings.corpus / citation.source).resolve()
    if not path.is_relative_to(settings.corpus.resolve()):
        return
    in_answer = functools.partial(messages.text, language=language)  # the answer's language, not the chat's
    if not st.toggle(in_answer("show_page", page=citation.page), key=key):
        return
    try:
        with st.spinner(in_answer("rendering")):
            png, match = page_png(str(path), path.stat().st_mtime_ns, citation.page, citation.quote)
    except FileNotFoundError:
        st.error(ui.escape_markdown(in_answer("file_gone", source=citation.source)))
        return
    except PdfViewError as exc:
        st.error(ui.escape_markdown(str(exc)))
        return
    notes = {"exact": in_answer("highlight_exact"), "approximate": in_answer("highlight_approximate"),
             "": in_answer("highlight_none")}
    st.image(png, caption=notes[match], width="stretch")


def show_cards(settings: Settings, answer, turn: int, closest: bool) -> None:
    for citation in ui.visible_citations(answer, st.session_state.n_sources):
        with st.expander(ui.card_label(citation, closest=closest, language=answer.language)):
            st.markdown(ui.passage_html(citation), unsafe_allow_html=True)
            st.caption(ui.card_details(citation, answer.language))
            if citation.page and citation.source.lower().endswith(".pdf"):
                show_pdf_page(settings, citation, key=f"page-{turn}-{citation.n}", language=answer.language)


def show_question(question: str) -> None:
    if len(question) > SHOWN_QUESTION_CHARS:
        st.markdown(ui.escape_markdown(question[:SHOWN_QUESTION_CHARS]) + " …")
        st.caption(say("characters", n=ui.count(len(question), st.session_state.language)))
    else:
        st.markdown(ui.escape_markdown(question))


def show_turn(settings: Settings, turn: ui.Turn, number: int) -> None:
    with st.chat_message("user"):
        show_question(turn.question)
    with st.chat_message("assistant"):
        show_reply(settings, turn, number)


def show_reply(settings: Settings, turn: ui.Turn, number: int) -> None:
    answer = turn.answer
    if turn.note:
        st.caption(ui.escape_markdown(turn.note))
    if answer is None:
        st.warning(ui.escape_markdown(turn.error))
        return
    if answer.conversational:  # "Hi", "Thanks": our own reply, no quote and nothing to find
        st.markdown(ui.escape_markdown(answer.message))
        return
    if answer.read_as:
        st.caption(ui.read_as_caption(answer))
    if answer.abstained:
        st.markdown(f"**{ui.fixed('abstained', answer)}**")  # our own sentence: nothing to escape
        if answer.message:
            st.caption(ui.escape_markdown(f"{ui.fixed('why', answer)}: {answer.message}."))
        if answer.citations:
            st.caption(ui.fixed("closest", answer))
            show_cards(settings, answer, number, closest=True)
        return
    st.markdown(ui.answer_html(answer), unsafe_allow_html=True)
    if answer.translation is not None:
        st.markdown(ui.translation_html(answer), unsafe_allow_html=True)
    st.caption(ui.fixed("sources", answer))
    show_cards(settings, answer, number, closest=False)


def answer_question(service: ChatService, question: str) -> ui.Turn:
    history = [t.question for t in st.session_state.turns if t.answer is not None]
    try:
        if not service.model_ready.is_set():
            with st.spinner(say("loading_model")):
                service.model_ready.wait()
        with st.spinner(say("searching")):
            answer, note = service.ask(question, history=history, language=st.session_state.language)
        return ui.Turn(question, answer=answer, note=note)
    except QuestionError as exc:
        return ui.Turn(question, error=str(exc))
    except (ModelUnavailable, ReaderModelUnavailable, NlpUnavailable, TranslationUnavailable) as exc:
        # (the service's own sentence for a model that would not load is a Said, written in the page's language)
        return ui.Turn(question, error=in_page_language(exc.args[0] if len(exc.args) == 1 else str(exc)))
    except IndexError_ as exc:
        return ui.Turn(question, error=say("index_unusable", problem=exc.in_language(st.session_state.language)))


def knowledge_line(status: Status) -> str:
    files = (status.manifest or {}).get("files", {})
    titles = [files[s].get("title") or s for s in sorted(files)]
    if not titles:
        return say("nothing_indexed")
    shown = ", ".join(titles[:3])
    if len(titles) > 3:
        shown = say("and_more", titles=shown, n=len(titles) - 3)
    return say("knowledge_one", titles=shown) if len(titles) == 1 else say("knowledge", n=len(titles), titles=shown)


def stale_banner(status: Status, service: ChatService) -> None:
    changes = ui.changes_sentence(status.to_dict())
    job = service.job()
    if not (status.exists and changes) or (job is not None and job.running):
        return
    st.warning(ui.escape_markdown(say("stale", changes=changes)))
    if st.button(say("rebuild_now"), type="primary"):
        start_indexing(service, say("updating"))
        st.rerun()


def corpus_state(status: Status) -> tuple:
    """What an automatic build depends on: the files (names, sizes, times) and what is wrong with the index."""
    files = status.diff.files if status.diff else {}
    return tuple(sorted((s, f.size, f.mtime_ns) for s, f in files.items())), status.problem


def main() -> None:
    init_state()
    st.set_page_config(page_title=say("title"), page_icon="📄")
    st.markdown(CSS, unsafe_allow_html=True)
    settings = Settings.from_env()
    st.title(say("title"))

    try:
        status = index_status(settings)
    except IndexError_ as exc:  # the index's engine cannot be reached (a Milvus server down, a Lite folder in use)
        st.error(ui.escape_markdown(exc.in_language(st.session_state.language)))
        st.stop()
    if status.diff is None:  # the corpus folder itself is missing
        st.error(ui.escape_markdown(status.problem))
        st.stop()
    service = chat_service(str(settings.corpus), str(settings.index))
    st.session_state.seen_version = service.version
    if not status.exists or status.problem:
        title = say("first_build") if not status.exists else \
            say("rebuilding", problem=in_page_language(status.problem))  # a Said when the index is damaged
        service.start_automatic_build(title, corpus_state(status))

    # The box is drawn first (st.bottom keeps it at the foot of the page whatever the order), so a visitor can
    # type while the rest is drawn; the model and the index load in the background meanwhile.
    ready = bool(status.exists and not status.problem)
    with st.bottom:
        st.chat_input(say("placeholder"), key="question", on_submit=take_question, disabled=not ready)
        st.caption(say("limits", chars=ui.count(settings.max_question_chars, st.session_state.language)))

    with st.sidebar:
        st.radio(say("language"), list(messages.LANGUAGES), format_func=messages.LANGUAGES.get, key="language",
                 horizontal=True)
        sidebar_status(status, service)
        sidebar_upload(settings, service)
        sidebar_remove(settings, status, service)
        chat_box = st.container()
        chat_box.header(say("chat"))
        chat_box.slider(say("n_sources"), 1, MAX_SOURCES, MAX_SOURCES, key="n_sources")

    st.caption(ui.escape_markdown(knowledge_line(status)))
    if service.model_error:
        st.error(ui.escape_markdown(in_page_language(service.model_error)))
    # The progress panel shows here but is drawn last: when something it watches moved while this run
    # answered a question (the model or the suggestions became ready), its check at the end of this run
    # reruns the page at once. Drawn first, it left that to its timer, whose run right after a full run made
    # Streamlit 1.67 drop the question just asked from the page.
    panel_box = st.container()
    stale_banner(status, service)
    if not ready:
        job = service.job()
        if status.exists is False and not (job is not None and job.running):
            st.info(say("start_here"))
        sidebar_chat_controls(chat_box)
        with panel_box:
            live_panel(service)
        return

    turns: list[ui.Turn] = st.session_state.turns
    for number, turn in enumerate(turns):
        show_turn(settings, turn, number)

    pending: list[str] = st.session_state.pending_questions
    if not turns and not pending:
        suggestions = service.suggestions(st.session_state.language)
        if suggestions:
            st.caption(say("try_these"))
            for i, suggestion in enumerate(suggestions):
                st.button(suggestion, key=f"suggestion-{i}", on_click=ask_suggestion, args=(suggestion,))
    while pending:
        question = pending[0]
        with st.chat_message("user"):
            show_question(question)
        with st.chat_message("assistant"):
            try:
                turn = answer_question(service, question)
            except Exception:
                pending.pop(0)  # shown once, not again on every rerun
                raise
            # A rerun that interrupts the answer is no Exception: the question stays queued and that rerun
            # answers it. Once answered, it joins the history before it is drawn, so a rerun that interrupts
            # the drawing (a question asked meanwhile) shows it from there.
            turns.append(turn)
            pending.pop(0)
            show_reply(settings, turn, len(turns) - 1)
    last = turns[-1].answer if turns else None
    if last is not None and not last.abstained:
        # The request to go on, in the language of the answer it goes on from: the document's next sentence.
        more = messages.text("tell_me_more", last.language)
        st.button(more, key=f"more-{len(turns)}", on_click=ask_suggestion, args=(more,))
    sidebar_chat_controls(chat_box)
    with panel_box:
        live_panel(service)


main()
