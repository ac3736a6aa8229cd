"""Small pieces checked on their own: dose wording, links, muscle names, steps, safe writing."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import jinja2
import markdown
import pytest
from markupsafe import Markup

from exguide.body import BodyRenderer
from exguide.markdown_speedup import (AUDITED_BLOCK_TESTS, CHECKED_WITH, EXTENSIONS, PLAIN_EXTENSIONS,
                                      quicken_block_parsing, quicken_inline_passes, uses_extra)
from exguide.links import relative_url
from exguide.parallel import in_worker, run_shared
from exguide.problems import ContentError
from exguide.render import make_environment
from exguide.schema import Dose
from exguide.sheet import log_caption, log_columns
from exguide.staging import UnsafeOutputPath
from exguide.write import Pieces, SiteWriter, write_site


@pytest.mark.parametrize("fields, words", [
    ({"sets": 3, "hold": 30, "sides": "each"}, "3 × 30 s hold, each side"),
    ({"sets": 2, "reps": 10}, "2 sets of 10 reps"),
    ({"reps": 1}, "1 rep"),
    ({"sets": 1}, "1 set"),
    ({"duration": 90}, "1 min 30 s"),
    ({"sets": 3, "duration": 120, "rest": 15}, "3 × 2 min, rest 15 s between sets"),
    ({"reps": 8, "hold": 5, "sides": "each"}, "8 reps with a 5 s hold, each side"),
    ({"reps": 20, "duration": 60}, "20 reps in 1 min"),
    ({"hold": 45, "sides": "both", "rest": 60}, "45 s hold, rest 1 min"),
    ({}, ""),
])
def test_doses_read_as_plain_words(fields, words):
    assert Dose(**fields).describe() == words


def test_a_routine_dose_overrides_only_the_fields_it_sets():
    own = Dose(sets=2, hold=30, sides="each")
    assert own.merged(Dose(hold=45)) == Dose(sets=2, hold=45, sides="each")
    assert own.merged(None) is own


@pytest.mark.parametrize("source, target, link", [
    ("index.html", "muscles/index.html", "muscles/index.html"),
    ("exercises/a/index.html", "exercises/b/index.html", "../b/index.html"),
    ("exercises/a/index.html", "assets/style.css", "../../assets/style.css"),
    ("muscles/index.html", "index.html", "../index.html"),
])
def test_links_are_relative_to_the_page(source, target, link):
    assert relative_url(source, target) == link


def test_steps_are_the_first_numbered_list_with_inline_markup():
    body = BodyRenderer().render("Intro & more.\n\n## Steps\n\n1. Kneel **down**.\n2. Lean <em>in</em>.\n\n"
                                 "- a bullet\n\n1. a later list\n")
    assert body.steps == ("Kneel <strong>down</strong>.", "Lean <em>in</em>.")
    assert '<ol class="steps">' in body.html and body.html.count("<ol") == 2


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b.html"])
def test_the_writer_refuses_paths_outside_the_output_folder(tmp_path, bad):
    with pytest.raises(UnsafeOutputPath):
        write_site({"index.html": b"ok", bad: b"no"}, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    assert list(tmp_path.iterdir()) == []


def test_an_update_of_the_site_writes_what_changed_and_puts_it_in_place_in_one_step(tmp_path):
    site = tmp_path / "site"
    write_site({"print/index.html": b"old booklet", "index.html": b"home", "gone/index.html": b"gone"}, site)
    unchanged = (site / "index.html").stat().st_ino
    with open(site / "print/index.html", "rb") as reader:  # a server that is sending the old page
        files = {"print/index.html": b"new booklet", "index.html": b"home"}
        changed = SiteWriter(site).update(files, {"print/index.html": b"old booklet", "index.html": b"home",
                                            "gone/index.html": b"gone"})
        assert reader.read() == b"old booklet"
    assert changed == ["print/index.html", "gone/index.html"] and read_files(site) == files
    assert (site / "index.html").stat().st_ino == unchanged and not (site / "gone").exists()


def read_files(root: Path) -> dict[str, bytes]:
    """The site's files, without the mark that makes the folder the build's own (which is no page)."""
    assert (root / ".exguide").is_file()
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*")
            if path.is_file() and path.name != ".exguide"}


@pytest.mark.parametrize("frequency, caption, columns", [
    ("daily", "Tick a box each day for a week", 7),
    ("every day after a run", "Tick a box each day for a week", 7),
    ("3 times a week", "Tick a box each session this week", 3),
    ("twice a week", "Tick a box each session this week", 2),
    ("3x per week", "Tick a box each session this week", 3),
    ("7 times a week", "Tick a box each day for a week", 7),
])
def test_the_log_has_a_column_per_day_or_per_session(frequency, caption, columns):
    assert log_caption(frequency) == caption
    assert log_columns(frequency) == tuple(str(n) for n in range(1, columns + 1))


@pytest.mark.parametrize("text, message", [
    ("title: a: b\n", "1: YAML syntax error: a value contains ': '; put text that contains ': ' in quotes"),
    ("title: x\n\tsummary: y\n", "2: YAML syntax error: a tab character; indent with spaces, not tabs"),
    ("title: [broken\n", "2: YAML syntax error: a list opened with '[' is not closed with ']'"),
    ("title: 'x\n", "2: YAML syntax error: a quoted value is not closed; end it with the same quote mark"),
    ("x: @foo\n", "1: YAML syntax error: a value starts with a character YAML reserves; put the value in quotes"),
])
@pytest.mark.parametrize("loader", ["SafeLoader", "CSafeLoader"])
def test_yaml_mistakes_read_the_same_whichever_parser_reads_them(monkeypatch, text, message, loader):
    import yaml
    from exguide import sources
    if not hasattr(yaml, loader):
        pytest.skip(f"this PyYAML has no {loader}")
    monkeypatch.setattr(sources, "_LOADER", getattr(yaml, loader))
    with pytest.raises(ContentError) as raised:
        sources.parse_yaml(text, Path("guide.yaml"), first_line=1)
    assert raised.value.problems[0].format() == f"guide.yaml:{message}"


def test_the_build_cache_keeps_what_the_last_build_used_and_survives_a_build_that_used_nothing():
    from exguide.cache import GenerationCache
    cache = GenerationCache()
    made = []

    def make(key):
        return lambda: made.append(key) or key

    cache.get("a", make("a")); cache.get("b", make("b"))
    cache.next_build()
    cache.get("a", make("a"))                     # b goes unused in this build
    cache.next_build()
    cache.next_build()                            # a build that asked nothing
    cache.get("a", make("a")); cache.get("b", make("b"))
    assert made == ["a", "b", "b"]                # a was kept across the idle build; b was dropped


def _markdown_samples() -> list[str]:
    """Bodies that use every kind of inline Markdown, the guides' bodies, and the shared data set's steps."""
    project = Path(__file__).resolve().parent.parent
    samples = [sample for name in ("inline-samples.md", "block-samples.md")
               for sample in (project / "tests" / "markdown" / name).read_text().split("\n\n")]
    samples += [path.read_text().split("---", 2)[-1] for folder in ("content", "tests/fixture")
                for path in sorted((project / folder).rglob("*.md"))]
    shared = project.parent / "shared" / "corpora" / "free-exercise-db" / "exercises.json"
    if shared.is_file():
        samples += ["\n".join(f"{n}. {step}" for n, step in enumerate(entry["instructions"], 1))
                    for entry in json.loads(shared.read_text())]
    return ["\n\n".join(samples), *samples]


@pytest.mark.parametrize("extensions", [EXTENSIONS, PLAIN_EXTENSIONS])
def test_the_quick_inline_passes_give_python_markdowns_own_html(extensions):
    own = markdown.Markdown(extensions=extensions, output_format="html")
    quick = markdown.Markdown(extensions=extensions, output_format="html")
    replaced = quicken_inline_passes(quick)
    if markdown.__version__.startswith(CHECKED_WITH):  # the version whose patterns were read; another keeps its own
        assert replaced == ["inline", "smarty"], "the audited inline patterns are not found: read them again " \
                                                 "and record their digests in AUDITED_INLINE_PASSES"
    for sample in _markdown_samples():
        assert quick.reset().convert(sample) == own.reset().convert(sample), sample


@pytest.mark.parametrize("extensions", [EXTENSIONS, PLAIN_EXTENSIONS])
def test_the_quick_block_tests_give_python_markdowns_own_html(extensions):
    own = markdown.Markdown(extensions=extensions, output_format="html")
    quick = markdown.Markdown(extensions=extensions, output_format="html")
    quickened = quicken_block_parsing(quick)
    if markdown.__version__.startswith(CHECKED_WITH):  # the version whose processors were read
        assert quickened == [*AUDITED_BLOCK_TESTS, *(["html_block"] if "extra" not in extensions else [])], \
            "the audited block processors are not found: read them again and record their digests"
    for sample in _markdown_samples():
        assert quick.reset().convert(sample) == own.reset().convert(sample), sample


# One body for each way an extension of "extra" changes the HTML, each found by its mark.
USES_EXTRA = [
    "Term\n: A definition.", "- An item\n\n    Term\n    :   A definition inside the item.",
    "> Term\n> : A definition in a quote.", "1. Term\n   : A definition after a number.",
    "Term\r: A definition after a carriage return.", "Term\r\n:   A definition after a Windows line end.",
    "a | b\n--|--\n1 | 2", "## A heading {: #custom }", "A paragraph.\n{: .klass }", "~~~\nfenced code\n~~~",
    "```\nfenced code\n```", "A note[^1].\n\n[^1]: The note.", "*[HTML]: Hyper Text Markup Language\n\nHTML here.",
    '<div markdown="1">\n*emphasis* inside HTML\n</div>',
]


def test_bodies_without_the_marks_of_extra_convert_without_it_to_the_same_html_and_steps():
    plain = markdown.Markdown(extensions=PLAIN_EXTENSIONS, output_format="html")
    for sample in USES_EXTRA:  # each mark is needed: without "extra", this body would come out otherwise
        assert uses_extra(sample) and plain.reset().convert(sample) != _extra(sample), sample
    samples = [*_markdown_samples(), *USES_EXTRA, "Entities without HTML: &amp; &copy; &#8212; and a bare &."]
    assert 10 < sum(not uses_extra(sample) for sample in samples) < len(samples)
    renderer, with_extra = BodyRenderer(), BodyRenderer()
    with_extra._plain = with_extra._full  # "extra" for every body
    for sample in samples:
        assert renderer._convert(sample) == with_extra._convert(sample), sample


def _extra(text: str) -> str:
    """Python-Markdown's own HTML of `text`, with every extension of the build."""
    return markdown.Markdown(extensions=EXTENSIONS, output_format="html").convert(text)


def test_a_shared_fragment_cannot_link_since_it_is_the_same_on_every_page(tmp_path):
    (tmp_path / "linked.html").write_text('<a href="{{ url(\'index.html\') }}">{{ text }}</a>\n')
    (tmp_path / "plain.html").write_text("<b>{{ text }}</b>\n")
    shared = make_environment(tmp_path).globals["shared_fragment"]
    assert shared("plain.html", text="<1>") == Markup("<b>&lt;1&gt;</b>")
    assert shared("plain.html", text="<1>") is shared("plain.html", text="<1>")
    with pytest.raises(jinja2.UndefinedError, match="'url' is undefined"):
        shared("linked.html", text="x")


def _slow_piece(number: int) -> tuple[int, int, bool]:
    time.sleep(0.01)  # long enough for the forked worker to start and take its share
    return number, os.getpid(), in_worker()


def test_shared_work_gives_each_result_once_from_this_process_and_a_worker():
    results = list(run_shared(_slow_piece, range(40), workers=2))
    assert sorted(number for number, _, _ in results) == list(range(40))
    assert len({pid for _, pid, _ in results}) == 2 and os.getpid() in {pid for _, pid, _ in results}
    assert {number for number, pid, _ in results if pid == os.getpid()} >= {0, 1}  # this process takes the front
    assert all(worker == (pid != os.getpid()) for _, pid, worker in results) and not in_worker()


def _fails_at_the_back(number: int) -> int:
    if number == 39:
        raise ValueError("piece 39 failed")
    time.sleep(0.01)
    return number


def test_a_workers_exception_reaches_this_process():
    with pytest.raises(ValueError, match="piece 39 failed"):
        list(run_shared(_fails_at_the_back, range(40), workers=2))


def test_a_first_update_over_a_built_folder_writes_only_what_differs(tmp_path):
    site = tmp_path / "site"
    write_site({"index.html": b"same", "a/index.html": b"old", "gone/index.html": b"gone"}, site)
    same_before = (site / "index.html").stat().st_ino
    files = {"index.html": b"same", "a/index.html": b"new", "b/index.html": b"added"}
    changed = SiteWriter(site).update(files, previous=None)
    assert changed == ["a/index.html", "b/index.html", "gone/index.html"]
    assert read_files(site) == files and not (site / "gone").exists()
    assert (site / "index.html").stat().st_ino == same_before  # not written again


def test_pieces_are_equal_to_the_bytes_they_make_and_are_written_as_those():
    pieces = Pieces([b"<ul>", b"<li>a</li>", b"</ul>"])
    assert len(pieces) == 19 and bytes(pieces) == b"<ul><li>a</li></ul>" and b"a</li></" in pieces
    assert pieces == b"<ul><li>a</li></ul>" == pieces and pieces == Pieces([b"<ul><li>", b"a</li></ul>"])
    assert pieces == Pieces([b"<ul>", b"<li>a</li>", b"</ul>"]) != Pieces([b"<ul>", b"<li>b</li>", b"</ul>"])
    assert pieces != b"<ul><li>b</li></ul>" and pieces != Pieces([b"<ul><li>b</li></ul>"]) and pieces != "text"


def test_an_update_writes_and_compares_pieces_as_their_bytes(tmp_path):
    site = tmp_path / "site"
    write_site({"index.html": Pieces([b"<p>", b"old", b"</p>"])}, site)
    assert (site / "index.html").read_bytes() == b"<p>old</p>"
    previous = {"index.html": Pieces([b"<p>", b"old", b"</p>"]), "a.js": b"same"}
    files = {"index.html": Pieces([b"<p>", b"new", b"</p>"]), "a.js": Pieces([b"sa", b"me"])}
    assert SiteWriter(site).update(files, previous) == ["index.html"]
    assert (site / "index.html").read_bytes() == b"<p>new</p>" and not (site / "a.js").exists()


def test_a_reader_takes_what_another_read_without_reading_the_files_again(tmp_path, monkeypatch):
    from exguide.sources import SourceReader
    path = tmp_path / "squat.md"
    path.write_text("---\ntitle: Squat\n---\n1. Sit back.\n")
    worker, parent = SourceReader(), SourceReader()
    document = worker.markdown(path)
    parent.remember(worker.cache.take_made())
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read again"))
    assert parent.markdown(path) is document


def test_equipment_pieces_gather_spellings_and_list_each_exercise_once_under_each_piece():
    from exguide.model import Exercise
    from exguide.lists import equipment_pieces
    from exguide.paths import equipment_piece, path_of
    from exguide.schema import Dose

    def exercise(slug: str, *equipment: str) -> Exercise:
        return Exercise(slug, slug.title(), "", (), (), equipment, None, None, None, Dose(), (), (), (), "", (),
                        Path(f"{slug}.md"))
    exercises = (exercise("a", "Resistance band", "chair"), exercise("b"), exercise("c", "resistance band"),
                 exercise("d", "Chair", "chair", "None"))
    pieces = equipment_pieces(exercises)
    assert [(piece.slug, piece.name, [e.slug for e in piece.exercises]) for piece in pieces] == [
        ("none", "No equipment", ["b", "d"]), ("chair", "Chair", ["a", "d"]),
        ("resistance-band", "Resistance band", ["a", "c"])]
    assert path_of(equipment_piece("resistance band")) == "equipment/resistance-band/index.html"
    assert path_of(equipment_piece("None")) == path_of(pieces[0]) == "equipment/none/index.html"


def test_a_site_writer_links_only_what_its_last_write_changed_until_someone_else_swaps_the_folders(
        tmp_path, monkeypatch):
    from exguide import staging
    walks: list[Path] = []
    real_output_files = staging.output_files
    monkeypatch.setattr(staging, "output_files", lambda folder: walks.append(folder) or real_output_files(folder))
    site, writer = tmp_path / "site", SiteWriter(tmp_path / "site")
    states = [{"index.html": b"home", "a/index.html": b"a", "b/index.html": b"b"},
              {"index.html": b"home", "a/index.html": b"a2", "c/d/index.html": b"d"},  # b gone, c/d come
              {"index.html": b"home 3", "a/index.html": b"a2", "b/index.html": b"b again"},
              {"index.html": b"home 3", "b/index.html": b"b again"}]
    previous = None
    for files in states:
        writer.update(files, previous)
        assert read_files(site) == files
        previous = files
    assert walks == [site]  # by the second write, after the first made the folder; later ones link the changes
    write_site({"index.html": b"someone else's"}, site, changed=["index.html"])  # another process's build
    writer.update(states[0], previous)
    assert read_files(site) == states[0] and walks  # the folders were walked again, and the site is right
