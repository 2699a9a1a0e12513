"""End to end in a real browser: `streamlit run` on a free port, headless Chromium asks, opens sources, adds a
PDF and keeps asking while it is indexed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant import messages

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot.png"
AAPL = ROOT / "tests" / "fixtures" / "2022 Q3 AAPL.pdf"
QUESTION = "When was the Federal Telecommunications Institute created?"
PLACEHOLDER = "Ask a question about the documents"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Chromium is not at /usr/bin/chromium; `make browser` installs it (as root)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer its health check within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a temp copy of corpus/ and an empty index folder, through tests/gated_streamlit.py so that a
    test can hold an indexing run, or the drawing of an answer's source cards (by creating a gate file); always
    stopped afterwards."""
    base = tmp_path_factory.mktemp("browser")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    port = free_port()
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(base / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = base / "streamlit.log"
    gate, cards_gate = base / "hold-builds", base / "hold-cards"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "gated_streamlit.py"), str(gate), str(cards_gate),
             str(ROOT / "streamlit_app.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield {"url": url, "corpus": corpus, "started": started, "log": log, "gate": gate, "cards_gate": cards_gate}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
    text = log.read_text(errors="replace")
    assert "Inotify" not in text and "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def wait_for_chat(page, timeout_ms: int = 180_000, placeholder: str = PLACEHOLDER) -> None:
    page.wait_for_function(
        f"""() => {{ const box = document.querySelector('textarea[placeholder="{placeholder}"]');
                     return box && !box.disabled; }}""", timeout=timeout_ms)


def open_chat(browser, url: str, timeout_ms: int = 180_000):
    """A new page on the app, returned once the chat input is enabled (the first visit builds the index)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    wait_for_chat(page, timeout_ms)
    return page, page.get_by_placeholder(PLACEHOLDER)


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Until Streamlit's "Running…" widget is gone: the script run that drew the page has finished."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def ask(page, chat, question: str, timeout_ms: int = 60_000):
    """Ask, and return the assistant's reply once it is drawn (an answer, an abstention or a refusal)."""
    replies = page.locator('[data-testid="stChatMessage"]')
    before = replies.count()
    chat.fill(question)
    chat.press("Enter")
    page.wait_for_function(
        f"""() => {{ const m = document.querySelectorAll('[data-testid="stChatMessage"]');
                     if (m.length < {before + 2}) return false;
                     const last = m[m.length - 1];
                     return !!last.querySelector('.qa-answer, [data-testid="stAlert"]')
                            || last.innerText.includes("I couldn't find this in the documents.")
                            || last.innerText.includes("No encontré esto en los documentos."); }}""",
        timeout=timeout_ms)
    return replies.last


def answer_text(reply) -> str:
    """The answer in a reply, "" when there is none (without waiting for one to appear)."""
    return "\n".join(reply.locator(".qa-answer").all_inner_texts())


def test_ask_in_a_real_browser_and_open_the_source(server, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, chat = open_chat(browser, server["url"])
    ready_s = time.perf_counter() - server["started"]
    asked = time.perf_counter()
    reply = ask(page, chat, QUESTION)
    answer = reply.locator(".qa-answer")
    expect(answer).to_contain_text("2013")
    answered_s = time.perf_counter() - asked
    assert "Federal Telecommunications Institute" in answer.inner_text()
    expect(page.get_by_text("Questions can be up to 2,000 characters.")).to_be_visible()

    card = page.locator('[data-testid="stExpander"]').filter(has_text="[1]").first
    expect(card).to_be_visible()
    card.locator("summary").click()
    mark = card.locator(".qa-passage mark")
    expect(mark).to_be_visible(timeout=10_000)
    assert "2013" in mark.inner_text()
    assert "Telecommunications Transformation" in card.locator("summary").inner_text()

    download = page.get_by_role("button", name="Download transcript")
    expect(download).to_be_enabled()
    label = download.locator("p").first
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), "the label is cut off"

    wait_until_idle(page)
    # The question stays on the page after the runs that follow the answer (the progress panel's included).
    page.wait_for_timeout(2500)
    expect(page.locator('[data-testid="stChatMessage"]').filter(has_text=QUESTION)).to_have_count(1)
    page.wait_for_timeout(600)  # let the card finish its opening animation
    page.mouse.move(0, 0)  # no hover effects in the picture
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / "screenshot.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    print(f"\nchat ready {ready_s:.1f} s after the server process started (first start, index built); "
          f"answer rendered {answered_s:.2f} s after Enter; screenshot: {target}")
    page.close()


def test_a_follow_up_in_the_browser(server, browser) -> None:
    page, chat = open_chat(browser, server["url"])
    ask(page, chat, QUESTION)
    reply = ask(page, chat, "What did it break?")
    assert "monopolies" in answer_text(reply), reply.inner_text()
    # How the follow-up was read is shown above its answer.
    assert "Read as: What did the Federal Telecommunications Institute break?" in reply.inner_text()
    page.close()


def test_tell_me_more_in_the_browser(server, browser) -> None:
    page, chat = open_chat(browser, server["url"])
    ask(page, chat, QUESTION)
    reply = ask(page, chat, "Tell me more")  # the paper's next sentence, under the same heading
    assert "monopolies" in answer_text(reply), reply.inner_text()
    reply = ask(page, chat, "Go on")
    assert "constitutional right" in answer_text(reply), reply.inner_text()
    page.close()


def test_a_spanish_follow_up_with_an_unstated_subject_in_the_browser(server, browser) -> None:
    page, chat = open_chat(browser, server["url"])
    ask(page, chat, "¿Qué hace el INSA?")
    from playwright.sync_api import expect

    reply = ask(page, chat, "¿Con quién colabora?")
    assert "private startups" in answer_text(reply), reply.inner_text()
    # The translation line is drawn after the answer: wait for it rather than read the reply once.
    expect(reply).to_contain_text("Traducción automática")
    assert "INSA" in reply.inner_text()
    # A fragment that names nothing is declined, in Spanish, with the request for the whole question.
    fragment = ask(page, chat, "¿Desde cuándo?")
    assert not answer_text(fragment)
    assert "No encontré esto en los documentos." in fragment.inner_text()
    # The reason is drawn after the sentence the reply is recognised by: wait for it too.
    expect(fragment).to_contain_text(messages.text("fragment", "es"))
    page.close()


def test_a_browser_that_prefers_spanish_gets_the_chat_in_spanish_and_can_switch_to_english(server, browser) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(server["url"])
    spanish = messages.text("placeholder", "es")
    wait_for_chat(page, placeholder=spanish)
    expect(page.get_by_role("heading", name=messages.text("title", "es"))).to_be_visible()
    expect(page.get_by_text(messages.text("n_sources", "es"))).to_be_visible()
    assert page.get_by_text(PLACEHOLDER).count() == 0 and page.get_by_text("Rebuild index").count() == 0
    expect(page.get_by_text("Índice actualizado en", exact=False)).to_be_visible()  # the run's report too
    # The suggested questions are asked in Spanish, naming things as the document does.
    expect(page.get_by_role("button", name="¿Qué dice el documento sobre «").first).to_be_visible(timeout=90_000)
    reply = ask(page, page.get_by_placeholder(spanish), "¿Cuándo se creó el Instituto Federal de Telecomunicaciones?")
    assert "2013" in answer_text(reply), reply.inner_text()
    expect(reply).to_contain_text(messages.text("sources", "es"))
    # The reader may pick English; the answer given stays, with its labels in its question's language.
    page.get_by_text("English", exact=True).click()
    wait_for_chat(page)
    expect(page.get_by_role("button", name="Download transcript")).to_be_visible()
    expect(page.get_by_role("heading", name="Ask your documents")).to_be_visible()
    expect(page.locator('[data-testid="stChatMessage"]').last).to_contain_text(messages.text("sources", "es"))
    context.close()


def test_what_an_acronym_stands_for_in_the_browser(server, browser) -> None:
    # The sentence that defines the acronym answers, its long form in bold (before, a sentence that only used it).
    page, chat = open_chat(browser, server["url"])
    reply = ask(page, chat, "What does DPI stand for?")
    assert reply.locator(".qa-answer b.qa-phrase").inner_text() == "Digital Public Infrastructure"
    page.close()


def test_a_question_asked_while_the_previous_answer_is_drawn_loses_neither(server, browser) -> None:
    """The second question interrupts the run still drawing the first answer's sources (held there by the
    cards gate); both questions and both answers stay on the page, in the order asked."""
    page, chat = open_chat(browser, server["url"])
    server["cards_gate"].touch()
    try:
        first = ask(page, chat, QUESTION)
        assert "2013" in answer_text(first)
        chat.fill("What did it break?")
        chat.press("Enter")
        page.wait_for_timeout(1000)  # the rerun request reaches the server while the first run is held
    finally:
        server["cards_gate"].unlink(missing_ok=True)
    replies = page.locator('[data-testid="stChatMessage"]')
    page.wait_for_function(
        """() => { const m = document.querySelectorAll('[data-testid="stChatMessage"]');
                   return m.length === 4 && !!m[3].querySelector('.qa-answer'); }""", timeout=60_000)
    wait_until_idle(page)
    texts = replies.all_inner_texts()
    assert len(texts) == 4, texts
    assert QUESTION in texts[0] and "2013" in texts[1]
    assert "What did it break?" in texts[2] and "monopolies" in answer_text(replies.nth(3))
    page.close()


def test_questions_about_the_paper_itself_in_the_browser(server, browser) -> None:
    page, chat = open_chat(browser, server["url"])
    assert "digital public infrastructure" in answer_text(ask(page, chat, "What is this paper about?"))
    assert "Poorak Gupta" in answer_text(ask(page, chat, "Who wrote this paper?"))
    page.close()


def test_indexing_a_pdf_survives_a_question_a_reload_and_a_second_tab(server, browser) -> None:
    from playwright.sync_api import expect

    page, chat = open_chat(browser, server["url"])
    server["gate"].touch()  # the run will wait here until the test removes the file
    try:
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(AAPL))
        expect(page.get_by_text(AAPL.name).first).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Add and index").click()
        running = page.locator('[data-testid="stExpander"]').filter(has_text="Indexing the new documents")
        expect(running).to_be_visible(timeout=30_000)

        wait_for_chat(page, 10_000)  # the box stays usable
        reply = ask(page, chat, QUESTION)
        assert "2013" in answer_text(reply)
        assert "Indexing is still running (indexing the new documents)" in reply.inner_text()

        page.reload()
        wait_for_chat(page)
        expect(running).to_be_visible(timeout=30_000)
        second, _ = open_chat(browser, server["url"])
        expect(second.locator('[data-testid="stExpander"]').filter(has_text="Indexing the new documents")) \
            .to_be_visible(timeout=30_000)
    finally:
        server["gate"].unlink(missing_ok=True)

    # Both tabs learn that the run ended without anyone touching them.
    for tab in (page, second):
        expect(tab.get_by_text(f"Added: {AAPL.name}")).to_be_visible(timeout=120_000)
        expect(tab.get_by_text("Indexing the new documents")).to_have_count(0, timeout=10_000)
        expect(tab.get_by_text("changed since the index was built")).to_have_count(0)
    assert (server["corpus"] / AAPL.name).read_bytes() == AAPL.read_bytes()
    second.close()
    page.close()


def test_a_pdf_table_answer_is_a_small_table(server, browser) -> None:
    page, chat = open_chat(browser, server["url"])
    reply = ask(page, chat, "What were Apple's total net sales for the three months ended June 25, 2022?")
    table = reply.locator(".qa-answer table.qa-row")
    assert table.count() == 1, reply.inner_text()
    names, values = table.locator("th").all_inner_texts(), table.locator("td").all_inner_texts()
    assert "Total net sales" in table.inner_text()
    # One row with its column names, not a block of the page: a name and a value per column, the value
    # without its name repeated, and the quarter's figure in its own column.
    assert len(names) == len(values) <= 8, table.inner_text()
    assert values[names.index("Three Months Ended June 25, 2022")] == "$82,959", table.inner_text()
    assert not any(name and value.startswith(name) for name, value in zip(names, values)), table.inner_text()
    # Asked in Spanish, the same row answers, and its card and page view speak Spanish.
    from playwright.sync_api import expect

    reply = ask(page, chat, "¿Cuáles fueron las ventas netas totales de Apple en los tres meses terminados el 25 de "
                            "junio de 2022?")
    assert "$82,959" in answer_text(reply), reply.inner_text()
    card = reply.locator('[data-testid="stExpander"]').filter(has_text="[1]").first
    summary = card.locator("summary")
    expect(summary).to_contain_text("página")
    assert "page" not in summary.inner_text(), summary.inner_text()
    summary.click()
    expect(card.get_by_text("Mostrar la página", exact=False)).to_be_visible(timeout=10_000)
    page.close()


def test_a_hostile_document_stays_text_in_the_browser(server, browser) -> None:
    from playwright.sync_api import expect

    (server["corpus"] / "hostile.md").write_text(
        "# Hostile notes\n\nThe courier code was set to <img src=x onerror=\"window.owned=1\"> 5521 "
        "<script>window.owned=2</script> in **May 2020**.\n", encoding="utf-8")
    page, chat = open_chat(browser, server["url"])
    page.get_by_role("button", name="Rebuild now").click()
    expect(page.get_by_text("Added: hostile.md")).to_be_visible(timeout=60_000)
    wait_for_chat(page, 60_000)
    answer = ask(page, chat, "When was the courier code set?").locator(".qa-answer")
    assert "5521" in answer.inner_text()
    assert '<img src=x onerror="window.owned=1">' in answer.inner_text()
    assert "<script>window.owned=2</script>" in answer.inner_text()
    assert answer.locator("strong").inner_text() == "May 2020"  # Markdown emphasis, shown as such
    assert page.evaluate("window.owned") is None
    assert answer.locator("img, script").count() == 0
    page.close()
