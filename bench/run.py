"""How fast the build is, on guides of 1,000 and 10,000 exercises, against the tools people would otherwise pick.

    python bench/run.py [--sizes 1000 10000] [--runs 3] [--json bench/results/latest.json]
                        [--corpus generated|free-exercise-db] [--only-ours]

For each size it generates a seeded guide (bench/generate.py) and times, as whole processes, the median of
--runs runs of: our cold build (no cache), a rebuild with nothing changed, a rebuild after editing one
exercise (and, for scale, a new Python process that only imports the build), and, with `serve` running,
the time from saving an exercise to its rebuilt page being served, with the rebuild's own time as `serve`
logs it: until the server has the new files (it serves them from memory and reloads the pages at once),
and until it has also written them to the output folder.
It records the peak memory of each process tree (proportional set size, so forked workers' shared pages
count once). Then it times the same guide as a Hugo, Pelican and MkDocs project, where those are
installed (`make bench` installs them in .venv-bench), and a plain Python-Markdown + Jinja2 loop, the floor
of our own stack. PDFs are off in our builds: the other tools make none. Every tool's timed build starts
from an empty output folder; the last run's files are moved aside, not removed, until the timing is over
(see `emptied`).

It prints a table with our time as a ratio to each tool's and the targets of issue #6, and writes the same
as JSON. `--corpus free-exercise-db` times the same on the real data set, scaled up (see generate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import corpora
from generate import CORPORA, PROJECT_DIR

BUILD = [sys.executable, str(PROJECT_DIR / "build.py")]


@dataclass
class Timing:
    """The runs of one measurement: seconds each, and the largest peak memory among them, in MB."""

    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def peak_memory_of(process: subprocess.Popen, stop: threading.Event, peak: list[float]) -> None:
    """Sample the process tree's proportional set size until `stop`; the largest sum goes into `peak`."""
    while not stop.wait(0.05):
        peak[0] = max(peak[0], sum(_pss_kb(pid) for pid in _tree(process.pid)) / 1024)


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def timed(command: list[str], timing: Timing, timeout: float, cwd: Path | None = None) -> bool:
    """Run `command` once, adding its time and peak memory to `timing`; False when it failed or timed out."""
    stop, peak = threading.Event(), [0.0]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = threading.Thread(target=peak_memory_of, args=(process, stop, peak), daemon=True)
    sampler.start()
    try:
        _, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        timing.note = f"over {timeout:.0f} s"
        return False
    finally:
        stop.set()
        sampler.join()
    if process.returncode != 0:
        timing.note = f"failed: {errors.decode(errors='replace').strip().splitlines()[-1:]}"
        return False
    timing.seconds.append(time.perf_counter() - started)
    timing.peak_mb = max(timing.peak_mb, peak[0])
    return True


SETTLE_SECONDS = 1.0


def emptied(*folders: Path) -> None:
    """Make way for a timed build: what the last run left is moved aside (into the bench's folder, removed with
    it once every timing is done), and the disk given a second after flushing its writes. Every tool's timed
    build starts from an empty output folder (Pelican and Hugo had the files of their last run to write over,
    and we none). Nothing is removed between timings: on the machine of 2026-12-02-14.json, a folder of
    10,000 files written just after 10,000 others were removed took 3.5 s instead of 0.8 s, 6 s after two such
    removals, and a minute's wait did not bring it back to 0.8 s (the file system is mounted with `discard`);
    each tool's successive cold runs grew slower run after run while the bench removed its output between
    them."""
    for folder in folders:
        if folder.exists():
            folder.rename(folder.parent / f".aside-{folder.name}-{time.monotonic_ns()}")
    os.sync()
    time.sleep(SETTLE_SECONDS)


def edit_exercise(content: Path, number: int, marker: str) -> Path:
    path = content / "exercises" / f"exercise-{number:05d}.md"
    text = path.read_text()
    path.write_text(re.sub(r"^title: .*$", f"title: Exercise {number:05d} {marker}", text, count=1, flags=re.M))
    return path


def time_ours(root: Path, size: int, runs: int, timeout: float) -> dict[str, Timing]:
    content, out = root / "content", root / "site"
    build = [*BUILD, "build", "--content", str(content), "--out", str(out), "--no-pdf"]
    cold, unchanged, one_edit = Timing(), Timing(), Timing()
    for _ in range(runs):
        emptied(out, root / ".site-cache")
        timed(build, cold, timeout)
    for run in range(runs):
        timed(build, unchanged, timeout)
    for run in range(runs):
        edit_exercise(content, (run * 7919) % size, f"edited {run}")
        timed(build, one_edit, timeout)
    return {"cold build": cold, "no-change rebuild": unchanged, "one-edit rebuild": one_edit,
            "new process: Python, imports": time_imports(runs, timeout), **time_serve(root, size, runs)}


def time_imports(runs: int, timeout: float) -> Timing:
    """Starting Python and importing the build, which any build in a new process takes before its work: the
    part of the one-edit rebuild that no cache can spare (`serve` pays it once)."""
    imports = Timing(note="what every build in a new process takes before its work")
    for _ in range(runs):
        timed([sys.executable, "-c", "import exguide.pipeline"], imports, timeout, cwd=PROJECT_DIR)
    return imports


def time_serve(root: Path, size: int, runs: int) -> dict[str, Timing]:
    """Save an exercise with `serve` running; time until its page is served with the edit, and the rebuild."""
    port = _free_port()
    log = root / "serve.log"
    with open(log, "w") as output:
        server = subprocess.Popen([*BUILD, "serve", "--no-pdf", "--port", str(port), "--content", str(root / "content"),
                                   "--out", str(root / "served")], stdout=output, stderr=subprocess.STDOUT)
    saved, rebuilt, written = Timing(), Timing(), Timing()
    try:
        _wait_for(f"http://127.0.0.1:{port}/", 600)
        # Past the one full read serve makes when its watcher first has a quiet moment (2 s), which would
        # otherwise be timed as the first edit's rebuild: the edits time an editing session's rebuilds.
        time.sleep(3.0)
        for run in range(runs):
            number = (run * 104_729 + 13) % size
            marker = f"served-{run}-{time.monotonic_ns()}"
            started = time.perf_counter()
            edit_exercise(root / "content", number, marker)
            address = f"http://127.0.0.1:{port}/exercises/exercise-{number:05d}/"
            while marker not in _fetch(address):
                if time.perf_counter() - started > 60:
                    raise SystemExit("serve did not show the edit within 60 s")
                time.sleep(0.005)
            saved.seconds.append(time.perf_counter() - started)
            time.sleep(1.0)
            built = re.findall(r"Built in (\d+) ms.* written after (\d+) ms", log.read_text())
            rebuilt.seconds.append(int(built[-1][0]) / 1000 if built else float("nan"))
            written.seconds.append(int(built[-1][1]) / 1000 if built else float("nan"))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # started with Ctrl-C ignored, as a background job of a shell is
            server.terminate()
            server.wait(timeout=30)
    return {"serve: rebuild after a save": rebuilt, "serve: ... and site/ written": written,
            "serve: save to page served": saved}


def _fetch(address: str) -> str:
    try:
        with urllib.request.urlopen(address, timeout=5) as response:
            return response.read().decode()
    except OSError:
        return ""


def _wait_for(address: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not _fetch(address):
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not answer at {address}")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tool_commands(root: Path, tools: Path | None) -> dict[str, tuple[list[str], Path, Path] | None]:
    """How to build the guide under `root` with each other tool (its command, the folder it runs in and the
    folder it writes), or None where it is not installed."""
    content = root / "content"

    def installed(name: str) -> str | None:
        found = tools / name if tools and (tools / name).exists() else shutil.which(name)
        return str(Path(found).absolute()) if found else None  # the tools run in their projects' folders

    commands: dict[str, tuple[list[str], Path, Path] | None] = {
        "Python-Markdown + Jinja2 loop": ([sys.executable, str(Path(__file__).parent / "floor.py"), str(content),
                                           str(root / "floor-site")], root, root / "floor-site")}
    hugo, pelican, mkdocs = installed("hugo"), installed("pelican"), installed("mkdocs")
    commands["Hugo"] = ([hugo, "--quiet", "--source", str(corpora.hugo_project(content, root / "hugo")),
                         "--destination", str(root / "hugo-site")], root, root / "hugo-site") if hugo else None
    pelican_site = root / "pelican-site"
    commands["Pelican"] = ([pelican, "content", "--quiet", "-o", str(pelican_site), "-s", "pelicanconf.py"],
                           corpora.pelican_project(content, root / "pelican"), pelican_site) if pelican else None
    commands["MkDocs"] = ([mkdocs, "build", "--quiet", "--site-dir", str(root / "mkdocs-site")],
                          corpora.mkdocs_project(content, root / "mkdocs"), root / "mkdocs-site") if mkdocs else None
    return commands


def time_others(root: Path, runs: int, timeout: float, tools: Path | None) -> dict[str, Timing]:
    results = {}
    for name, command in tool_commands(root, tools).items():
        timing = results[name] = Timing()
        if command is None:
            timing.note = "not installed"
            continue
        argv, cwd, output = command
        for _ in range(runs):
            emptied(output)
            if not timed(argv, timing, timeout, cwd=cwd):
                break
    return results


TARGETS = {  # issue #6, for 10,000 exercises
    "no-change rebuild": 1.0,
    "one-edit rebuild": 0.150,
    "serve: rebuild after a save": 0.150,
    "serve: save to page served": 0.5,
}


def report(results: dict[int, dict[str, Timing]]) -> list[str]:
    lines = [f"{'exercises':>9}  {'measurement':<31}{'median':>10}{'peak MB':>9}  ours as a ratio / note"]
    for size, timings in results.items():
        ours = timings["cold build"].median
        for name, timing in timings.items():
            median = f"{timing.median:9.2f}s" if timing.median is not None else f"{'-':>10}"
            peak = f"{timing.peak_mb:9.0f}" if timing.peak_mb else f"{'':>9}"
            lines.append(f"{size:>9,}  {name:<31}{median}{peak}  {_verdict(name, size, timing, ours)}")
    sizes = sorted(results)
    if len(sizes) > 1 and all(results[s]["cold build"].median for s in sizes):
        growth = results[sizes[-1]]["cold build"].median / results[sizes[0]]["cold build"].median
        lines.append(f"cold build grows {growth:.1f}x from {sizes[0]:,} to {sizes[-1]:,} exercises "
                     f"(target: at most {sizes[-1] / sizes[0] * 1.1:.0f}x)")
    return lines


def _verdict(name: str, size: int, timing: Timing, ours: float | None) -> str:
    if timing.note:
        return timing.note
    if name in TARGETS and size >= 10_000:
        return f"target {TARGETS[name]:.2f} s: {'met' if timing.median < TARGETS[name] else 'MISSED'}"
    if name == "cold build" and size >= 10_000:
        return f"target under 300 MB: {'met' if timing.peak_mb < 300 else 'MISSED'}"
    if ours and name not in ("cold build", "no-change rebuild", "one-edit rebuild") and not name.startswith("serve"):
        return f"ours takes {ours / timing.median:.2f}x its time"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000], help="guide sizes to time")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default: 3)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a build counts as failed")
    parser.add_argument("--tools", type=Path, help="folder of the other tools' commands (default: PATH)")
    parser.add_argument("--json", type=Path, default=PROJECT_DIR / "bench" / "results" / "latest.json",
                        help="where to write the results (default: bench/results/latest.json)")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="generated",
                        help="the exercises: generated (default), or free-exercise-db scaled up (needs shared/)")
    parser.add_argument("--only-ours", action="store_true", help="time our builds only, not the other tools")
    arguments = parser.parse_args()
    results: dict[int, dict[str, Timing]] = {}
    with tempfile.TemporaryDirectory(prefix="exguide-bench-") as folder:
        for size in arguments.sizes:
            root = Path(folder) / str(size)
            CORPORA[arguments.corpus](root, size)
            print(f"timing {size:,} exercises ({arguments.corpus})…", file=sys.stderr, flush=True)
            results[size] = time_ours(root, size, arguments.runs, arguments.timeout)
            if not arguments.only_ours:
                results[size].update(time_others(root, arguments.runs, arguments.timeout, arguments.tools))
    lines = report(results)
    print("\n".join(lines))
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps({
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "runs": arguments.runs,
        "corpus": arguments.corpus,
        "results": {str(size): {name: {**asdict(t), "median": t.median} for name, t in timings.items()}
                    for size, timings in results.items()},
        "table": lines,
    }, indent=2) + "\n")
    print(f"written to {arguments.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
