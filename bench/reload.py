"""Save-to-reload time of `serve`: from writing a content file to the open page showing the change.

    python bench/reload.py [--runs 7]

Runs `build.py serve` over the bundled guide and over generated guides of 1,000 and 10,000 exercises,
keeps an exercise page open in headless Chromium, edits that exercise's title, and times until the
browser shows it. Prints the median of the runs against the targets (300 ms, 1 s and 0.5 s), and exits 1
when one is missed.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from generate import PROJECT_DIR, generate_guide

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(PROJECT_DIR / "build.py"), "serve", "--no-pdf",
                                "--port", str(port)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(3000):  # the first build of 10,000 exercises takes about a minute
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def time_reloads(browser, root: Path, slug: str, runs: int) -> list[float]:
    process, url = start_server(root)
    try:
        page = browser.new_page()
        frames: list = []  # listened for from the start: the 'hello' may come before goto() returns
        page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: frames.append(frame)))
        page.goto(f"{url}exercises/{slug}/")
        while not frames:
            page.wait_for_timeout(50)
        page.wait_for_timeout(300)
        source = next((root / "content/exercises").rglob(f"{slug}.md"))
        original = source.read_text()
        title = page.locator("h1").inner_text()
        times = []
        for run in range(runs):
            new_title = f"{title} (edit {run})"
            started = time.perf_counter()
            source.write_text(original.replace(f"title: {title}", f"title: {new_title}", 1))
            page.wait_for_function(f"document.querySelector('h1') && "
                                   f"document.querySelector('h1').textContent === {new_title!r}", timeout=20_000)
            times.append(time.perf_counter() - started)
            page.wait_for_timeout(400)  # let the server settle before the next save
        source.write_text(original)
        return times
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="edits timed per guide (default: 7)")
    runs = parser.parse_args().runs
    results = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        bundled = Path(folder) / "bundled"
        shutil.copytree(PROJECT_DIR / "content", bundled / "content")
        large, largest = Path(folder) / "large", Path(folder) / "largest"
        generate_guide(large, 1000)
        generate_guide(largest, 10_000)
        for name, root, slug, target in (("bundled guide", bundled, "ankle-mobilization", 0.3),
                                         ("1,000 exercises", large, "exercise-00500", 1.0),
                                         ("10,000 exercises", largest, "exercise-05000", 0.5)):
            times = time_reloads(browser, root, slug, runs)
            results.append((name, statistics.median(times), max(times), target))
        browser.close()
    print(f"{'guide':<18}{'median':>10}{'slowest':>10}{'target':>10}")
    for name, median, slowest, target in results:
        verdict = "ok" if median < target else "MISSED"
        print(f"{name:<18}{median * 1000:>8.0f}ms{slowest * 1000:>8.0f}ms{target * 1000:>8.0f}ms  {verdict}")
    return 0 if all(median < target for _, median, _, target in results) else 1


if __name__ == "__main__":
    sys.exit(main())
