"""Targets 6 and 7: process start-up (status, ask, the chat) and peak memory, each in a fresh process."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .data import load_gold
from .harness import Context
from .measure import PYTHON, ROOT, child_env, median, run_child, wall_time

SECTION_START = "Start-up (fresh processes)"
SECTION_MEMORY = "Peak memory (fresh processes)"
APP = ROOT / "streamlit_app.py"
QUESTION = "When was the Federal Telecommunications Institute created?"
HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime")


def imported_heavy(stderr: str) -> list[str]:
    """Top-level heavy packages named in `python -X importtime` output."""
    found = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            module = line.rsplit("|", 1)[1].strip()
            if module.split(".")[0] in HEAVY:
                found.add(module.split(".")[0])
    return sorted(found)


def facade_child(corpus: str, index: str, questions: list[str]) -> None:
    """In a fresh process: what the chat server holds (the facade, the model, the index) after questions."""
    from assistant.assistant import Assistant

    from .measure import peak_rss_mb

    started = time.perf_counter()
    assistant = Assistant.load(corpus, index, build_if_needed=False)
    for question in questions:
        assistant.ask(question)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_rss_mb(),
                      "backend": assistant.embedder.backend}))


def app_child(question: str) -> None:
    """In a fresh process: the Streamlit script's first run (model, index, suggestions), then one question."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from streamlit.testing.v1 import AppTest

    from .measure import peak_rss_mb

    started = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    first = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(str(at.exception))
    at.chat_input[0].set_value(question).run()
    print(json.dumps({"first_run_s": first, "peak_mb": peak_rss_mb()}), flush=True)
    # AppTest leaves the script's worker threads running; tearing the interpreter down under them can abort
    # the process after the measurement is out (seen on 2026-12-02: "terminate called without an active
    # exception"), so the child ends here.
    os._exit(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def server_ready(corpus: Path, index: Path) -> tuple[float, float]:
    """Seconds from `streamlit run` to its health check answering on a loopback port, and the idle server's
    peak RSS (no session yet, so no script run)."""
    port = _free_port()
    args = [PYTHON, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1", "--server.port",
            str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    started = time.perf_counter()
    server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=child_env(ASSISTANT_CORPUS=str(corpus), ASSISTANT_INDEX=str(index)))
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started, _process_peak_mb(server.pid)
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Streamlit server did not answer its health check within 60 s")
    finally:
        server.terminate()
        server.wait(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PLACEHOLDER = "Ask a question about the documents"


def browser_first_answer(corpus: Path, index: Path, question: str = QUESTION) -> dict:
    """One start of the chat as `make run` serves it (index built), timed from the server process's start:
    health check answering, page drawn with the chat box usable in headless Chromium, and the first answer
    drawn after the question is typed at once. The browser is started before the clock, as a user's is."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    args = [PYTHON, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1", "--server.port",
            str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        started = time.perf_counter()
        server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=child_env(ASSISTANT_CORPUS=str(corpus), ASSISTANT_INDEX=str(index)))
        try:
            while True:
                if time.perf_counter() - started > 120 or server.poll() is not None:
                    raise RuntimeError("the Streamlit server did not come up within 120 s")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.05)
            healthy = time.perf_counter() - started
            page.goto(url)
            page.wait_for_function(
                f"""() => {{ const box = document.querySelector('textarea[placeholder="{PLACEHOLDER}"]');
                             return box && !box.disabled; }}""", timeout=120_000)
            ready = time.perf_counter() - started
            box = page.get_by_placeholder(PLACEHOLDER)
            box.fill(question)
            box.press("Enter")
            page.wait_for_selector(".qa-answer", timeout=120_000)
            answered = time.perf_counter() - started
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=10)
    return {"healthy_s": healthy, "ready_s": ready, "answered_s": answered}


def run(ctx: Context) -> None:
    r, plan = ctx.results, ctx.plan
    corpus, index = ctx.work / "corpus-default", ctx.work / "index-default"  # built by the query section
    paths = ["--corpus", str(corpus), "--index", str(index)]
    status = [wall_time([PYTHON, "-m", "assistant", "status", *paths])[0] for _ in range(plan.child_runs)]
    _, traced = wall_time([PYTHON, "-X", "importtime", "-m", "assistant", "status", *paths])
    heavy = imported_heavy(traced.stderr)
    r.add(SECTION_START, "`python -m assistant status`, default corpus", median(status), "s",
          f"median of {len(status)}; heavy imports: {', '.join(heavy) or 'none'}")
    big = ctx.shared.get("big_index")
    note = "Wall time of a fresh process, from start to exit; `-X importtime` lists what it imported."
    if big:
        seconds = median([wall_time([PYTHON, "-m", "assistant", "status", "--corpus", str(big[0]), "--index",
                                     str(big[1])])[0] for _ in range(plan.child_runs)])
        r.add(SECTION_START, f"`python -m assistant status`, {ctx.shared['big_label']}", seconds, "s")
        note += (f" With the {ctx.shared['big_label']} it takes {seconds:.2f} s: status verifies the checksum "
                 "of every index file, which grows with the index.")
    ok = median(status) <= 1.0 and "torch" not in heavy
    r.target("6a", "Start-up: status", "no torch, <= 1 s",
             f"{median(status):.2f} s; torch {'imported' if 'torch' in heavy else 'not imported'}", ok, note=note,
             why="" if ok else "status imports or does more than reading the manifest and stat-ing the corpus.",
             close="" if ok else "keep model and FAISS imports out of the status path (cli.cmd_status).")

    asks = {}
    for backend in ("auto",) if plan.quick else ("auto", "torch"):
        # One traced run names the heavy imports; in quick mode it is also the only timed run.
        seconds, done = wall_time([PYTHON, "-X", "importtime", "-m", "assistant", "ask", QUESTION, *paths],
                                  ASSISTANT_EMBEDDER=backend)
        if done.returncode != 0:
            raise RuntimeError(f"ask failed: {done.stderr[-400:]}")
        times = [seconds] if plan.quick else \
            [wall_time([PYTHON, "-m", "assistant", "ask", QUESTION, *paths], ASSISTANT_EMBEDDER=backend)[0]
             for _ in range(plan.child_runs if backend == "auto" else max(1, plan.child_runs // 2))]
        asks[backend] = median(times)
        r.add(SECTION_START, f"`python -m assistant ask`, start to first answer ({backend})", median(times), "s",
              f"median of {len(times)}; heavy imports: {', '.join(imported_heavy(done.stderr)) or 'none'}")
    r.target("6b", "Start-up: ask", "report process start to first answer",
             f"{asks['auto']:.2f} s (default)" + (f", {asks['torch']:.2f} s with PyTorch" if 'torch' in asks else ""),
             True, note="`python -m assistant ask QUESTION` on the default corpus, index built. The ONNX path "
                        "imports neither torch nor transformers; the first use on a machine also exports the "
                        "model once (about 10 s, kept in ~/.cache/assistant).")
    app(ctx, corpus, index)


def app(ctx: Context, corpus: Path, index: Path) -> None:
    r, plan = ctx.results, ctx.plan
    gold = [g["question"] for g in load_gold(20)]
    targets = [("default corpus", corpus, index)]
    if ctx.shared.get("big_index"):
        targets.append((ctx.shared["big_label"], *ctx.shared["big_index"]))
    facade = {}
    for label, c, i in targets:
        res = run_child("from benchmarks.startup import facade_child\n"
                        f"facade_child({str(c)!r}, {str(i)!r}, {gold!r})")
        facade[label] = res["peak_mb"]
        r.add(SECTION_MEMORY, f"facade + model ({res['backend']}) + index, 20 questions: {label}", res["peak_mb"],
              "MiB", "peak RSS")
    measured_app = {}
    if plan.app and APP.exists():
        for label, c, i in targets:
            env = {"ASSISTANT_CORPUS": str(c), "ASSISTANT_INDEX": str(i)}
            res = run_child(f"from benchmarks.startup import app_child\napp_child({QUESTION!r})", **env)
            measured_app[label] = res
            r.add(SECTION_MEMORY, f"chat app (AppTest), first run and one question: {label}", res["peak_mb"],
                  "MiB", "peak RSS")
        _, server_mb = server_ready(corpus, index)
        r.add(SECTION_MEMORY, "Streamlit server alone, before any session", server_mb, "MiB", "peak RSS")
    shown = {k: v["peak_mb"] for k, v in measured_app.items()} or facade
    r.target("7", "Memory", "report peak RSS, default corpus and 100k chunks",
             "; ".join(f"{k} {v:,.0f} MiB" for k, v in shown.items())
             + ("" if measured_app else " (facade only, no Streamlit)"), True if shown else None,
             note="Peak RSS (VmHWM) of a fresh process. The chat is measured through AppTest: the script, model "
                  "and index in one process, without Streamlit's web server, whose own idle size is listed "
                  "under 'Peak memory' beside the facade alone.")
    browser_start_up(ctx, corpus, index)


def browser_start_up(ctx: Context, corpus: Path, index: Path) -> None:
    """Target 6c: `make run` (installed, index built) to the first answer drawn in a real browser."""
    r, plan = ctx.results, ctx.plan
    if not (APP.exists() and CHROMIUM.exists()):
        r.target("6c", "Start-up: make run", "report make run to the first answer in the browser", "-", None,
                 why="Chromium is not at /usr/bin/chromium (`make browser` installs it)")
        return
    build = [wall_time([PYTHON, "-m", "assistant", "build", "--corpus", str(corpus), "--index", str(index)])[0]
             for _ in range(plan.child_runs)]
    starts = [browser_first_answer(corpus, index) for _ in range(plan.child_runs)]
    healthy, ready, answered = (median([s[k] for s in starts]) for k in ("healthy_s", "ready_s", "answered_s"))
    n = f"median of {len(starts)}"
    r.add(SECTION_START, "make run: `python -m assistant build` with nothing to do", median(build), "s", n)
    r.add(SECTION_START, "make run: server process start to its health check", healthy, "s", n)
    r.add(SECTION_START, "make run: server process start to the chat box usable in the browser", ready, "s", n)
    r.add(SECTION_START, "make run: server process start to the first answer drawn in the browser", answered,
          "s", n + "; the question is typed as soon as the box is usable")
    total = median(build) + answered
    spread = f"{min(s['answered_s'] for s in starts) + min(build):.1f}-" \
             f"{max(s['answered_s'] for s in starts) + max(build):.1f} s"
    r.add(SECTION_START, "make run (installed, index built) to the first answer in the browser", total, "s",
          f"build check + server start to answer; range {spread}")
    r.target("6c", "Start-up: make run", "report make run to the first answer in the browser", f"{total:.1f} s",
             True, note="Measured in headless Chromium (started before the clock, as a user's browser is): "
                        "`python -m assistant build` with nothing to do, then `streamlit run` until the first "
                        "answer is drawn, the question typed the moment the chat box is usable. The model loads "
                        "in the background while the page is drawn, so that first question is the one that "
                        "waits for it.")
