"""`serve` as an author uses it: a real server process, a real browser, files edited on disk."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import PROJECT_DIR, make_guide

EXERCISE = "exercises/calf-raise.md"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """`build.py serve` on a free port, over a copy of the fixture guide; stopped with Ctrl-C."""
    content = make_guide(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-u", str(PROJECT_DIR / "build.py"), "serve", "--port", str(port), "--no-pdf"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    wait_until_serving(url, process)
    yield {"url": url, "content": content, "site": tmp_path / "site", "process": process}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def open_live(browser, url: str):
    """A page that has finished livereload's handshake, so that it hears the next reload."""
    page = browser.new_page()
    frames: list = []  # listened for from the start: the server's 'hello' may come before goto() returns
    page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: frames.append(frame)))
    page.goto(url)
    for _ in range(200):
        if frames:
            break
        page.wait_for_timeout(50)
    assert frames, "the page never finished livereload's handshake"
    page.wait_for_timeout(200)  # the page's 'info' reply, which subscribes it, follows at once
    return page


def wait_until_serving(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the server did not start: " + process.communicate()[0])


def edit(path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_a_saved_edit_reloads_the_open_page_with_the_new_content(server, browser):
    page = open_live(browser, server["url"] + "exercises/calf-raise/")
    assert page.locator("h1").inner_text() == "Calf raise"
    edit(server["content"] / EXERCISE, "title: Calf raise", "title: Calf raise on a step")
    page.wait_for_function("document.querySelector('h1').textContent === 'Calf raise on a step'", timeout=10_000)
    page.close()


def test_a_content_error_shows_over_the_page_and_clears_when_fixed(server, browser):
    page = open_live(browser, server["url"] + "exercises/calf-raise/")
    edit(server["content"] / EXERCISE, "muscles: [calves]", "muscles: [calfs]")
    overlay = page.locator("#exguide-errors")
    overlay.wait_for(timeout=10_000)
    assert "content/exercises/calf-raise.md:4: unknown muscle 'calfs'; did you mean 'calf'?" in overlay.inner_text()
    assert page.locator("h1").inner_text() == "Calf raise"  # the last good build stays
    other = browser.new_page()  # every page shows it, not only the one that was open
    other.goto(server["url"] + "muscles/")
    assert "unknown muscle 'calfs'" in other.locator("#exguide-errors").inner_text()
    edit(server["content"] / EXERCISE, "muscles: [calfs]", "muscles: [calves]")
    overlay.wait_for(state="detached", timeout=10_000)
    page.close()
    other.close()


def test_a_template_error_shows_with_the_template_and_line(tmp_path, browser):
    """A copy of the templates, broken while serving."""
    import shutil
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    content = make_guide(tmp_path)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-u", str(PROJECT_DIR / "build.py"), "serve", "--port", str(port),
                                "--no-pdf", "--content", str(content), "--templates", str(templates)],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", process)
        page = open_live(browser, f"http://127.0.0.1:{port}/muscles/calves/")
        edit(templates / "group.html", "<h1>{{ group.name }}</h1>", "<h1>{{ group.nme }}</h1>")
        overlay = page.locator("#exguide-errors")
        overlay.wait_for(timeout=10_000)
        assert "templates/group.html:8: template error: " in overlay.inner_text()  # the line of <h1>
        page.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def test_files_on_disk_never_carry_the_reload_script(server):
    urllib.request.urlopen(server["url"]).close()
    served = urllib.request.urlopen(server["url"] + "exercises/calf-raise/").read()
    assert b"/livereload.js" in served
    for page in server["site"].rglob("*.html"):
        assert b"livereload" not in page.read_bytes(), page


def test_the_last_build_is_served_from_memory_so_pages_reload_before_the_folder_is_written(server):
    (server["site"] / "exercises/calf-raise/index.html").unlink()
    served = urllib.request.urlopen(server["url"] + "exercises/calf-raise/")
    assert b"Calf raise" in served.read() and served.headers["Content-Type"].startswith("text/html")
    script = urllib.request.urlopen(server["url"] + "assets/exercises-data.js")
    assert script.headers["Content-Type"] in ("text/javascript", "application/javascript")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server["url"] + "exercises/no-such-exercise/")
    assert missing.value.code == 404
    moved = urllib.request.urlopen(server["url"] + "exercises/calf-raise")  # the folder's address, followed
    assert moved.url.endswith("/exercises/calf-raise/")


def test_pages_are_never_cached(server):
    response = urllib.request.urlopen(server["url"] + "exercises/calf-raise/")
    assert response.headers["Cache-Control"] == "no-store, max-age=0"
    assert response.headers["ETag"] is None


def test_nothing_outside_the_output_folder_is_served(server):
    port = server["url"].rsplit(":", 1)[1].rstrip("/")
    with socket.create_connection(("127.0.0.1", int(port))) as connection:
        connection.sendall(b"GET /../content/guide.yaml HTTP/1.1\r\nHost: x\r\n\r\n")
        status = connection.recv(100).split(b"\r\n")[0]
    assert status in (b"HTTP/1.1 403 Forbidden", b"HTTP/1.1 404 Not Found")


def test_ctrl_c_stops_the_server_cleanly(server):
    process = server["process"]
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in output
    assert output.rstrip().endswith("Stopped.")


def test_sigterm_stops_the_server_as_ctrl_c_does(server):
    process = server["process"]
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert output.rstrip().endswith("Stopped.")


def test_pdfs_are_made_in_the_background_once_edits_settle(tmp_path):
    make_guide(tmp_path)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-u", str(PROJECT_DIR / "build.py"), "serve", "--port", str(port)],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        pdf = tmp_path / "site/routines/leg-day.pdf"
        wait_until_serving(f"http://127.0.0.1:{port}/", process)
        assert not pdf.exists()  # serving started before the PDFs were made
        for _ in range(200):
            if pdf.exists():
                break
            time.sleep(0.1)
        assert pdf.read_bytes().startswith(b"%PDF")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_the_watchers_own_read_of_every_file_does_not_report_the_same_mistakes_again(tmp_path):
    from exguide.options import BuildOptions
    from exguide.pipeline import Builder
    from exguide.serve import Rebuilder, ServeState
    content = make_guide(tmp_path)
    logged: list[str] = []
    rebuilder = Rebuilder(Builder(BuildOptions(content, tmp_path / "site", pdfs=False)), ServeState(), logged.append)
    rebuilder.rebuild(changes=())
    exercise = content / "exercises/calf-raise.md"

    def reports() -> int:
        return sum("error(s); still serving" in line for line in logged)
    edit(exercise, "level: beginner", "level: expert")
    rebuilder.rebuild(changes=[str(exercise)])
    assert reports() == 1 and any("calf-raise.md" in line for line in logged)
    rebuilder.rebuild(changes=None)  # the watcher's first quiet moment: nothing new to say
    assert reports() == 1
    edit(exercise, "level: expert", "level: expert ")  # saved again, still wrong: said again
    rebuilder.rebuild(changes=[str(exercise)])
    assert reports() == 2


def _status(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_for_other_host_names_and_foreign_websockets_are_refused(server):
    """A page of another site that points its own name at 127.0.0.1 reads nothing and hears no reload."""
    port = server["url"].rsplit(":", 1)[1].rstrip("/")
    assert _status(server["url"], {"Host": f"localhost:{port}"}) == 200
    assert _status(server["url"], {"Host": f"evil.example:{port}"}) == 404
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for origin, status in ((f"http://evil.example:{port}", 403), (f"http://127.0.0.1:{port}", 101)):
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
        connection.request("GET", "/livereload", headers={**upgrade, "Origin": origin})
        assert connection.getresponse().status == status
        connection.close()


def test_a_null_byte_in_an_address_is_not_found_not_a_crash(server):
    assert _status(server["url"] + "exercises%00/", {}) == 404
    server["process"].send_signal(signal.SIGINT)
    output = server["process"].communicate(timeout=10)[0]
    assert "Traceback" not in output and "404 GET /exercises%00/" in output
