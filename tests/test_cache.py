"""The build cache and the dependency map: a rebuild makes exactly what an edit affects, and never stale output."""

from __future__ import annotations

import json
import re
import shutil
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import PROJECT_DIR, make_guide, read_tree
from exguide.fingerprint import fingerprint
from exguide.options import BuildOptions
from exguide.pipeline import Builder
from exguide.render import make_environment
from exguide.seal import read_sealed, replace_file
from exguide.store import MANIFEST, BuildStore, program_digest
from exguide.templates import TemplateDigests


@dataclass(frozen=True)
class Thing:
    name: str
    parts: tuple[str, ...]


def test_fingerprints_follow_content_not_identity():
    assert fingerprint(Thing("a", ("b",))) == fingerprint(Thing("a", ("b",)))
    assert fingerprint(Thing("a", ("b",))) != fingerprint(Thing("a", ("c",)))
    assert fingerprint({"x": 1, "y": 2}) == fingerprint({"y": 2, "x": 1})
    assert fingerprint("<b>") != fingerprint(Markup("<b>"))  # escaped differently by templates
    assert fingerprint(("ab", "c")) != fingerprint(("a", "bc"))
    assert fingerprint(1) != fingerprint("1") != fingerprint(True)
    assert fingerprint({"knee": array("l", [3, 10])}) == fingerprint({"knee": array("l", [3, 10])})
    assert fingerprint(array("l", [3, 10])) != fingerprint(array("l", [3, 1, 0])) != fingerprint(array("i", [3, 10]))


def test_any_value_pydantic_accepts_in_a_field_is_fingerprinted_by_its_content_in_every_process():
    """A front-matter field typed as an HttpUrl, a date or a Decimal, carried into the guide's objects: the
    build keyed pages by fingerprints and crashed ('cannot fingerprint a HttpUrl') where serve did not."""
    import subprocess

    program = ("import datetime, decimal, sys; from pydantic import HttpUrl, TypeAdapter; "
               "from exguide.fingerprint import fingerprint; "
               "url = TypeAdapter(HttpUrl).validate_python(sys.argv[1]); "
               "print(fingerprint((url, datetime.date(2027, 1, 4), decimal.Decimal('1.5'))))")
    digests = [subprocess.run([sys.executable, "-c", program, address], capture_output=True, text=True,
                              check=True).stdout for address in ("https://example.org/a", "https://example.org/a",
                                                                 "https://example.org/b")]
    assert digests[0] == digests[1] != digests[2]


def test_a_value_it_cannot_read_is_an_error_not_a_guess():
    with pytest.raises(TypeError, match="cannot fingerprint a object"):
        fingerprint({"page": object()})


def test_the_dependency_map_follows_extends_imports_and_fragments():
    templates = TemplateDigests(make_environment(PROJECT_DIR / "templates"), PROJECT_DIR / "templates")
    assert templates.closure("exercises.html") == {"exercises.html", "base.html", "exercise-card.html"}
    assert templates.closure("print.html") == {"print.html", "base.html", "macros.html", "exercise-card.html",
                                               "booklet-exercise.html", "booklet-contents-entry.html",
                                               "booklet-routine.html", "booklet-contents-routine.html"}
    assert "routine-card.html" in templates.closure("home.html")
    assert {"body-map.html", "bodymap.html"} <= templates.closure("group.html")
    assert templates.closure("search-shard.js") == {"search-shard.js"}


def options(root: Path, **changes) -> BuildOptions:
    return BuildOptions(root / "content", root / "site", root / "templates", pdfs=False, **changes)


@pytest.fixture
def guide(tmp_path) -> Path:
    """A fixture guide with its own copy of the templates, built once."""
    make_guide(tmp_path)
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    first = Builder(options(tmp_path)).build()
    assert len(first.rendered) == first.files
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_build_with_nothing_changed_makes_and_writes_nothing(guide):
    before = {p: p.stat().st_mtime_ns for p in (guide / "site").rglob("*")}
    result = Builder(options(guide)).build()
    assert (result.rendered, result.written) == ((), ())
    assert {p: p.stat().st_mtime_ns for p in (guide / "site").rglob("*")} == before


def test_a_body_edit_renders_the_pages_that_list_the_exercise_and_writes_those_that_show_it(guide):
    edit(guide / "content/exercises/ankle-circles.md", "---\n1. ", "---\nA sentence about zebras.\n\n1. ")
    result = Builder(options(guide)).build()
    shows_it = {"exercises/ankle-circles/index.html", "print/index.html", "assets/search/terms-ze.js",
                "assets/search/terms-ab.js", "assets/search/terms-se.js"}
    lists_it = {"exercises/index.html", "muscles/calves/index.html", "index.html", "muscles/index.html",
                "equipment/none/index.html",
                "exercises/calf-raise/index.html"}  # the list pages, and its neighbour's previous/next links
    made_from_all = {"assets/exercises-data.js"}  # keyed by every exercise: its bytes are those of the edit's
    assert set(result.rendered) == shows_it | lists_it | made_from_all
    assert set(result.written) == shows_it


def test_a_template_edit_renders_exactly_the_pages_whose_templates_use_it(guide):
    edit(guide / "templates/booklet-exercise.html", "</h2>", "</h2>\n")
    assert Builder(options(guide)).build().rendered == ("print/index.html",)

    edit(guide / "templates/exercise-card.html", "</a>", "</a> ")
    site = read_tree(guide / "site")
    # Every page whose template imports macros.html uses cards, as does the exercise list; the search page, the
    # muscle map and the equipment index do not.
    uses_cards = {path for path in site if path.endswith(".html")} - {"search/index.html", "muscles/index.html",
                                                                      "equipment/index.html"}
    assert set(Builder(options(guide)).build().rendered) == uses_cards


def test_rebuilds_after_any_edit_equal_a_clean_build(guide, tmp_path_factory):
    content, templates = guide / "content", guide / "templates"
    edits = [
        lambda: edit(content / "exercises/calf-raise.md", "title: Calf raise", "title: Calf raise on a step"),
        lambda: edit(content / "exercises/calf-raise.md", "Strengthens the", "Works the"),  # a word less
        lambda: edit(content / "exercises/ankle-circles.md", "title: Ankle", "title: Zz ankle"),  # now the last
        lambda: edit(content / "muscles.yaml", "name: Calves", "name: Calf muscles"),
        lambda: edit(templates / "base.html", "<body", "<body data-edited"),
        lambda: edit(content / "guide.yaml", "title: ", "title: New "),
        lambda: (content / "exercises/ankle-circles.md").unlink(),
        lambda: shutil.copy(content / "exercises/calf-raise.md", content / "exercises/calf-raise-again.md"),
        lambda: (templates / "assets/extra.css").write_text("p { margin: 0 }\n"),
    ]
    for number, change in enumerate(edits):
        change()
        Builder(options(guide)).build()
        clean = tmp_path_factory.mktemp(f"clean-{number}")
        Builder(BuildOptions(content, clean / "site", templates, pdfs=False, use_cache=False)).build()
        assert read_tree(guide / "site") == read_tree(clean / "site"), number


def test_workers_build_the_same_bytes_as_one_process(guide, tmp_path_factory):
    other = tmp_path_factory.mktemp("workers")
    Builder(BuildOptions(guide / "content", other / "site", guide / "templates", pdfs=False,
                         use_cache=False, workers=2)).build()
    assert read_tree(other / "site") == read_tree(guide / "site")


def test_output_changed_by_hand_is_made_again(guide):
    page = guide / "site/exercises/calf-raise/index.html"
    original = page.read_bytes()
    page.write_bytes(b"edited by hand")
    (guide / "site/exercises/calf-raise/notes.txt").write_text("stray")
    result = Builder(options(guide)).build()
    assert result.rendered == ("exercises/calf-raise/index.html",)
    assert page.read_bytes() == original
    assert not (guide / "site/exercises/calf-raise/notes.txt").exists()


def test_a_survey_in_two_processes_finds_what_one_process_finds(guide):
    (guide / "site/exercises/calf-raise/notes.txt").write_text("stray")
    edit(guide / "content/exercises/calf-raise.md", "title: Calf raise", "title: Calf raise on a step")
    alone, shared = BuildStore(options(guide, workers=1)), BuildStore(options(guide, workers=2))
    shared.survey()  # the output folder walked in a forked worker, the inputs digested here
    assert shared.found_outputs() == alone.found_outputs() and "exercises/calf-raise/notes.txt" in alone.found_outputs()
    assert shared.inputs() == alone.inputs() != shared.manifest().inputs
    assert not shared.up_to_date()


def test_another_version_of_the_program_starts_afresh(guide):
    _edit_manifest(guide, program="an older version")
    result = Builder(options(guide)).build()
    assert len(result.rendered) == result.files


def _edit_manifest(guide, **changes) -> None:
    """Change the manifest as this program would have written it (sealed with this user's key)."""
    manifest = guide / ".site-cache" / MANIFEST
    data = {**json.loads(bytes(read_sealed(manifest))), **changes}
    replace_file(manifest, lambda file: file.write(json.dumps(data).encode()))


def test_the_programs_digest_is_the_same_however_python_puts_the_working_folder_on_its_path(tmp_path, monkeypatch):
    (tmp_path / "exguide.egg-info").mkdir()  # as an editable install leaves in the project's folder
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])  # python build.py: the script's folder
    as_a_script = program_digest()
    monkeypatch.setattr(sys, "path", ["", *sys.path])  # python -m ...: the working folder again, as ""
    assert program_digest() == as_a_script
    monkeypatch.setattr(sys, "path", sys.path[2:])  # a folder that is really gone from the path counts
    assert program_digest() != as_a_script


def test_serve_starts_from_the_bodies_a_build_converted(guide):
    served = Builder(options(guide))
    served.warm_up()
    served.rebuild(changes=())
    assert served.bodies.cache.misses == 0 and served.bodies.cache.hits > 0
    cold = Builder(options(guide, use_cache=False))
    cold.warm_up()
    cold.rebuild(changes=())
    assert cold.bodies.cache.misses == served.bodies.cache.hits


def test_stored_blocks_render_again_only_the_blocks_whose_content_changed(tmp_path):
    from exguide.blocks import LONGEST_BLOCK, FolderBlocks, StoredBlocks
    from exguide.fingerprint import Fingerprinter

    rendered: list[tuple] = []

    def render(piece: tuple) -> bytes:
        rendered.append(piece)
        return "|".join(piece).encode()

    def blocks(items: tuple, template_digest: str = "v1", page_path: str = "print/index.html") -> list[bytes]:
        """The blocks as a build in a new process makes them, with what the last one stored."""
        rendered.clear()
        stored = StoredBlocks(FolderBlocks(tmp_path), page_path, (False, None), Fingerprinter(), {"card.html": template_digest})
        made = stored.blocks("card.html", ("card.html", page_path, "item", ()), items, render)
        stored.save()
        assert b"|".join(made) == "|".join(items).encode()
        return made

    items = tuple(f"item {n}" for n in range(500))
    first = blocks(items)
    assert len(rendered) == len(first) > 500 // LONGEST_BLOCK
    assert blocks(items) == first and rendered == []
    # One item edited, one inserted, the first removed: the block around it is made again, and the next one
    # when the item ended a block.
    for edited, around in (((*items[:250], "edited", *items[251:]), "edited"),
                           ((*items[:100], "new", *items[100:]), "new"), (items[1:], "item 1")):
        blocks(edited)
        assert 1 <= len(rendered) <= 2 and around in rendered[0]
        blocks(items)  # back to the first list: its blocks were replaced by the edited list's
        assert 1 <= len(rendered) <= 2
    blocks(items, template_digest="v2")
    assert len(rendered) == len(first)
    blocks(items, page_path="exercises/index.html")  # its links are another page's: stored apart
    assert len(rendered) == len(first)


def test_a_build_takes_the_lists_blocks_the_last_build_stored_unless_another_program_made_them(guide):
    import pickle

    stored = list((guide / ".site-cache/blocks").iterdir())
    assert len(stored) >= 3  # the booklet, the exercise list, the home page, the groups' pages
    for path in stored:  # a mark in each block, which a block made again does not have
        marked = {key: block + b"<!-- kept -->" for key, block in pickle.loads(read_sealed(path)).items()}
        replace_file(path, lambda file: file.write(pickle.dumps(marked)))
    edit(guide / "content/exercises/ankle-circles.md", "---\n1. ", "---\nA sentence about zebras.\n\n1. ")
    Builder(options(guide)).build()
    booklet = (guide / "site/print/index.html").read_text()
    assert "<!-- kept -->" in booklet and "zebras" in booklet

    _edit_manifest(guide, program="an older version")
    Builder(options(guide)).build()
    assert "<!-- kept -->" not in (guide / "site/print/index.html").read_text()


def test_a_first_build_takes_its_content_digests_from_what_it_read_and_counts_what_changed_meanwhile(
        tmp_path, monkeypatch):
    from exguide import pipeline
    from exguide.store import BuildStore, inputs_digest
    make_guide(tmp_path)
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    Builder(options(tmp_path)).build()
    assert BuildStore(options(tmp_path)).up_to_date()
    assert BuildStore(options(tmp_path)).manifest().inputs == inputs_digest(options(tmp_path))

    real_load_guide = pipeline.load_guide
    exercise, added = tmp_path / "content/exercises/calf-raise.md", tmp_path / "content/exercises/toe-walk.md"
    edits = [lambda: exercise.write_text(exercise.read_text().replace("title: Calf raise", "title: Calf raise, step")),
             lambda: added.write_text(exercise.read_text())]
    for edit_meanwhile in edits:
        def editing_meanwhile(*arguments, **keywords):  # once every file is read, as an author saves
            guide = real_load_guide(*arguments, **keywords)
            edit_meanwhile()
            return guide
        shutil.rmtree(tmp_path / ".site-cache")
        monkeypatch.setattr(pipeline, "load_guide", editing_meanwhile)
        Builder(options(tmp_path)).build()
        monkeypatch.setattr(pipeline, "load_guide", real_load_guide)
        assert not BuildStore(options(tmp_path)).up_to_date()  # the next build makes it
        Builder(options(tmp_path)).build()
        assert BuildStore(options(tmp_path)).up_to_date()
    assert "Calf raise, step" in (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert (tmp_path / "site/exercises/toe-walk/index.html").is_file()


def test_a_build_patches_the_search_index_the_last_one_kept_and_weighs_only_the_edited_exercise(guide, monkeypatch):
    from exguide import search
    weighed: list[tuple[str, bool]] = []
    real_weighted_terms = search.weighted_terms
    monkeypatch.setattr(search, "weighted_terms", lambda exercise: (
        weighed.append((exercise.slug, "zebras" in exercise.body_html)), real_weighted_terms(exercise))[1])
    edit(guide / "content/exercises/ankle-circles.md", "---\n1. ", "---\nA sentence about zebras.\n\n1. ")
    Builder(options(guide)).build()
    # The index kept no weights: those of the exercise as it was, to take out of it, and as it is.
    assert sorted(weighed) == [("ankle-circles", False), ("ankle-circles", True)]
    assert '"zebras"' in (guide / "site/assets/search/terms-ze.js").read_text()


def test_a_build_takes_the_exercises_the_last_one_made_and_reads_only_the_files_that_changed(guide, monkeypatch):
    from exguide import sources
    parsed: list[str] = []
    real_parse = sources.parse_markdown_text
    monkeypatch.setattr(sources, "parse_markdown_text", lambda text, path: (
        parsed.append(path.relative_to(guide / "content/exercises").as_posix()), real_parse(text, path))[1]
        if "exercises" in path.parts else real_parse(text, path))
    from exguide.fingerprint import Fingerprinter
    walked: list[str] = []  # the exercises fingerprinted field by field, not by the digest they carry
    real_digest = Fingerprinter._object_digest
    monkeypatch.setattr(Fingerprinter, "_object_digest", lambda self, value: (
        walked.append(value.slug) if type(value).__name__ == "Exercise" and not value.digest
        else None, real_digest(self, value))[1])
    edit(guide / "content/exercises/calf-raise.md", "title: Calf raise", "title: Calf raise on a step")
    Builder(options(guide)).build()  # a new Builder, as in a new process: what it knows is in the store
    # The draft is never kept: a build without drafts must know it is one.
    assert sorted(parsed) == ["calf-raise.md", "hamstring-draft.md"]
    assert walked == []
    assert "Calf raise on a step" in (guide / "site/exercises/calf-raise/index.html").read_text()

    parsed.clear()  # the few made again are not written anew, but read again
    edit(guide / "content/exercises/ankle-circles.md", "---\n1. ", "---\nA sentence about zebras.\n\n1. ")
    Builder(options(guide)).build()
    assert sorted(parsed) == ["ankle-circles.md", "calf-raise.md", "hamstring-draft.md"]

    parsed.clear()  # the exercises were made with another catalogue: every one is made again
    edit(guide / "content/muscles.yaml", "name: Calves", "name: Calf muscles")
    rebuilt = Builder(options(guide))
    rebuilt.build()
    assert len(parsed) == len(list((guide / "content/exercises").rglob("*.md")))
    # The bodies are those the first build kept: all but the one edited since, which is converted again.
    assert rebuilt.bodies.cache.misses == 1
    assert "Calf muscles" in (guide / "site/exercises/calf-raise/index.html").read_text()

    parsed.clear()
    Builder(options(guide, include_drafts=True)).build()
    assert len(parsed) == len(list((guide / "content/exercises").rglob("*.md")))
    assert (guide / "site/exercises/hamstring-draft/index.html").is_file()


def test_a_single_build_keys_unchanged_exercise_pages_without_making_them_and_an_added_exercise_renders_its_neighbours(
        guide, monkeypatch):
    from exguide import plan
    made: list[str] = []  # the exercise pages whose context was made: to render them, never only to key them
    real_structured_data = plan.structured_data
    monkeypatch.setattr(plan, "structured_data", lambda exercise, address: (
        made.append(exercise.slug), real_structured_data(exercise, address))[1])
    # Every page that links to another file is made with the whole map of where files go: an exercise added
    # changes it, but not what the links of the other exercises lead to.
    assert "(ankle-circles.md)" in (guide / "content/exercises/calf-raise.md").read_text()
    shutil.copy(guide / "content/exercises/calf-raise.md", guide / "content/exercises/calf-raise-again.md")
    result = Builder(options(guide), rebuilds=False).build()  # as the command line builds
    exercise_pages = {path.split("/")[1] for path in result.rendered
                      if path.startswith("exercises/") and path != "exercises/index.html"}
    assert exercise_pages == {"calf-raise", "calf-raise-again", "hip-flexor-lunge"}  # it, and its neighbours
    assert sorted(made) == sorted(exercise_pages)


def test_the_kept_exercises_pickle_paths_as_text_and_all_else_as_pickle_does(guide):
    store = BuildStore(options(guide))
    manifest = store.manifest()
    kept = {"source": guide / "content/exercises/calf-raise.md", "words": frozenset({"calf", "raise"})}
    store.save(manifest, None, exercises=kept)
    pickled = (guide / ".site-cache/exercises.pickle").read_bytes()
    assert str(guide / "content/exercises/calf-raise.md").encode() in pickled
    assert BuildStore(options(guide)).exercises() == kept
    # What the guide's objects never hold is refused: a pattern is made again by calling re's own function.
    store.save(manifest, None, exercises={**kept, "pattern": re.compile("calf|raise")})
    assert BuildStore(options(guide)).exercises() is None
