"""A learner's first session, in a real browser: JupyterLab, the labels chapter and its two widgets.

The test starts the course as the README says (``k8scourse start``, here
with ``--no-browser`` on a free loopback port and a known token), opens
the URL it prints in Debian's Chromium (headless, driven by Playwright;
Playwright's own browser download is never used), and then does what a
learner does in chapter 03: opens it from the file browser, runs every
cell, types a selector into the selector explorer and edits a label with
the label editor. Screenshots of each step go to ``test-output/browser/``.

Without Chromium or Playwright the test skips and says which is missing;
under CI (``CI=true``) it fails instead, so CI cannot pass without it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Debian's package `chromium`; elsewhere point K8SCOURSE_CHROMIUM at a Chromium or Chrome binary.
CHROMIUM = Path(os.environ.get("K8SCOURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "test-output" / "browser"
TOKEN = "k8scourse-browser-test"
START_SECONDS = 60  # JupyterLab answers in ~5 s here; a loaded CI machine gets slack
STEP_MS = 60_000  # longest wait for one step in the page (running chapter 03 takes ~10 s)


def _missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -c constraints.txt -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (apt-get install chromium, or set K8SCOURSE_CHROMIUM)"
    return None


def _require_browser() -> None:
    """Skip, naming what is missing; under CI (CI=true) fail instead."""
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``k8scourse start`` on a copy of the course; yield the URL it prints, with the token."""
    _require_browser()
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "notebooks", course / "notebooks")  # `start` copies it into course/work/
    jupyter = tmp_path_factory.mktemp("jupyter")
    # A private Jupyter config, runtime and workspace: the machine's own saved
    # layout (open tabs) must not change what the learner lands on.
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings")}
    # No "Would you like to get notified about official Jupyter news?" toast over the widgets.
    news = jupyter / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    port = _free_port()
    command = [str(Path(sys.executable).with_name("k8scourse")), "start", "--no-browser",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}"]
    log = (jupyter / "lab.log").open("w+")
    lab = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        url = _printed_url(lab, log, port)
        yield url.replace("token=...", f"token={TOKEN}")  # jupyter_server masks a token it was given
    finally:
        os.killpg(lab.pid, signal.SIGTERM)  # the server and its kernels
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
        log.close()


def _printed_url(lab: subprocess.Popen, log, port: int) -> str:
    """The loopback URL JupyterLab prints once it serves, after checking that it answers."""
    deadline = time.monotonic() + START_SECONDS
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/\S+")
    while time.monotonic() < deadline:
        log.seek(0)
        output = log.read()
        if lab.poll() is not None:
            pytest.fail(f"k8scourse start exited with status {lab.returncode}:\n{output}")
        found = pattern.search(output)
        if found:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=5) as reply:
                assert reply.status == 200
            return found.group()
        time.sleep(0.2)
    pytest.fail(f"JupyterLab did not print its URL within {START_SECONDS} s:\n{output}")


@pytest.fixture(scope="module")
def page(lab_url: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(STEP_MS)
        try:
            yield page
        finally:
            browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _notebook(page):
    """The notebook panel on show in the main area."""
    return page.locator(".jp-NotebookPanel:visible")


def _menu(page, *path: str) -> None:
    """Click through the menu bar, e.g. ``_menu(page, "Run", "Run All Cells")``."""
    page.locator(f".lm-MenuBar-itemLabel:text-is('{path[0]}')").click()
    for label in path[1:]:
        page.locator(f".lm-Menu-itemLabel:text-is('{label}')").click()


def _widget(page, kind: str, label: str):
    """The input of a live ipywidget of ``kind`` ("text", "dropdown") whose description is ``label``."""
    tag = "select" if kind == "dropdown" else "input"
    return _notebook(page).locator(f".widget-{kind}:has(> label:text-is('{label}')) {tag}")


def test_the_printed_url_lands_on_the_welcome_notebook(page, lab_url: str) -> None:
    page.goto(lab_url)
    title = _notebook(page).locator("h1").first
    title.wait_for()
    assert title.inner_text().startswith("00 · Welcome")
    assert page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text().strip() == "00-welcome.ipynb"
    # The kernel starts by itself: the learner can press Shift-Enter at once.
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible").wait_for(state="attached")
    _shot(page, "01-welcome")


def test_a_learner_runs_the_labels_chapter_and_its_widgets(page, lab_url: str) -> None:
    if "/lab" not in page.url:
        page.goto(lab_url)
    # Open the chapter from the file browser, which shows notebooks/ next to the welcome notebook.
    page.locator(".jp-DirListing-itemText > span:text-is('03-labels-selectors.ipynb')").dblclick()
    title = _notebook(page).locator("h1").first
    title.wait_for()
    assert title.inner_text().startswith("03 · Labels and selectors")
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']:visible").wait_for(state="attached")

    _menu(page, "Run", "Run All Cells")
    selector = _widget(page, "text", "selector")
    selector.wait_for(state="attached")  # the explorer is live: its cell has run
    # ... and so has every cell: none still queued ([*]) or failed.
    page.wait_for_function("""() => {
        const panel = [...document.querySelectorAll('.jp-NotebookPanel')].find(p => p.offsetParent);
        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
        return prompts.length && prompts.every(p => /\\[\\d+\\]/.test(p));
    }""")
    # JupyterLab renders tracebacks and warnings as stderr (a red box); the chapter has none.
    stderr = _notebook(page).locator("[data-mime-type='application/vnd.jupyter.stderr']")
    assert not stderr.count(), stderr.all_text_contents()
    _shot(page, "02-labels-chapter-ran")

    # The selector explorer: every pod matches the empty selector; a selector picks fewer.
    explorer = _notebook(page).locator(".jp-OutputArea-output:has(.widget-text:has(> label:text-is('selector')))")
    explorer.scroll_into_view_if_needed()
    message = explorer.locator(".widget-html-content", has_text="pods match")
    message.wait_for(state="attached")
    picture = explorer.locator(".widget-image")
    everything = re.fullmatch(r"\$ kubectl get pods\s+(\d+) of (\d+) pods match", message.text_content().strip())
    assert everything and everything[1] == everything[2], message.text_content()
    total = int(everything[2])
    before = picture.screenshot()
    selector.click()
    selector.press_sequentially("tier=web", delay=20)  # keystroke by keystroke, as typed
    page.get_by_text(re.compile(rf"-l 'tier=web'\s+\d+ of {total} pods match")).wait_for()
    matched = int(re.search(r"(\d+) of", message.text_content())[1])
    assert 0 < matched < total
    assert picture.screenshot() != before, "the placement picture did not highlight the matches"
    _shot(page, "03-selector-explorer")

    # The label editor: label one pod team=payments; the explorer then finds it.
    selector.fill("team=payments")
    page.get_by_text(f"0 of {total} pods match").wait_for()
    editor = _notebook(page).locator(".jp-OutputArea-output:has(.widget-dropdown:has(> label:text-is('object')))")
    editor.scroll_into_view_if_needed()
    _widget(page, "dropdown", "object").select_option(label="pod default/toolbox")
    _widget(page, "text", "key").fill("team")
    _widget(page, "text", "value").fill("payments")
    editor.locator("button:text-is('Set')").click()
    page.get_by_text("$ kubectl label pod toolbox team=payments --overwrite").wait_for()
    assert editor.locator("table tr:has(code:text-is('team')) code:text-is('payments')").count() == 1
    _shot(page, "04-label-editor")
    explorer.locator("button:text-is('Reload')").click()
    page.get_by_text(f"1 of {total} pods match").wait_for()
    explorer.scroll_into_view_if_needed()
    _shot(page, "05-explorer-after-label")


def test_without_chromium_the_test_skips_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium not found"):
        _require_browser()


def test_under_ci_a_missing_browser_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser test: /nonexistent/chromium"):
        _require_browser()
