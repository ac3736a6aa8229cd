"""`make audit`: the W3C Nu checker, axe-core and Lighthouse over a fresh build, as one table.

Builds the bundled guide, serves it on 127.0.0.1, and for one page of each kind prints the Nu errors,
the axe violations and Lighthouse's four scores. Lighthouse (npm, 12.x) is installed on first use.
The scores vary with the machine's load, so they are reported here and not asserted by the tests.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT_DIR = Path(__file__).resolve().parent.parent
NODE_BIN = PROJECT_DIR / "node_modules" / ".bin"
VNU = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
PAGES = ["", "exercises/", "exercises/ankle-mobilization/", "muscles/", "muscles/calves/",
         "routines/runners-knee/", "routines/custom/?e=ankle-mobilization,wide-legged-forward-fold",
         "search/?q=knee", "print/"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def build(site: Path) -> None:
    subprocess.run([sys.executable, str(PROJECT_DIR / "build.py"), "--out", str(site), "--no-pdf"],
                   cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def nu_errors(site: Path) -> dict[str, int]:
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json",
                             str(site)], capture_output=True, text=True)
    counts: dict[str, int] = {}
    for message in json.loads(result.stderr or '{"messages": []}')["messages"]:
        page = Path(message["url"].removeprefix("file:")).relative_to(site).as_posix().removesuffix("index.html")
        counts[page] = counts.get(page, 0) + 1
    return counts


def axe_violations(browser, address: str) -> int:
    page = browser.new_page()
    page.goto(address)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.length)")
    page.close()
    return found


def lighthouse(address: str) -> dict[str, int]:
    if not (NODE_BIN / "lighthouse").exists():
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "lighthouse@12"],
                       cwd=PROJECT_DIR, check=True)
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run([str(NODE_BIN / "lighthouse"), address, "--quiet", "--output=json",
                        f"--output-path={report.name}", f"--only-categories={','.join(CATEGORIES)}",
                        "--chrome-flags=" + " ".join(f'"{a}"' if " " in a else a for a in CHROMIUM_ARGS)],
                       check=True, env={**os.environ, "CHROME_PATH": shutil.which("chromium")})
        categories = json.loads(Path(report.name).read_text())["categories"]
    return {name: round(categories[name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        build(site)
        errors = nu_errors(site)
        server, base = serve(site)
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            for path in PAGES:
                scores = lighthouse(base + path)
                rows.append((path or "(home)", errors.get(path.split("?")[0], 0), axe_violations(browser, base + path),
                             scores))
            browser.close()
        server.shutdown()
    print(f"\n{'page':<64}{'Nu':>4}{'axe':>5}" + "".join(f"{name[:11]:>13}" for name in CATEGORIES))
    for path, nu, axe, scores in rows:
        print(f"{path:<64}{nu:>4}{axe:>5}" + "".join(f"{scores[name]:>13}" for name in CATEGORIES))
    print(f"\nNu errors in the whole site: {sum(errors.values())}")
    return 0 if not errors and not any(axe for _, _, axe, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
