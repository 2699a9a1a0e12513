"""End to end in a real browser: `streamlit run` on a free port, headless Chromium asks and opens the source."""

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

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshot.png"
QUESTION = "When was the Federal Telecommunications Institute created?"
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
    """`streamlit run` on a temp copy of corpus/ and an empty index folder; always stopped afterwards."""
    base = tmp_path_factory.mktemp("browser")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    port = free_port()
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus), "ASSISTANT_INDEX": str(base / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = base / "streamlit.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.address",
             "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield {"url": url, "corpus": corpus, "started": started, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_chat(browser, url: str, timeout_ms: int = 180_000):
    """A new page on the app, returned once the chat input is enabled (the first visit builds the index)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    chat = page.get_by_placeholder("Ask a question about the documents")
    page.wait_for_function(
        """() => { const box = document.querySelector('textarea[placeholder="Ask a question about the documents"]');
                   return box && !box.disabled; }""", timeout=timeout_ms)
    return page, chat


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Until Streamlit's "Running…" widget is gone: the script run that drew the page has finished."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def test_ask_in_a_real_browser_and_open_the_source(server, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page, chat = open_chat(browser, server["url"])
    ready_s = time.perf_counter() - server["started"]
    chat.fill(QUESTION)
    asked = time.perf_counter()
    chat.press("Enter")
    answer = page.locator(".qa-answer").filter(has_text="2013")
    expect(answer).to_be_visible(timeout=60_000)
    answered_s = time.perf_counter() - asked
    assert "Federal Telecommunications Institute" in answer.inner_text()

    card = page.locator('[data-testid="stExpander"]').filter(has_text="[1]").first
    expect(card).to_be_visible()
    card.locator("summary").click()
    mark = card.locator(".qa-passage mark")
    expect(mark).to_be_visible(timeout=10_000)
    assert "2013" in mark.inner_text()
    assert "Telecommunications Transformation" in card.locator("summary").inner_text()

    wait_until_idle(page)
    page.wait_for_timeout(600)  # let the card finish its opening animation
    page.mouse.move(0, 0)  # no hover effects in the picture
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / "screenshot.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    print(f"\nchat ready {ready_s:.1f} s after `streamlit run` (first start, index built); "
          f"answer rendered {answered_s:.2f} s after Enter; screenshot: {target}")
    page.close()


def test_a_hostile_document_stays_text_in_the_browser(server, browser) -> None:
    from playwright.sync_api import expect

    (server["corpus"] / "hostile.md").write_text(
        "# Hostile notes\n\nThe courier code was set to <img src=x onerror=\"window.owned=1\"> 5521 "
        "<script>window.owned=2</script> in May 2020.\n", encoding="utf-8")
    page, chat = open_chat(browser, server["url"])
    page.get_by_role("button", name="Rebuild now").click()
    expect(page.get_by_text("Added: hostile.md")).to_be_visible(timeout=60_000)
    page.wait_for_function(
        """() => { const box = document.querySelector('textarea[placeholder="Ask a question about the documents"]');
                   return box && !box.disabled; }""", timeout=60_000)
    chat.fill("When was the courier code set?")
    chat.press("Enter")
    answer = page.locator(".qa-answer").filter(has_text="5521")
    expect(answer).to_be_visible(timeout=60_000)
    assert '<img src=x onerror="window.owned=1">' in answer.inner_text()
    assert "<script>window.owned=2</script>" in answer.inner_text()
    assert page.evaluate("window.owned") is None
    assert answer.locator("img, script").count() == 0
    page.close()
