"""`serve`: build the guide, serve it on 127.0.0.1, rebuild on every save and reload the open pages.

The `livereload` package stays inside this module, so that it could be replaced: its websocket protocol,
its browser client and its handlers are used, but not its file watcher, which polls every 800 ms,
runs builds on the server's own thread and drops a reload that comes within 3 s of the last one.
Instead, watchfiles reports saves (a burst of saves as one), the rebuild runs on a thread of its own,
and the reload is signalled as soon as the server has the rebuild's files: it serves the last build from
memory, and writes the files to the output folder meanwhile. Pages are served with no-cache headers and
never as "304 Not Modified", so a reload always shows the new page.
"""

from __future__ import annotations

import gc
import html
import ipaddress
import json
import logging
import mimetypes
import re
import signal
import socket
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection

import watchfiles
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import ioloop, web
from tornado.routing import HostMatches
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .pipeline import Builder, BuildOptions
from .problems import ContentError, Problem
from .write import FileData, SiteWriter, changed_files

SETTLE_SECONDS = 2.0  # PDFs are made once edits have stopped for this long

logging.getLogger("tornado.access").setLevel(logging.WARNING)  # one line per request drowns the build's news


@dataclass
class ServeState:
    """What the server shows: the last build's problems, and the files the output folder holds."""

    problems: list[Problem] = field(default_factory=list)
    files: dict[str, FileData] | None = None
    pdfs: dict[str, bytes] = field(default_factory=dict)
    generation: int = 0  # counts the builds that changed what pages show


_CRASHED = ("the build stopped on an error of exguide's own ({error}); the terminal shows where. Please "
            "report it; saving a file tries again")


class Rebuilder:
    """Rebuilds after saves, keeping the last good site in place when the content is broken."""

    def __init__(self, builder: Builder, state: ServeState, log: Callable[[str], None]) -> None:
        self.builder, self.state, self.log = builder, state, log
        self.writer = SiteWriter(builder.options.out_dir)
        self._lock = threading.Lock()  # one build at a time: the first build and the watcher's may meet
        self.uncollected = False  # whether rebuilds froze garbage since the last `collect`

    def rebuild(self, with_pdfs: bool = False, changes: Collection[str] | None = None,
                ready: Callable[[list[str]], None] = lambda changed: None) -> list[str]:
        """Build and write what changed; the site paths written, or [] when the build failed.

        `changes`: the paths the watcher reported since the last rebuild; None to look at every file.
        `ready` is told what changed as soon as the server serves the new files, from memory, before
        they are written to the output folder."""
        with self._lock:
            try:
                return self._rebuild(with_pdfs, changes, ready)
            except Exception as error:  # a bug of ours, or a full disk: the watcher must live on, and say it
                self.log(traceback.format_exc().rstrip())
                self.state.problems = [Problem(self.builder.options.content_dir, 1, _CRASHED.format(
                    error=f"{type(error).__name__}: {error}"))]
                self.builder = Builder(self.builder.options)  # what it kept may be half made: start afresh
                return []

    def _rebuild(self, with_pdfs: bool, changes: Collection[str] | None,
                 ready: Callable[[list[str]], None]) -> list[str]:
        started = time.perf_counter()
        try:
            site = self.builder.rebuild(changes, print_pdfs=with_pdfs, wait_for_pictures=False)
        except ContentError as error:
            # The watcher's own read of every file finds the same mistakes again: they are on screen already.
            if changes is not None or error.problems != self.state.problems:
                self.log(f"{len(error.problems)} error(s); still serving the last good build:")
                for problem in error.problems:
                    self.log("  " + problem.format())
            self.state.problems = error.problems
            return []
        self.state.problems = []
        if with_pdfs:
            self.state.pdfs = {path: site.files[path] for path in site.pdf_paths}
        files = {**{p: self.state.pdfs[p] for p in site.pdf_paths if p in self.state.pdfs}, **site.files}
        previous, first = self.state.files, self.state.files is None
        self.state.files = files  # served from now on, while the folder is brought up to date
        served = time.perf_counter()
        # A first build has nothing served to compare with: what changed is what differs from the folder.
        changed = None if first else changed_files(files, previous)
        if changed is not None:
            ready(changed)
        changed = self.writer.update(files, previous, changed)
        self.uncollected = True
        if self.builder.picture_files.pending:
            self._make_pictures_then_rebuild(ready)
        if changed or first:
            written_ms = (time.perf_counter() - started) * 1000
            self.log(f"Built in {(served - started) * 1000:.0f} ms: {len(changed)} file(s) changed; "
                     f"{self.builder.options.out_dir.name}/ written after {written_ms:.0f} ms")
        return changed

    def _make_pictures_then_rebuild(self, ready: Callable[[list[str]], None]) -> None:
        """Make the files of new pictures in a thread, then rebuild to serve them: the pages were served
        without waiting for them (a phone's photo takes a second or two)."""
        pictures = self.builder.picture_files

        def make() -> None:
            for problem in pictures.make_pending():
                self.log("  " + problem.format())
            self.rebuild(changes=(), ready=ready)
        threading.Thread(target=make, name="exguide-pictures", daemon=True).start()

    def collect(self) -> None:
        """Free the garbage cycles that rebuilds left: a full collection, at a quiet moment (0.2 s for a guide
        of 10,000 exercises), so that the collector seldom needs one of its own while the author saves."""
        with self._lock:
            gc.collect()
            self.uncollected = False


def make_application(out_dir: Path, state: ServeState, port: int) -> web.Application:
    """The pages of `out_dir` with the reload client injected, and livereload's websocket; for requests that
    name this computer, by an address or a local name, only: a web page elsewhere that points a name of its
    own at 127.0.0.1 ("DNS rebinding") must not read the guide, nor listen to its reloads."""
    return web.Application([(HostMatches(_local_hosts()), [
        (r"/livereload", SameOriginReloadHandler),
        (r"/livereload.js", LiveReloadJSHandler),
        (r"/__exguide_generation", GenerationHandler, {"state": state}),
        (r"/(.*)", SiteHandler, {"path": str(out_dir), "default_filename": "index.html",
                                 "state": state, "port": port}),
    ])])


def _local_hosts() -> str:
    """The host names a request may give: an IP address, localhost, or this computer's own name."""
    own = re.escape(socket.gethostname().lower())
    return rf"(localhost|.+\.localhost|[0-9.]+|\[[0-9a-f:.]+\]|{own}(\.local)?)$"


class SameOriginReloadHandler(LiveReloadHandler):
    """livereload's websocket (its handshake with livereload.js), for pages of this server only (livereload's
    own takes any origin). The open pages are kept here, not read from livereload's own list of them."""

    pages: set["SameOriginReloadHandler"] = set()

    def check_origin(self, origin: str) -> bool:
        return WebSocketHandler.check_origin(self, origin)

    def on_message(self, message: str | bytes) -> None:
        super().on_message(message)
        if json.loads(message).get("command") == "info":  # the page has finished the handshake
            SameOriginReloadHandler.pages.add(self)

    def on_close(self) -> None:
        SameOriginReloadHandler.pages.discard(self)
        super().on_close()


class GenerationHandler(web.RequestHandler):
    """The number of the latest build, for pages to tell whether they missed a reload."""

    def initialize(self, state: ServeState) -> None:
        self.state = state

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.write(str(self.state.generation))


class SiteHandler(web.StaticFileHandler):
    """Serves the output folder, and nothing outside it, with the reload client in every page."""

    def initialize(self, path: str, default_filename: str, state: ServeState, port: int) -> None:
        super().initialize(path, default_filename)
        self.state, self.port = state, port

    async def get(self, path: str, include_body: bool = True) -> None:
        """A file of the last build from memory, where the server has it: a rebuild's files are served
        (and the pages reloaded) before they are written to the folder. Anything else from the folder."""
        if "\0" in path:  # no file has such a name, and the file system refuses to look one up
            raise web.HTTPError(404)
        files = self.state.files or {}
        site_path = path + "index.html" if path == "" or path.endswith("/") else path
        data = files.get(site_path)
        if data is None or site_path.endswith(".pdf"):  # PDF viewers ask for ranges, which the folder serves
            if path + "/index.html" in files:
                self.redirect(self.request.path + "/", permanent=True)
                return
            await super().get(path, include_body)
            return
        self.set_header("Content-Type", mimetypes.guess_type(site_path)[0] or "application/octet-stream")
        self.set_extra_headers(site_path)
        data = bytes(data)  # Pieces are joined only when asked for
        page = inject(data, self.port, self.state) if site_path.endswith(".html") else data
        self.set_header("Content-Length", len(page))
        if include_body:
            self.write(page)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store, max-age=0")

    def should_return_304(self) -> bool:
        return False

    def compute_etag(self) -> None:
        return None

    def get_content_size(self) -> int:
        if self._is_page():
            return len(self._page())
        return super().get_content_size()

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None):  # type: ignore[override]
        if self._is_page():
            return self._page()[start:end]
        return super().get_content(abspath, start, end)

    def write_error(self, status_code: int, **kwargs) -> None:
        """A missing page still carries the reload client and the errors, so it recovers by itself."""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        page = b"<!DOCTYPE html><html lang=en><head><title>Not found</title></head><body><p>" + \
            f"{status_code}: no such page in the site.".encode() + b"</p></body></html>"
        self.finish(inject(page, self.port, self.state))

    def _is_page(self) -> bool:
        return self.absolute_path.endswith(".html")

    def _page(self) -> bytes:
        with open(self.absolute_path, "rb") as file:
            return inject(file.read(), self.port, self.state)


# A page that loaded while a rebuild was finishing may connect after that rebuild's reload was sent:
# it asks which build is the latest, and reloads itself if it missed one.
CATCH_UP = """<script>(function () {{
  function check() {{
    fetch("/__exguide_generation", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
      .then(function (latest) {{ if (latest !== "{generation}") {{ window.location.reload(); }} }});
  }}
  window.addEventListener("load", function () {{ setTimeout(check, 400); setTimeout(check, 1500); }});
}}());</script>"""


def inject(page: bytes, port: int, state: ServeState) -> bytes:
    """The page with the reload client, and with the build's errors over it when there are any."""
    client = f'<script src="/livereload.js?port={port}"></script>' + CATCH_UP.format(generation=state.generation)
    page = page.replace(b"</head>", client.encode() + b"</head>", 1)
    if state.problems:
        page = page.replace(b"</body>", error_overlay(state.problems).encode() + b"</body>", 1)
    return page


def error_overlay(problems: list[Problem]) -> str:
    lines = "\n".join(html.escape(problem.format()) for problem in problems)
    count = len(problems)
    return (
        '<div id="exguide-errors" role="alert" style="position:fixed;inset:auto 0 0 0;z-index:2147483647;'
        "max-height:60vh;overflow:auto;margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#5c0000;"
        'border-top:4px solid #b00020;font:15px/1.45 system-ui,sans-serif;box-shadow:0 -4px 16px #0003">'
        f"<p style=\"margin:0 0 .5rem;font-weight:700\">The guide has {count} error{'s' if count != 1 else ''};"
        " this page shows the last good build. Fix the file and save: the page reloads by itself.</p>"
        f'<pre style="margin:0;white-space:pre-wrap;font:14px/1.45 ui-monospace,monospace">{lines}</pre></div>'
    )


class DevServer:
    """The whole `serve` command: an initial build, the watcher thread and the web server."""

    def __init__(self, options: BuildOptions, host: str, port: int, log: Callable[[str], None] = print) -> None:
        self.options, self.host, self.port, self.log = options, host, port, log
        self.state = ServeState()
        self.rebuilder = Rebuilder(Builder(options), self.state, log)
        self._stop = threading.Event()
        self._loop: ioloop.IOLoop | None = None

    def run(self, open_browser: bool = False) -> None:
        """Serve until Ctrl-C (or `stop()`)."""
        # Both fork worker processes for a big guide, so they come before the event loop and the watcher's
        # thread. A save made meanwhile is not missed: at its first quiet moment the watcher reads every file.
        self.rebuilder.builder.warm_up()
        self.rebuilder.rebuild(changes=())  # the PDFs follow from the watcher thread, so serving starts at once
        self._loop = ioloop.IOLoop.current()
        watcher = threading.Thread(target=self._watch, name="exguide-watcher", daemon=True)
        watcher.start()
        server = make_application(self.options.out_dir, self.state, self.port).listen(self.port, self.host)
        url = f"http://{self.host}:{self.port}/"
        self.log(f"Serving {self.options.out_dir} at {url} (Ctrl-C to stop)")
        if not _loopback(self.host):
            self.log(f"Warning: on {self.host}, every computer that can reach this one can read the guide; "
                     "--host 127.0.0.1 keeps it to this computer")
        if open_browser:
            webbrowser.open(url)
        if threading.current_thread() is threading.main_thread():
            # Stop as on Ctrl-C on what a service manager or `docker stop` sends, and what stops a server
            # started in the background of a shell, where Ctrl-C is ignored.
            self._loop.asyncio_loop.add_signal_handler(signal.SIGTERM, self.stop)
            # Ctrl-C too, from the event loop: as a KeyboardInterrupt, it could be raised while an object was
            # being freed, where Python only prints it, and the server went on serving (seen once in the tests).
            if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
                self._loop.asyncio_loop.add_signal_handler(signal.SIGINT, self.stop)
        try:
            self._loop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop.set()
            server.stop()
            watcher.join(timeout=5)
            self.log("Stopped.")

    def stop(self) -> None:
        """Stop serving; safe to call from any thread."""
        self._stop.set()
        if self._loop is not None:
            self._loop.add_callback(self._loop.stop)

    def _watch(self) -> None:
        """Rebuild after each burst of saves; make the PDFs once the edits settle.

        The first quiet moment also rebuilds once, reading every file, to catch a save made before the watcher
        started (during the first build). A save that comes first is rebuilt at once like any other.
        """
        folders = [p for p in (self.options.content_dir, self.options.template_dir) if p.is_dir()]
        # A save is reported once 10 ms pass without another change: an editor's burst of writes and renames
        # comes within that, and the reader waits no longer than it must (30 ms cost 20-40 ms a reload).
        pdfs_due, caught_up = self.options.pdfs, False
        for changes in watchfiles.watch(*folders, debounce=400, step=10, stop_event=self._stop,
                                        rust_timeout=int(SETTLE_SECONDS * 1000), yield_on_timeout=True,
                                        raise_interrupt=False):
            if changes or not caught_up:
                if changes:
                    self.log("Changed: " + ", ".join(sorted(Path(path).name for _, path in changes)))
                problems_before, reloaded = self.state.problems, self.state.generation
                changed = self.rebuilder.rebuild(changes=[path for _, path in changes] if changes else None,
                                                 ready=self._reload_for)
                caught_up = caught_up or not changes
                pdfs_due = pdfs_due or (self.options.pdfs and bool(changed))
                if self.state.generation == reloaded and (changed or self.state.problems != problems_before):
                    self._reload()  # the build failed, or was the first: nothing was served before it was written
            elif pdfs_due:  # no saves for SETTLE_SECONDS
                pdfs_due = False
                self.rebuilder.rebuild(with_pdfs=True, changes=(), ready=lambda changed: self._reload_for(
                    [path for path in changed if path.endswith(".html")]))
            elif self.rebuilder.uncollected:  # and none for SETTLE_SECONDS more
                self.rebuilder.collect()

    def _reload_for(self, changed: list[str]) -> None:
        if changed:
            self._reload()

    def _reload(self) -> None:
        """Count a new build, and ask every open page to reload, from the server's own thread, now that the
        server has the new files."""
        self.state.generation += 1
        if self._loop is not None:
            self._loop.add_callback(reload_pages)


def _loopback(host: str) -> bool:
    """Whether `host` (an address, IPv6 ones included, or a name) is this computer's own loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        pass
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def reload_pages() -> None:
    """Send livereload's 'reload' command to every page that has connected."""
    message = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
    for page in list(SameOriginReloadHandler.pages):
        try:
            page.write_message(message)
        except WebSocketClosedError:  # the page was closed meanwhile
            SameOriginReloadHandler.pages.discard(page)
