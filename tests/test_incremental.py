"""Rebuilds that reuse an earlier build's work give exactly what a clean build gives."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest

from conftest import PROJECT_DIR, make_guide
from exguide.paths import equipment_slug
from exguide.pipeline import Builder, BuildOptions
from exguide.problems import ContentError
from exguide.write import Pieces


def options(root: Path, templates: Path) -> BuildOptions:
    return BuildOptions(root / "content", root / "site", templates, pdfs=False)


def pages_rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the pages rendered from now on, as they are rendered."""
    from exguide import render
    rendered: list[str] = []
    real_render_page = render.render_page
    monkeypatch.setattr(render, "render_page", lambda environment, page, *rest: (
        rendered.append(page.path), real_render_page(environment, page, *rest))[1])
    return rendered


def test_edits_rebuild_to_the_same_bytes_as_a_clean_build(tmp_path):
    make_guide(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    builder = Builder(options(tmp_path, templates))
    builder.rebuild()
    assert builder.rebuild().files == Builder(options(tmp_path, templates)).rebuild().files
    assert builder.pages.rendered == []  # nothing changed, nothing rendered again

    edits = [
        (tmp_path / "content/exercises/calf-raise.md", "title: Calf raise", "title: Calf raise on a step"),
        (tmp_path / "content/muscles.yaml", "name: Calves", "name: Calf muscles"),
        (templates / "exercise.html", "<h1>{{ exercise.title }}</h1>", "<h1 class=\"title\">{{ exercise.title }}</h1>"),
    ]
    for path, old, new in edits:
        path.write_text(path.read_text().replace(old, new))
        incremental = builder.rebuild().files
        assert incremental == Builder(options(tmp_path, templates)).rebuild().files, path.name
    assert b"Calf muscles" in incremental["muscles/calves/index.html"]
    assert b'<h1 class="title">Calf raise on a step</h1>' in incremental["exercises/calf-raise/index.html"]


def test_a_single_build_keeps_nothing_for_a_next_one_and_makes_the_same_site(tmp_path):
    """The command line's builder lets go of the parsed files and of the lists' rows once it has no use for
    them (their memory is the rest of the build's); serve's builder keeps them, for the same pages."""
    make_guide(tmp_path)
    single = Builder(options(tmp_path, PROJECT_DIR / "templates"), rebuilds=False)
    kept = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    assert single.rebuild().files == kept.rebuild().files
    assert not single.reader.cache.in_use() and kept.reader.cache.in_use()


def test_a_memo_that_does_not_keep_makes_everything_again_in_the_next_build():
    from exguide.cache import Memo
    for keep, made_again in ((True, 0), (False, 4)):
        memo, made, items = Memo(keep=keep), [], [object() for _ in range(3)]
        for _ in range(2):
            memo.next_build()
            memo.each("rows", made.append, (items,))
            memo.get((Memo, *items), lambda: made.append(items))
        assert len(made) == 4 + made_again


def test_one_edit_renders_only_the_pages_that_show_it(tmp_path, monkeypatch):
    content = make_guide(tmp_path)
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    first = builder.rebuild().files
    rendered = pages_rendered(monkeypatch)
    exercise = content / "exercises/ankle-circles.md"
    exercise.write_text(exercise.read_text().replace("title: Ankle circles", "title: Ankle rolls"))
    second = builder.rebuild().files
    changed = sorted(path for path in second if second[path] != first.get(path))
    assert "exercises/ankle-circles/index.html" in changed
    assert "exercises/hip-flexor-lunge/index.html" not in changed  # not its neighbour, not in its groups
    assert "exercises/hip-flexor-lunge/index.html" not in rendered
    html_pages = [p for p in second if p.endswith(".html")]
    assert len([p for p in rendered if p.endswith(".html")]) < len(html_pages) / 2
    search_shards = [p for p in second if p.startswith("assets/search/")]
    assert len([p for p in rendered if p.startswith("assets/search/")]) < len(search_shards) / 2


def test_rebuilds_told_what_changed_give_the_same_bytes_as_a_clean_build(tmp_path):
    """As in `serve`: each rebuild reads only the files the watcher named, and every kind of edit still
    gives the site a clean build gives. A stale page anywhere would show here."""
    content = make_guide(tmp_path, {"images/knee.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    builder.rebuild(changes=())
    exercise, routine = content / "exercises/calf-raise.md", content / "routines/leg-day.md"
    moved = content / "exercises/legs"

    def edit(path: Path, old: str, new: str) -> list[Path]:
        path.write_text(path.read_text().replace(old, new))
        return [path]

    def add(path: Path, text: str) -> list[Path]:
        path.write_text(text)
        return [path]

    def add_bytes(path: Path, data: bytes) -> list[Path]:
        path.write_bytes(data)
        return [path]

    def remove(path: Path) -> list[Path]:
        path.unlink()
        return [path]

    def move_folder() -> list[Path]:  # a watcher names only the folder
        moved.rename(content / "legs-moved")
        return [moved]

    edits = {
        "title": lambda: edit(exercise, "title: Calf raise", "title: Zzz calf raise"),  # moves it to the end
        "body": lambda: edit(exercise, "3. Lower slowly.", "3. Lower *very* slowly."),
        "link ahead": lambda: edit(exercise, "3. Lower *very* slowly.",  # to a file that comes later
                                   "3. Lower *very* slowly, as in [the walk](toe-walk.md)."),
        "muscles": lambda: edit(exercise, "muscles: [calves]", "muscles: [hamstrings]"),
        "broken": lambda: edit(exercise, "level: beginner", "level: expert"),
        "fixed": lambda: edit(exercise, "level: expert", "level: advanced"),
        "routine": lambda: edit(routine, "title: Leg day", "title: Leg night"),
        "catalogue": lambda: edit(content / "muscles.yaml", "name: Calves", "name: Calf muscles"),
        "guide": lambda: edit(content / "guide.yaml", "title:", "title: New"),
        "new exercise": lambda: add(content / "exercises/toe-walk.md", exercise.read_text()),
        "swap file": lambda: add(content / "exercises/.toe-walk.md.swp", "not content"),
        "gone": lambda: remove(content / "exercises/ankle-circles.md"),
        "image used": lambda: edit(exercise, "category: strength",
                                   "category: strength\nimages: [{src: images/knee.svg, alt: A knee, credit: Us}]"),
        "image gone": lambda: remove(content / "images/knee.svg"),
        "photo used": lambda: [*add_bytes(content / "images/calf.png", _png(40, 30, (200, 0, 0))), *edit(
            exercise, "category: strength", "category: strength\nimages: [{src: images/calf.png, alt: A calf, "
                                            "credit: Us}]")],
        "photo changed": lambda: add_bytes(content / "images/calf.png", _png(30, 60, (0, 0, 200))),
        "photo gone": lambda: remove(content / "images/calf.png"),
        "folder moved": move_folder,
    }
    for name, make_edit in edits.items():
        changed = [str(path.absolute()) for path in make_edit()]
        clean = Builder(options(tmp_path, PROJECT_DIR / "templates"))
        try:
            expected = clean.rebuild(changes=None).files
        except ContentError as error:
            with pytest.raises(ContentError) as raised:
                builder.rebuild(changes=changed)
            assert raised.value.problems == error.problems, name
            continue
        assert builder.rebuild(changes=changed).files == expected, name


def test_the_search_index_patched_for_edits_equals_one_made_afresh():
    from exguide.search import SearchIndex, search_index
    from exguide.schema import Dose
    from exguide.model import Exercise

    def exercise(slug: str, title: str, summary: str) -> Exercise:
        return Exercise(slug, title, summary, (), (), (), None, None, None, Dose(), (), (), (), f"<p>{summary}</p>",
                        (), Path(f"{slug}.md"))

    random = __import__("random").Random(7)
    words = ["knee", "hip", "calf", "slow", "hold", "band", "step", "ankle", "reach"]
    exercises = [exercise(f"e{n:04d}", f"Move {n}", " ".join(random.choices(words, k=6))) for n in range(1200)]
    links = {e.slug: f"../{e.slug}/" for e in exercises}
    index = SearchIndex()
    index.update(tuple(exercises), links)
    for _ in range(40):
        for number in random.sample(range(len(exercises)), random.randint(1, 3)):
            old = exercises[number]
            exercises[number] = exercise(old.slug, f"{random.choice(words)} {number}",
                                         " ".join(random.choices(words, k=5)))
        index.update(tuple(exercises), links)
        assert (index.terms, index.documents) == search_index(tuple(exercises), links)


def test_a_rebuild_told_of_one_edit_renders_the_pages_that_show_that_exercise_only(tmp_path):
    """Pages are keyed by the digests of what they are made from: an edit of one exercise's steps renders the
    pages that show it (its own, its neighbours', its routine's, the lists it is in) and the search shard of
    the word it adds, and no other page."""
    content = make_guide(tmp_path)
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    builder.rebuild(changes=())
    exercise = content / "exercises/calf-raise.md"
    exercise.write_text(exercise.read_text().replace("3. Lower slowly.", "3. Lower *very* slowly."))
    guide = builder.rebuild(changes=[str(exercise.absolute())]).guide
    slugs = [e.slug for e in guide.exercises]
    place = slugs.index("calf-raise")
    edited = guide.exercises[place]
    routines = guide.routines_by_exercise["calf-raise"]
    # Its neighbours link to it by title; the exercises of its routine list the routine, which changed with it.
    shown_by = {f"exercises/{slug}/index.html" for slug in slugs[max(place - 1, 0):place + 2]} | {
        f"exercises/{item.exercise.slug}/index.html" for routine in routines for item in routine.items} | {
        f"routines/{routine.slug}/index.html" for routine in routines} | {
        f"muscles/{group.slug}/index.html" for group in (*edited.primary_groups, *edited.secondary_groups)} | {
        f"equipment/{equipment_slug(name)}/index.html" for name in edited.equipment or ["none"]}
    lists = {"index.html", "exercises/index.html", "muscles/index.html", "print/index.html",
             "assets/exercises-data.js"}
    assert set(builder.pages.rendered) == shown_by | lists | {"assets/search/terms-ve.js"}


def test_memo_each_remakes_the_rows_whose_objects_changed():
    from exguide.cache import Memo
    memo, made = Memo(), []

    def each(items: list, shared: tuple = ()) -> tuple:
        memo.next_build()
        return memo.each("rows", lambda item: made.append(item) or [item], (items,), shared)

    items = [object() for _ in range(40)]
    first = each(items)
    assert len(made) == 40
    made.clear()
    items[5] = object()
    second = each(items)
    assert made == [items[5]] and all(second[n] is first[n] for n in range(40) if n != 5)
    made.clear()
    moved = each(items[::-1])  # every row moved: found again, not made
    assert made == [] and moved[0] is second[39]
    made.clear()
    each(items[::-1], shared=(object(),))  # another shared input: everything again
    assert len(made) == 40
    each(items)
    made.clear()
    items.insert(20, object())  # one row more: only that one is made
    inserted = each(items)
    assert made == [items[20]] and len(inserted) == 41
    made.clear()
    del items[3]  # one row less: nothing to make, and the rest kept
    removed = each(items)
    assert made == [] and removed == inserted[:3] + inserted[4:]


def test_memo_each_gives_each_row_its_own_result_through_random_edits():
    from exguide.cache import Memo
    random = __import__("random").Random(11)
    memo = Memo()
    pool = [object() for _ in range(30)]
    items = random.choices(pool, k=200)  # repeated objects too
    others = [random.choice(pool) for _ in items]
    for _ in range(300):
        action = random.choice(["insert", "delete", "replace", "move", "none"])
        place = random.randrange(len(items))
        if action == "insert":
            items.insert(place, object())
            others.insert(place, random.choice(pool))
        elif action == "delete" and len(items) > 1:
            del items[place], others[place]
        elif action == "replace":
            others[place] = object()
        elif action == "move":
            items.append(items.pop(place))
            others.append(others.pop(place))
        memo.next_build()
        results = memo.each("rows", lambda item, other: (item, other), (items, others))
        assert len(results) == len(items)
        assert all(result[0] is item and result[1] is other for result, item, other in zip(results, items, others))


def test_the_order_and_listings_kept_through_edits_are_those_made_afresh():
    from dataclasses import replace
    from exguide.assemble import _in_order, _listings
    from exguide.cache import Memo
    from exguide.model import Exercise, MuscleGroup, Target, group_listings
    from exguide.schema import Dose
    random = __import__("random").Random(5)
    titles = ["Calf raise", "calf raise", "Bridge", "Plank", "Zig", "Ankle", "Wall sit"]
    groups = tuple(MuscleGroup(name, name.title(), "legs", (name,), ()) for name in ("calves", "quads", "glutes"))
    targets = [Target(group.slug, (group,), True) for group in groups]

    def worked() -> tuple[Target, ...]:
        return tuple(random.sample(targets, random.choice([0, 1, 2])))
    exercises = {f"e{n:03d}": Exercise(f"e{n:03d}", random.choice(titles), "", worked(), worked(), (), None, None,
                                       None, Dose(), (), (), (), "", (), Path(f"e{n:03d}.md")) for n in range(300)}
    memo = Memo()
    for _ in range(80):
        for slug in random.sample(sorted(exercises), random.choice([1, 1, 2, 5, 80])):
            change = random.choice([lambda e: replace(e, title=random.choice(titles)),
                                    lambda e: replace(e, summary=random.choice(titles)),
                                    lambda e: replace(e, primary=worked(), secondary=worked())])
            exercises[slug] = change(exercises[slug])
        order = _in_order(exercises, memo)
        assert order == tuple(sorted(exercises.values(), key=lambda e: (e.title.casefold(), e.slug)))
        listings = _listings(groups, order, memo)
        for kept, fresh in zip(listings, group_listings(groups, order), strict=True):
            assert kept.group is fresh.group
            assert list(map(id, kept.primary)) == list(map(id, fresh.primary))  # the new objects, not old equal ones
            assert list(map(id, kept.secondary)) == list(map(id, fresh.secondary))


def test_blocks_kept_in_memory_render_only_the_blocks_of_edited_items_whatever_the_edits():
    import random

    from exguide.blocks import LONGEST_BLOCK, MemoryBlocks, StoredBlocks
    from exguide.fingerprint import Fingerprinter

    store, rendered = MemoryBlocks(), []

    def render(piece: tuple) -> bytes:
        rendered.append(piece)
        return "|".join(piece).encode()

    def blocks(items: list[str], page: str = "print/index.html") -> list[bytes]:
        rendered.clear()
        stored = StoredBlocks(store, page, (False, None), Fingerprinter(), {"card.html": "v1"})
        made = stored.blocks("card.html", ("card.html", page, "item", ()), tuple(items), render)
        stored.save()
        assert b"|".join(made) == "|".join(items).encode()
        assert all(len(piece) <= LONGEST_BLOCK for piece in rendered)
        return made

    items = [f"item {n}" for n in range(2_000)]
    first = blocks(items)
    assert len(rendered) == len(first) > 2_000 // LONGEST_BLOCK
    assert blocks(items) == first and rendered == []  # nothing changed: nothing rendered
    blocks(items[:5], page="index.html")  # another page's rendering leaves this page's blocks as they are
    assert blocks(items) == first and rendered == []
    random.seed(6)
    for _ in range(60):
        for _ in range(random.choice([1, 1, 3, 100])):
            place = random.randrange(len(items))
            random.choice([lambda: items.__setitem__(place, f"new {random.random()}"),
                           lambda: items.insert(place, f"in {random.random()}"),
                           lambda: items.insert(random.randrange(len(items)), items.pop(place))])()
        made = blocks(items)
        assert len(rendered) < len(made)  # some blocks kept, whatever the edit
    store.keep_only(["index.html"])
    assert not store.keeps("print/index.html") and store.keeps("index.html")


def test_serve_rebuilds_after_a_template_edit_or_a_full_read_convert_no_markdown_again(tmp_path, monkeypatch):
    """Rebuilds told of one file ask the caches for that file only; they must not drop what the others left
    there, and a template's path must not send the reader back to every content file."""
    from exguide import body
    content = make_guide(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    builder = Builder(options(tmp_path, templates))
    builder.rebuild(changes=())
    exercise = content / "exercises/calf-raise.md"
    for step in ("3. Lower very slowly.", "3. Lower slowly."):
        exercise.write_text(exercise.read_text().replace("3. Lower slowly.", step))
        builder.rebuild(changes=[str(exercise.absolute())])
    converted: list[str] = []
    real_convert = body.BodyRenderer._convert
    monkeypatch.setattr(body.BodyRenderer, "_convert", lambda self, text: (converted.append(text),
                                                                           real_convert(self, text))[1])
    template = templates / "exercise.html"
    template.write_text(template.read_text().replace("<h1>", '<h1 class="title">', 1))
    site = builder.rebuild(changes=[str(template.absolute())])
    assert b'<h1 class="title">' in site.files["exercises/calf-raise/index.html"]
    assert len(builder.pages.rendered) == sum(path.startswith("exercises/") and path != "exercises/index.html"
                                         for path in site.files)  # the pages of that template, no others
    card = templates / "exercise-card.html"  # a fragment of the lists: their kept blocks are made again
    card.write_text(card.read_text().replace("<p>{{ exercise.summary }}", '<p class="summary">{{ exercise.summary }}'))
    site = builder.rebuild(changes=[str(card.absolute())])
    builder.rebuild(changes=None)  # as after serve starts: every file read again
    assert converted == []
    assert b'<p class="summary">' in site.files["index.html"]
    assert site.files == Builder(options(tmp_path, templates)).rebuild().files


def test_a_first_render_shared_with_a_worker_keeps_the_lists_parts_here_for_the_next_edit(tmp_path):
    make_guide(tmp_path)
    shared = Builder(replace(options(tmp_path, PROJECT_DIR / "templates"), workers=2))
    assert shared.rebuild().files == Builder(options(tmp_path, PROJECT_DIR / "templates")).rebuild().files
    parts = shared.pages.blocks
    assert parts.keeps("index.html") and parts.keeps("exercises/index.html") and parts.keeps("print/index.html")
    assert not parts.keeps("exercises/calf-raise/index.html")  # made by the worker, or here: it keeps none

    exercise = tmp_path / "content/exercises/calf-raise.md"
    exercise.write_text(exercise.read_text().replace("title: Calf raise", "title: Calf raise on a step"))
    assert shared.rebuild().files == Builder(options(tmp_path, PROJECT_DIR / "templates")).rebuild().files


def test_the_pages_with_lists_of_fragments_are_rendered_as_their_pieces_not_joined(tmp_path):
    make_guide(tmp_path)
    files = Builder(options(tmp_path, PROJECT_DIR / "templates")).rebuild().files
    assert isinstance(files["print/index.html"], Pieces) and isinstance(files["exercises/index.html"], Pieces)
    assert isinstance(files["exercises/calf-raise/index.html"], bytes)
    assert b"Calf raise" in files["print/index.html"]


def test_a_first_render_shared_with_a_worker_compiles_every_template_it_uses_before_the_worker_forks(
        tmp_path, monkeypatch):
    """So that the worker shares them, and serve's first rebuild does not compile those of the pages that only the
    worker rendered."""
    from exguide import render
    make_guide(tmp_path)
    shared = Builder(replace(options(tmp_path, PROJECT_DIR / "templates"), workers=2))
    compiled_at_fork: list[set[str]] = []

    def run_shared(*arguments, **keywords):
        compiled_at_fork.append({name for _, name in shared.pages.environment.cache.keys()})
        return real_run_shared(*arguments, **keywords)
    real_run_shared = render.run_shared
    monkeypatch.setattr(render, "run_shared", run_shared)
    shared.rebuild()
    pages = {"home.html", "exercise.html", "exercises.html", "group.html", "routine.html", "print.html"}
    used = set().union(*map(shared.pages._templates.closure, pages))  # each with all it uses
    assert {"base.html", "macros.html", "exercise-card.html", "booklet-exercise.html"} <= used
    assert len(compiled_at_fork) == 1 and used <= compiled_at_fork[0]


def test_an_edit_after_serve_reads_every_file_again_renders_only_the_pages_that_show_it(tmp_path):
    calf_raise = (PROJECT_DIR / "tests/fixture/content/exercises/calf-raise.md").read_text()
    make_guide(tmp_path, {f"exercises/calf-raise-{n}.md": calf_raise.replace("title: Calf raise", f"title: Raise {n}")
                          for n in range(40)})  # enough for the worker to read some
    exercise = tmp_path / "content/exercises/calf-raise.md"

    def rendered_by_an_edit(read_all_first: bool) -> int:
        builder = Builder(replace(options(tmp_path, PROJECT_DIR / "templates"), workers=2))
        builder.warm_up()  # reads in a worker too, as serve does for a big guide
        builder.rebuild(changes=())
        if read_all_first:  # serve's watcher, at its first quiet moment
            builder.rebuild(changes=None)
            assert builder.pages.rendered == []
        exercise.write_text(exercise.read_text() + f"\nEdited {read_all_first}.\n")
        builder.rebuild(changes=[str(exercise)])
        return len(builder.pages.rendered)

    assert rendered_by_an_edit(read_all_first=True) == rendered_by_an_edit(read_all_first=False) < 20


def test_an_exercise_added_in_serve_renders_its_neighbours_pages_not_every_exercise_page(tmp_path, monkeypatch):
    from exguide.blocks import LONGEST_BLOCK, StoredBlocks
    from exguide.lists import BookletSection
    calf_raise = (PROJECT_DIR / "tests/fixture/content/exercises/calf-raise.md").read_text()
    content = make_guide(tmp_path, {f"exercises/raise-{n:02d}.md": calf_raise.replace("title: Calf raise",
                                                                                      f"title: Raise {n:02d}")
                                    for n in range(100)})
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    builder.rebuild(changes=())
    rendered = pages_rendered(monkeypatch)
    sections: list[BookletSection] = []  # the booklet's sections made again
    real_blocks = StoredBlocks.blocks

    def counting_blocks(self: StoredBlocks, template_name: str, key: tuple, items: tuple, make: Callable) -> object:
        def counted(piece: tuple) -> bytes:
            sections.extend(item for item in piece if isinstance(item, BookletSection))
            return make(piece)
        return real_blocks(self, template_name, key, items, counted)
    monkeypatch.setattr(StoredBlocks, "blocks", counting_blocks)
    added = content / "exercises/raise-20b.md"
    added.write_text(calf_raise.replace("title: Calf raise", "title: Raise 20b"))
    builder.rebuild(changes=[str(added)])
    assert {path for path in rendered if path.startswith("exercises/") and path != "exercises/index.html"} == {
        "exercises/raise-20/index.html", "exercises/raise-20b/index.html", "exercises/raise-21/index.html"}
    # The block of sections around it, and the next when it ended one; not the hundred others.
    assert "raise-20b" in {section.exercise.slug for section in sections} and len(sections) <= 2 * LONGEST_BLOCK


def test_a_group_renamed_in_serve_renders_the_pages_of_the_exercises_that_work_it(tmp_path, monkeypatch):
    quads = (PROJECT_DIR / "tests/fixture/content/exercises/legs/quad-stretch.md").read_text()
    # In no routine, and last: next to no exercise that works the calves.
    content = make_guide(tmp_path, {f"exercises/zz-{n}.md": quads.replace("title: Quad stretch", f"title: Zz {n}")
                                    for n in range(3)})
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    builder.rebuild(changes=())
    rendered = pages_rendered(monkeypatch)
    muscles = content / "muscles.yaml"
    muscles.write_text(muscles.read_text().replace("name: Calves", "name: Calf muscles"))
    site = builder.rebuild(changes=[str(muscles)])
    assert {"exercises/calf-raise/index.html", "exercises/ankle-circles/index.html"} <= set(rendered)  # they work it
    assert "exercises/zz-1/index.html" not in rendered
    assert site.files == Builder(options(tmp_path, PROJECT_DIR / "templates")).rebuild().files


def test_a_seeded_sequence_of_edits_gives_in_serve_and_on_the_command_line_what_a_clean_build_gives(tmp_path):
    """Edits of every kind, one after another on a generated guide: after each, serve's rebuild (told what
    changed) and a command-line build over the last site both give the bytes of a clean build."""
    import random
    import sys

    from conftest import read_tree
    from exguide.cli import main
    from exguide.serve import Rebuilder, ServeState

    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    from generate import generate_guide

    content = generate_guide(tmp_path, 40, routines=3)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    arguments = ["--content", str(content), "--templates", str(templates), "--no-pdf"]
    state = ServeState()
    served = Rebuilder(Builder(BuildOptions(content, tmp_path / "served", templates, pdfs=False)), state,
                       lambda line: None)
    served.rebuild(changes=None)
    assert main(["build", *arguments, "--out", str(tmp_path / "site")]) == 0
    rng = random.Random(21)
    for step in range(14):
        edit = _EDITS[step % len(_EDITS)] if step < len(_EDITS) else rng.choice(_EDITS)
        changed = edit(content, templates, rng)
        assert served.rebuild(changes=[str(path) for path in changed]) is not None and not state.problems, edit
        assert main(["build", *arguments, "--out", str(tmp_path / "site")]) == 0, edit.__name__
        clean = tmp_path / f"clean-{step}"
        assert main(["build", *arguments, "--out", str(clean), "--no-cache"]) == 0
        expected = read_tree(clean)
        assert read_tree(tmp_path / "site") == expected, edit.__name__
        assert all(any(folder.iterdir()) for folder in (tmp_path / "site").rglob("*") if folder.is_dir())
        assert {path: bytes(data) for path, data in state.files.items()} == \
            {path: data for path, data in expected.items() if path != ".exguide"}, edit.__name__


def _exercise_files(content: Path) -> list[Path]:
    return sorted((content / "exercises").glob("*.md"))


def _unused_exercise(content: Path, rng) -> Path:
    """An exercise that no routine names, so that it can go or be renamed."""
    named = "".join(path.read_text() for path in (content / "routines").glob("*.md"))
    return rng.choice([path for path in _exercise_files(content) if path.stem not in named])


def _add_exercise(content: Path, templates: Path, rng) -> list[Path]:
    source = rng.choice(_exercise_files(content))
    added = content / "exercises" / f"added-{rng.randrange(10**6):06d}.md"
    added.write_text(source.read_text().replace("title: ", f"title: Added {added.stem} ", 1))
    return [added]


def _delete_exercise(content: Path, templates: Path, rng) -> list[Path]:
    gone = _unused_exercise(content, rng)
    gone.unlink()
    return [gone]


def _rename_exercise(content: Path, templates: Path, rng) -> list[Path]:
    old = _unused_exercise(content, rng)
    new = old.with_name(f"renamed-{rng.randrange(10**6):06d}.md")
    old.rename(new)
    return [old, new]


def _set_line(path: Path, start: str, line: str) -> list[Path]:
    """Replace the first line of the file at `path` that begins with `start` by `line`."""
    text = path.read_text()
    path.write_text(text.replace(next(old for old in text.splitlines() if old.startswith(start)), line, 1))
    return [path]


def _retitle_exercise(content: Path, templates: Path, rng) -> list[Path]:
    return _set_line(rng.choice(_exercise_files(content)), "title: ",
                     f"title: {rng.choice(['Aa', 'Mm', 'Zz'])} retitled {rng.randrange(999)}")


def _change_muscles(content: Path, templates: Path, rng) -> list[Path]:
    return _set_line(rng.choice(_exercise_files(content)), "muscles: ",
                     f"muscles: [{rng.choice(['calves', 'core', 'glutes', 'neck'])}]")


def _change_dose(content: Path, templates: Path, rng) -> list[Path]:
    return _set_line(rng.choice(_exercise_files(content)), "  reps: ", f"  reps: {rng.randint(2, 30)}")


def _change_routine(content: Path, templates: Path, rng) -> list[Path]:
    path = rng.choice(sorted((content / "routines").glob("*.md")))
    text = path.read_text().replace("frequency: 3 times a week", "frequency: daily")
    first = next(line for line in text.splitlines() if line.startswith("  - exercise-"))
    path.write_text(text.replace(first, f"  - {rng.choice(_exercise_files(content)).stem}\n{first}", 1))
    return [path]


def _change_guide(content: Path, templates: Path, rng) -> list[Path]:
    return _set_line(content / "guide.yaml", "title: ", f"title: Guide {rng.randrange(999)}")


def _change_muscles_file(content: Path, templates: Path, rng) -> list[Path]:
    path = content / "muscles.yaml"
    text = path.read_text()
    path.write_text(text.replace("name: Calves", f"name: Calves {rng.randrange(999)}", 1) if "name: Calves\n" in text
                    else re.sub(r"name: Calves \d+", "name: Calves", text, count=1))
    return [path]


def _change_template(content: Path, templates: Path, rng) -> list[Path]:
    path = templates / "exercise-card.html"
    path.write_text(path.read_text() + f"{{# edited {rng.randrange(999)} #}}\n")
    return [path]


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _add_image(content: Path, templates: Path, rng, suffix: str = "") -> list[Path]:
    """A drawing or a photo, shown by an exercise."""
    image = content / "images" / f"picture-{rng.randrange(10**6):06d}.{suffix or rng.choice(['svg', 'png'])}"
    image.parent.mkdir(exist_ok=True)
    if image.suffix == ".svg":
        image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>\n')
    else:
        image.write_bytes(_png(rng.randrange(8, 600), rng.randrange(8, 60), (rng.randrange(256), 90, 90)))
    path = rng.choice(_exercise_files(content))
    text = path.read_text()
    if "\nimages:" not in text:
        text = text.replace("\n---\n", f"\nimages:\n  - src: images/{image.name}\n    alt: A picture\n"
                                       "    credit: The tests\n---\n", 1)
    path.write_text(text)
    return [image, path]


def _change_photo(content: Path, templates: Path, rng) -> list[Path]:
    """One of the photos again, at another size (or a new photo, while there is none)."""
    photos = sorted((content / "images").glob("*.png")) if (content / "images").is_dir() else []
    if not photos:
        return _add_image(content, templates, rng, "png")
    photo = rng.choice(photos)
    photo.write_bytes(_png(rng.randrange(8, 2000), rng.randrange(8, 40), (90, rng.randrange(256), 90)))
    return [photo]


_EDITS = [_add_exercise, _delete_exercise, _rename_exercise, _retitle_exercise, _change_muscles, _change_dose,
          _change_routine, _change_guide, _change_muscles_file, _change_template, _add_image, _change_photo]


def test_every_page_is_keyed_by_all_its_context_is_made_from(tmp_path):
    """A page is keyed by the digests of its inputs (see Page), never by its context. Its `make` is a function
    of its module, with no closure: it sees the inputs and nothing else. And over edits of every kind, the same
    inputs' digest gives the same context: an input whose digest leaves part of it out (a `digest` that an
    object carries) would serve stale pages."""
    import random
    import sys

    from exguide.assemble import load_guide
    from exguide.fingerprint import Fingerprinter, fingerprint
    from exguide.plan import plan_site

    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    from generate import generate_guide

    content = generate_guide(tmp_path, 40, routines=3)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    contexts: dict[tuple[str, bytes], str] = {}  # (page, digest of its inputs) → fingerprint of its context
    rng, checked = random.Random(4), 0
    for edit in (None, *_EDITS, *_EDITS):
        if edit is not None:
            edit(content, templates, rng)
        for page in plan_site(load_guide(content), templates / "assets").pages:
            if page.make is not None:
                assert page.make.__closure__ is None and "<locals>" not in page.make.__qualname__, page.path
            inputs = Fingerprinter().inputs_digest(page.inputs)
            context = fingerprint(dict(page.context))
            assert contexts.setdefault((page.path, inputs), context) == context, (page.path, edit)
            checked += 1
    assert checked > 40 * (2 * len(_EDITS) + 1)
