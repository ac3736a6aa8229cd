"""Content, arguments and caches that a careless or hostile hand wrote: a clear message and exit 1 or 2,
never a traceback, and the last good site untouched."""

from __future__ import annotations

import contextlib
import io
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import make_guide, read_tree
from exguide.cli import main
from exguide.seal import read_sealed, replace_file


def test_a_yaml_merge_builds_with_the_values_it_overrides(run_build, tmp_path):
    make_guide(tmp_path, {"exercises/merged.md": "---\ntitle: Merged\nsummary: Merges.\nmuscles: [calves]\n"
                                                 "dose:\n  <<: {sets: 2, reps: 5}\n  reps: 12\n---\n1. Go.\n"})
    result = run_build("--no-pdf")
    assert result.exit_code == 0, result.stderr
    assert "2 sets of 12 reps" in (tmp_path / "site/exercises/merged/index.html").read_text()


def test_new_makes_a_short_file_name_from_a_long_title(run_build, tmp_path):
    make_guide(tmp_path)
    result = run_build("new", "exercise", "word " * 100)
    assert result.exit_code == 0
    assert result.stdout == f"Created content/exercises/{'-'.join(['word'] * 16)}.md\n"


def test_new_refuses_a_title_that_is_not_text_and_leaves_no_file(run_build, tmp_path):
    content = make_guide(tmp_path)
    before = sorted(content.rglob("*"))
    for title in ("Bad \udcff byte", "Two\nlines"):
        result = run_build("new", "exercise", title)
        assert result.exit_code == 1
        assert result.stderr == ("build.py new: error: the title holds characters that are not text (a control "
                                 "character, or bytes that are not UTF-8); type it again\n")
    assert sorted(content.rglob("*")) == before


def test_import_skips_entries_whose_lists_are_not_text(run_build, tmp_path):
    entries = [{"id": "a", "name": "A", "instructions": [1], "primaryMuscles": ["calves"]},
               {"id": "b", "name": "B", "instructions": ["Rise."], "primaryMuscles": [None]},
               {"id": "c", "name": "C", "instructions": ["Rise."], "primaryMuscles": ["calves"]}]
    (tmp_path / "data.json").write_text(json.dumps(entries))
    make_guide(tmp_path)
    result = run_build("import", "free-exercise-db", "data.json", "--into", "imported",
                       "--muscles", "content/muscles.yaml")
    assert result.exit_code == 0
    assert result.stderr == "  skipped A: 'instructions' is not a list of text\n" \
                            "  skipped B: 'primaryMuscles' is not a list of text\n"
    assert sorted(p.name for p in (tmp_path / "imported/exercises").iterdir()) == ["c.md"]


def test_a_manifest_of_another_shape_means_a_clean_build(run_build, tmp_path):
    make_guide(tmp_path)
    assert run_build("--no-pdf").exit_code == 0
    clean = read_tree(tmp_path / "site")
    manifest = tmp_path / ".site-cache/manifest.json"
    saved = json.loads(bytes(read_sealed(manifest)))
    for change in ({"outputs": [1]}, {"outputs": {"index.html": 5}}, {"warnings": [5]}, {"inputs": None}):
        data = json.dumps({**saved, **change}).encode()
        replace_file(manifest, lambda file: file.write(data))  # as if this program had written it
        result = run_build("--no-pdf")
        assert result.exit_code == 0, result.stderr
        assert read_tree(tmp_path / "site") == clean


def _pages_after_an_edit(run_build, tmp_path, spoil) -> tuple[dict, dict]:
    """The site that a build makes after an edit once `spoil` has had its way with the cache, and the site a
    clean build makes."""
    content = make_guide(tmp_path)
    assert run_build("--no-pdf").exit_code == 0
    spoil(tmp_path / ".site-cache")
    exercise = content / "exercises/calf-raise.md"
    exercise.write_text(exercise.read_text().replace("Rises onto", "Rises up onto"))
    assert run_build("--no-pdf").exit_code == 0
    assert run_build("--no-pdf", "--no-cache", "--out", "clean").exit_code == 0
    return read_tree(tmp_path / "site"), read_tree(tmp_path / "clean")


def test_a_damaged_cache_means_a_clean_build(run_build, tmp_path):
    def damage(cache):
        for path in cache.rglob("*.pickle"):
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x20  # one bit: still a valid pickle, most often, of other text
            path.write_bytes(bytes(data))
    site, clean = _pages_after_an_edit(run_build, tmp_path, damage)
    assert site == clean


def test_a_hostile_or_foreign_cache_is_never_loaded(run_build, tmp_path):
    """A pickle that runs a command when loaded, as a cache beside a shared folder or one committed to the
    guide's repository could hold: the build ignores it, runs nothing, and makes the right pages."""
    import os
    import pickle

    ran = tmp_path / "the-command-ran"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {ran}",)

    def replace(cache):
        for path in [*cache.rglob("*.pickle"), *cache.glob("templates/*")]:
            path.write_bytes(pickle.dumps({"x": Payload()}))
    site, clean = _pages_after_an_edit(run_build, tmp_path, replace)
    assert site == clean
    assert not ran.exists()


def test_a_cache_file_with_a_good_seal_that_names_a_function_is_refused_not_run(run_build, tmp_path):
    """The seal keeps out what others wrote; the loader keeps out code even from a file that passed it (a
    cache this user's own key sealed, written by a tool gone wrong): it accepts the guide's types only."""
    import os
    import pickle

    ran = tmp_path / "the-command-ran"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {ran}",)

    def replace(cache):
        for path in cache.rglob("*.pickle"):
            data = pickle.dumps({"x": Payload()})
            replace_file(path, lambda file: file.write(data))  # sealed with this user's key
    site, clean = _pages_after_an_edit(run_build, tmp_path, replace)
    assert site == clean
    assert not ran.exists()


def test_the_cache_sits_beside_the_content_not_beside_the_output(run_build, tmp_path):
    make_guide(tmp_path)
    out = tmp_path / "elsewhere" / "public"
    assert run_build("--no-pdf", "--out", str(out)).exit_code == 0
    assert (tmp_path / ".public-cache/manifest.json").is_file()
    assert not (out.parent / ".public-cache").exists()


# What an author, a colleague's bad merge or a fuzzer puts in front matter: YAML's own marks, control
# characters, tabs, long digits, other scripts.
_PIECES = st.sampled_from(["&a ", "*a", "!!set ", "!!binary ", "<<: ", "? ", "- ", ": ", "[", "]", "{", "}", "#",
                           "|", ">", "'", '"', "\t", "\n", "\n  ", "\x00", "\x07", "\x1b", "\ufeff", "9" * 50,
                           "reps: ", "muscles: ", "title: ", "股四头肌", "%YAML 1.1\n", "---", "\\", "@", "`"])
_FRAGMENTS = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=8).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.integers(min_value=0, max_value=200), cut=st.integers(min_value=0, max_value=8),
       fragment=_FRAGMENTS)
def test_fuzzed_front_matter_builds_or_fails_cleanly(tmp_path_factory, where, cut, fragment):
    root = tmp_path_factory.mktemp("fuzz")
    content = make_guide(root)
    out = root / "site"
    assert _build(content, out) == 0
    before = read_tree(out)
    exercise = content / "exercises/calf-raise.md"
    text = exercise.read_text()
    where = min(where, text.index("\n---", 3))  # inside the front matter
    exercise.write_bytes((text[:where] + fragment + text[where + cut:]).encode("utf-8", "surrogatepass"))
    code = _build(content, out)
    assert code in (0, 1)
    if code == 1:
        assert read_tree(out) == before


def _build(content, out) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["build", "--content", str(content), "--out", str(out), "--no-pdf"])


def test_a_rebuild_that_raises_shows_over_the_page_and_the_next_save_rebuilds(tmp_path, monkeypatch):
    """Whatever a rebuild raises (here: a bug planted in the plan) ends in the overlay and the terminal, and
    the watcher's next rebuild works."""
    import exguide.pipeline
    from exguide.options import BuildOptions
    from exguide.serve import Rebuilder, ServeState

    content = make_guide(tmp_path)
    real_plan_site = exguide.pipeline.plan_site

    def planted_bug(guide, *args, **kwargs):
        if any(exercise.title == "Crash" for exercise in guide.exercises):
            raise RuntimeError("planted")
        return real_plan_site(guide, *args, **kwargs)

    monkeypatch.setattr(exguide.pipeline, "plan_site", planted_bug)
    lines: list[str] = []
    state = ServeState()
    rebuilder = Rebuilder(exguide.pipeline.Builder(BuildOptions(content, tmp_path / "site", pdfs=False)), state,
                          lines.append)
    assert rebuilder.rebuild(changes=()) != []
    exercise = content / "exercises/calf-raise.md"
    exercise.write_text(exercise.read_text().replace("title: Calf raise", "title: Crash"))
    assert rebuilder.rebuild(changes=[str(exercise)]) == []
    assert [problem.format() for problem in state.problems] == [
        f"{content}:1: the build stopped on an error of exguide's own (RuntimeError: planted); the terminal "
        "shows where. Please report it; saving a file tries again"]
    assert "Traceback" in lines[-1] and "RuntimeError: planted" in lines[-1]
    exercise.write_text(exercise.read_text().replace("title: Crash", "title: Calf lift"))
    assert "exercises/calf-raise/index.html" in rebuilder.rebuild(changes=[str(exercise)])
    assert state.problems == []
    assert "<h1>Calf lift</h1>" in (tmp_path / "site/exercises/calf-raise/index.html").read_text()


def test_a_base_url_with_a_line_break_is_refused_and_robots_txt_is_plain_text(run_build, tmp_path):
    content = make_guide(tmp_path)
    guide = (content / "guide.yaml").read_text()
    (content / "guide.yaml").write_text(guide + 'base_url: "https://example.org/\\nDisallow: /"\n')
    result = run_build("--no-pdf")
    assert result.exit_code == 1
    assert "is not a web address; write it in full, like 'https://example.org/guide/'" in result.stderr
    (content / "guide.yaml").write_text(guide + 'base_url: "https://example.org/a&b/"\n')
    assert run_build("--no-pdf").exit_code == 0
    assert "Sitemap: https://example.org/a&b/sitemap.xml\n" in (tmp_path / "site/robots.txt").read_text()


def test_a_file_name_that_ends_with_a_line_break_is_not_a_slug(run_build, tmp_path):
    content = make_guide(tmp_path)
    (content / "exercises/calf-raise.md").rename(content / "exercises/calf-raise\n.md")
    result = run_build("--no-pdf")
    assert result.exit_code == 1
    assert "cannot be used in a web address" in result.stderr


class _Trial:
    """A guide whose content can be set to an old or a new text, with the sites clean builds make of each."""

    def __init__(self, root, content, path: str, old: str, new: str) -> None:
        import sys

        from conftest import PROJECT_DIR

        self.root, self.file, self.old, self.new = root, content / path, old, new
        self.command = [sys.executable, str(PROJECT_DIR / "build.py"), "build", "--no-pdf"]
        self.trees = {}
        for name in ("new", "old"):
            self.set(name)
            self.run("--out", f"clean-{name}", "--no-cache")
            self.trees[name] = read_tree(root / f"clean-{name}")
        self.run()

    def set(self, name: str) -> None:
        text = self.file.read_text()
        self.file.write_text(text.replace(self.new, self.old) if name == "old" else text.replace(self.old, self.new))

    def run(self, *arguments: str) -> None:
        import subprocess

        subprocess.run([*self.command, *arguments], cwd=self.root, check=True, capture_output=True)

    def killed(self, when) -> str:
        """Build the new text over the old site, kill the build when `when(process)` returns; which whole
        site the output folder holds then."""
        import subprocess

        self.set("old")
        self.run()
        assert read_tree(self.root / "site") == self.trees["old"]
        self.set("new")
        build = subprocess.Popen(self.command, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        when(build)
        build.kill()
        build.wait()
        left = read_tree(self.root / "site")
        assert left in (self.trees["old"], self.trees["new"]), "a killed build left a mixed site"
        return "new" if left == self.trees["new"] else "old"

    def finish(self) -> None:
        self.run()
        assert read_tree(self.root / "site") == self.trees["new"]
        assert sorted(p.name for p in self.root.iterdir() if p.name.startswith(".site")) == [
            ".site-cache", ".site.next"]


def test_a_build_killed_at_any_moment_leaves_one_whole_site(tmp_path):
    """SIGKILL at points spread over an incremental build: the output folder is always the last whole site or
    the new one, and the next build makes the right site from whatever was left."""
    import time

    content = make_guide(tmp_path)
    trial = _Trial(tmp_path, content, "exercises/calf-raise.md", "Rises onto the toes", "Rises slowly onto the toes")
    trial.set("old")
    trial.run()
    trial.set("new")
    started = time.perf_counter()
    trial.run()
    whole = time.perf_counter() - started
    # From a fifth of the build's time to twice it: a build slower than the one timed (a busy machine) is still
    # killed after its swap by the last steps.
    seen = {trial.killed(lambda build: time.sleep(whole * (0.2 + 1.8 * step / 15))) for step in range(16)}
    assert seen == {"old", "new"}  # the kills fell both before and after the swap
    trial.finish()


def test_a_build_killed_as_the_site_folder_first_changes_leaves_one_whole_site(tmp_path):
    """Aimed: the build is killed as soon as anything changes in the output folder, while a guide of 300
    exercises has every page to replace (its title changed). Putting files in place one by one left 1 new file
    and the rest old."""
    import sys
    import threading

    import watchfiles

    from conftest import PROJECT_DIR

    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    from generate import generate_guide

    content = generate_guide(tmp_path, 300)
    title = next(line for line in (content / "guide.yaml").read_text().splitlines() if line.startswith("title:"))
    trial = _Trial(tmp_path, content, "guide.yaml", title, "title: A new title")

    def on_first_change(build) -> None:
        stop = threading.Event()
        threading.Timer(60, stop.set).start()
        for _ in watchfiles.watch(tmp_path / "site", debounce=1, step=1, stop_event=stop, recursive=True):
            break
        stop.set()

    assert {trial.killed(on_first_change) for _ in range(3)} <= {"old", "new"}
    trial.finish()


def test_serve_memory_levels_off_over_bursts_of_saves_with_pdfs(tmp_path):
    """Each burst: five saves, the PDFs once the edits settle, the garbage collected at the next quiet moment,
    as the watcher does. Before, each burst kept 6 MB for good (frozen garbage, WeasyPrint's own memory)."""
    import exguide.pipeline
    from exguide.options import BuildOptions
    from exguide.serve import Rebuilder, ServeState

    def resident_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 1e6

    content = make_guide(tmp_path)
    rebuilder = Rebuilder(exguide.pipeline.Builder(BuildOptions(content, tmp_path / "site")), ServeState(),
                          lambda line: None)
    rebuilder.rebuild(with_pdfs=True, changes=None)
    exercise = content / "exercises/calf-raise.md"
    original = exercise.read_text()
    sizes = []
    for burst in range(10):
        for save in range(5):
            exercise.write_text(original.replace("Rises onto", f"Rises {burst} {save} onto"))
            assert rebuilder.rebuild(changes=[str(exercise)]) != []
        rebuilder.rebuild(with_pdfs=True, changes=())
        rebuilder.collect()
        sizes.append(resident_mb())
    assert sizes[-1] - sizes[3] < 3, sizes


def test_a_long_yaml_file_without_aliases_is_not_taken_for_an_alias_bomb():
    from pathlib import Path

    from exguide.sources import parse_yaml

    data, _ = parse_yaml("credits:\n" + "".join(f"  - Credit line {n}\n" for n in range(20_000)), Path("g.yaml"), 1)
    assert len(data["credits"]) == 20_000
