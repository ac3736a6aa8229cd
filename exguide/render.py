"""Stage 5, render: pages become bytes. Pure: reads templates, writes nothing."""

from __future__ import annotations

import secrets
import traceback
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import add, attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import jinja2
from markupsafe import Markup

from .blocks import FolderBlocks, MemoryBlocks, StoredBlocks, unkept_blocks
from .fingerprint import Fingerprinter, digest_bytes
from .links import relative_url
from .parallel import in_worker, run_shared, worker_count
from .paths import PAGES, Page, SitePlan, equipment_piece, path_of, public_url
from .problems import ContentError, Problem
from .seal import read_sealed, replace_file
from .store import folder_digest
from .templates import TemplateDigests
from .write import FileData, Pieces


class SealedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in `folder` between builds in sealed files (see seal.py): a
    compiled template is code, and one that anyone but this user wrote is never loaded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_sealed(self.folder / f"{bucket.key}.cache")
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        replace_file(self.folder / f"{bucket.key}.cache", lambda file: file.write(bucket.bytecode_to_string()))


def _escaped(template_name: str | None) -> bool:
    """Every template is HTML-escaped but plain text (robots.txt), where an escaped '&' would be wrong."""
    return template_name is None or not template_name.endswith(".txt")


def make_environment(template_dir: Path, compiled: Path | None = None) -> jinja2.Environment:
    """The templates' environment; `compiled`: a folder where compiled templates are kept for other processes."""
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
    environment = _Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        bytecode_cache=SealedBytecodeCache(compiled) if compiled is not None else None,
        autoescape=_escaped,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one state of the templates (serve makes another when they change): looking
        # at each template file's time again for every page took a cold build 40,000 file lookups.
        auto_reload=False,
    )
    environment.globals["shared_fragment"] = SharedFragments(environment)
    environment.globals["equipment"] = equipment_piece
    environment.globals["pages"] = PAGES
    return environment


class _Environment(jinja2.Environment):
    """Each template's globals in one dict, not a ChainMap over the environment's: a render copies them into
    its context, and a ChainMap's copy took 7 of the 11 us of rendering a small fragment (a cold build of
    10,000 exercises renders some 60,000). The environment's globals are all set before a template loads."""

    def make_globals(self, d: Mapping[str, Any] | None) -> dict[str, Any]:  # type: ignore[override]
        return {**self.globals, **(d or {})}


class SharedFragments:
    """`shared_fragment("name.html", **context)` in a template: a part that is the same on every page, such as
    the body map of the same muscles, rendered once for each context. It gets no `url()` nor `page_path`, so
    a shared template that would link somewhere fails instead of giving every page the first page's links."""

    MOST = 4096  # contexts kept: the muscle combinations of a big guide

    def __init__(self, environment: jinja2.Environment) -> None:
        self._environment = environment
        self._made: dict[tuple, Markup] = {}

    def __call__(self, template_name: str, **context: object) -> Markup:
        try:
            key = (template_name, tuple(sorted(context.items())))
            hash(key)
        except TypeError:  # a part of the context that cannot be hashed: made every time
            return self._render(template_name, context)
        if key not in self._made:
            if len(self._made) >= self.MOST:
                self._made.clear()
            self._made[key] = self._render(template_name, context)
        return self._made[key]

    def _render(self, template_name: str, context: dict) -> Markup:
        html = self._environment.get_template(template_name).render(context)
        return Markup(html.removesuffix("\n"))  # the template file's last line end: the caller has its own


class SiteRenderer:
    """Renders the pages of a plan. A page whose key (see PageKeys) is the one it had in the last build is
    not rendered again; nor is a block of a list of `fragments` whose content is unchanged (see blocks.py)."""

    def __init__(self, template_dir: Path, workers: int | None = None) -> None:
        self.template_dir = template_dir
        self.workers = workers  # processes for a first build (see worker_count)
        self.blocks = MemoryBlocks()
        self.made = RenderedPages()  # the pages of the last build
        self.rendered: list[str] = []  # the pages the last build rendered
        self._templates_digest = ""
        self.environment = make_environment(template_dir)
        self._templates = TemplateDigests(self.environment, template_dir)

    def render(self, plan: SitePlan) -> dict[str, FileData]:
        """Every page of the plan, by its site path; template mistakes are content errors."""
        digest = folder_digest(self.template_dir)
        if digest != self._templates_digest:
            self.environment = make_environment(self.template_dir)
            self._templates = TemplateDigests(self.environment, self.template_dir)
            self._templates_digest = digest
        # A first build renders every page: in one process per core for a big guide.
        workers = worker_count(self.workers, len(plan.pages)) if not self.made.files else 1
        self.made, self.rendered = render_site(plan, self.template_dir, self.environment, self.blocks, self.made,
                                               self._templates, workers)
        self.blocks.keep_only(self.made.files)
        return dict(self.made.files)


@dataclass(frozen=True)
class RenderedPages:
    """Pages as rendered, by site path, with the key each was rendered for."""

    keys: dict[str, str] = field(default_factory=dict)
    files: dict[str, FileData] = field(default_factory=dict)


def render_site(plan: SitePlan, template_dir: Path, environment: jinja2.Environment | None = None,
                blocks: MemoryBlocks | None = None, made: RenderedPages | None = None,
                templates: TemplateDigests | None = None, workers: int = 1) -> tuple[RenderedPages, list[str]]:
    """Each page of the plan, as `made` holds it (the last build) when its key is the same, else rendered;
    and the paths rendered. Template mistakes are content errors. With `workers`, the pages are rendered in
    that many processes: for a first build, which renders them all."""
    environment = environment or make_environment(template_dir)
    templates = templates or TemplateDigests(environment, template_dir)
    made = made or RenderedPages()
    keys = PageKeys(templates)
    page_keys = dict(zip(map(attrgetter("path"), plan.pages), keys.each(plan.pages)))
    todo = [page for page in plan.pages if made.keys.get(page.path) != page_keys[page.path]]

    def make(page: Page) -> FileData | Problem:
        try:
            return render_page(environment, page, page_blocks(blocks, page, keys.fingerprints, templates))
        except jinja2.TemplateSyntaxError:
            raise  # the same broken template would fail every page again
        except jinja2.TemplateError as error:
            return template_problem(error, template_dir)

    try:
        if workers > 1:
            _compile_ahead(environment, templates, {page.template for page in todo})
        ahead = _rendered_ahead(tuple(todo), make, blocks, workers) if workers > 1 else {}
        rendered = {page.path: ahead.pop(page.path) if page.path in ahead else make(page) for page in todo}
    except jinja2.TemplateSyntaxError as error:
        raise ContentError({template_problem(error, template_dir)}) from None
    problems = {data for data in rendered.values() if isinstance(data, Problem)}
    if problems:
        raise ContentError(problems)
    kept = made.files if made.files.keys() == page_keys.keys() else {
        path: data for path, data in made.files.items() if path in page_keys}
    return RenderedPages(page_keys, {**kept, **rendered}), list(rendered)


class PageKeys:
    """Each page's cache key: the digest of its template with all it uses, its path, how its context is made
    and what from (see Page). One keyer serves one build, whose objects do not change (see Fingerprinter)."""

    def __init__(self, templates: TemplateDigests, fingerprints: Fingerprinter | None = None) -> None:
        self.templates = templates
        self.fingerprints = fingerprints or Fingerprinter()

    def key(self, page: Page) -> str:
        """The digest of the page's template with all it uses, and the page's own (see `own`)."""
        return self.templates[page.template] + self.own(page)

    def each(self, pages: Sequence[Page]) -> list[str]:
        """The key of each page (map, at the speed of C: serve keys ten thousand pages after each edit)."""
        templates = {name: self.templates[name] for name in set(map(attrgetter("template"), pages))}
        return list(map(add, map(templates.__getitem__, map(attrgetter("template"), pages)), map(self.own, pages)))

    def own(self, page: Page) -> str:
        """The digest of the page's path, how its context is made and its inputs, kept on the page: serve's
        plan gives the very same Page while its inputs are the same objects (see Memo)."""
        own = page.__dict__.get("_key")
        if own is None:
            make = f"{page.make.__module__}.{page.make.__qualname__}" if page.make is not None else ""
            own = digest_bytes(b"%b\0%d\0%b\0" % (page.path.encode(), page.absolute_links, make.encode()),
                               self.fingerprints.inputs_digest(page.inputs))
            object.__setattr__(page, "_key", own)
        return own


def _compile_ahead(environment: jinja2.Environment, templates: TemplateDigests, names: Iterable[str]) -> None:
    """Compile the templates `names` with all they use in this process, before workers fork: they share them,
    and this process has them for the rebuilds after (`serve`'s first rebuild compiled those only its
    workers had used, 50 ms at 10,000 exercises)."""
    for name in sorted(set().union(*map(templates.closure, names))):
        try:
            environment.get_template(name)
        except jinja2.TemplateError:
            pass  # the page that uses it reports it, as when it was compiled as the page rendered


def _rendered_ahead(pages: tuple[Page, ...], make: Callable[[Page], FileData | Problem], blocks: MemoryBlocks | None,
                    workers: int) -> dict[str, FileData | Problem]:
    """Each page made by `make`, in `workers` processes. A page that keeps blocks for its next rendering (a
    list, see `fragments`) must be made in this process, which keeps them: the long pages, those of templates
    few pages use, are made here; a page that a worker made with blocks is left to be made here after."""
    pieces, long_pages = work_pieces(pages, workers)

    def work(piece: list[int]) -> list[tuple[str, FileData | Problem]]:
        made = [(pages[index].path, make(pages[index])) for index in piece]
        if not in_worker() or blocks is None:
            return made
        return [(path, data) for path, data in made if not blocks.keeps(path)]
    return dict(chain.from_iterable(run_shared(work, pieces, workers, reserved=long_pages)))


# Where a list of fragments goes in a page's text: no template or content writes it (a YAML string could hold
# a NUL, but not this random word around it).
_SPLICE = f"\x00exguide-{secrets.token_hex(8)}\x00"


def page_blocks(store: FolderBlocks | MemoryBlocks | None, page: Page, fingerprints: Fingerprinter,
                templates: Mapping[str, str]) -> StoredBlocks | None:
    """The blocks of the page's lists that the `store` keeps, for one rendering of it."""
    if store is None:
        return None
    return StoredBlocks(store, page.path, (page.absolute_links, page.inputs.get("site")), fingerprints, templates)


def render_page(environment: jinja2.Environment, page: Page, blocks: StoredBlocks | None = None) -> FileData:
    """The page, in UTF-8: its bytes, or the Pieces of a page with lists of fragments, whose `blocks` the last
    rendering kept are not rendered again."""
    pieces = render_page_pieces(environment, page, blocks)
    return pieces[0] if len(pieces) == 1 else Pieces(pieces)


def render_page_pieces(environment: jinja2.Environment, page: Page, blocks: StoredBlocks | None = None
                       ) -> list[bytes]:
    """The page, in UTF-8, in pieces: its lists of fragments as they were kept, so that a page as long as
    the booklet (26 MB at ten thousand exercises) is written out without being copied into one string.
    `blocks`: those of its lists the last rendering kept (see blocks.py)."""
    return _PageRendering(environment, page, blocks).pieces()


class _PageRendering:
    """One rendering of a page: what its template calls (`url`, `fragments`) and the pieces it makes."""

    def __init__(self, environment: jinja2.Environment, page: Page, blocks: StoredBlocks | None) -> None:
        self.environment, self.page, self.blocks = environment, page, blocks
        self.context = page.context
        self.site = self.context.get("site")
        self.spliced: list[list[bytes]] = []  # the lists of fragments, each placed at its mark once encoded

    def pieces(self) -> list[bytes]:
        page = self.page
        canonical = public_url(self.site, page.path) if self.site is not None else None
        template = self.environment.get_template(page.template)
        text = template.render(self.context, url=self.url, page_path=page.path, fragments=self.fragments,
                               canonical=canonical).encode("utf-8")
        if self.blocks is not None:
            self.blocks.save()
        if not self.spliced:
            return [text]
        pieces = text.split(_SPLICE.encode())  # the text between marks, and each mark's number
        return [pieces[0], *(part for number, after in zip(pieces[1::2], pieces[2::2])
                             for part in (*self.spliced[int(number)], after))]

    def url(self, target: object) -> str:
        if self.page.absolute_links and self.site is not None and self.site.base_url:
            return public_url(self.site, path_of(target))
        return relative_url(self.page.path, path_of(target))

    def fragments(self, template_name: str, names: str | tuple[str, ...], items: Sequence, **context: object
                  ) -> Markup:
        """The template `template_name` for each of `items`, one line each: an item is the value of `names`,
        or the values of a tuple of names. They are kept by blocks (see blocks.py), so that a page listing
        every exercise renders again only the block with the edited one.

        The blocks are kept encoded and go into the page's bytes as they are: a page of ten thousand
        sections is not joined, copied and encoded again as text for each edit. So what this returns is
        a mark, to be written into the page as it is, not filtered."""
        names = (names,) if isinstance(names, str) else names
        template = self.environment.get_template(template_name)

        def block(items: tuple) -> Markup:
            values = (item if len(names) > 1 else (item,) for item in items)
            return Markup("\n".join(self._fragment(template, {**context, **dict(zip(names, value))})
                                    for value in values))
        items = tuple(items)
        list_key = (template_name, self.page.path, names, tuple(sorted(context.items())))
        encoded = self._blocks(template_name, list_key, items, lambda piece: block(piece).encode())
        self.spliced.append([line for block_bytes in encoded for line in (b"\n", block_bytes)][1:])
        return Markup(f"{_SPLICE}{len(self.spliced) - 1}{_SPLICE}")

    def _fragment(self, template: jinja2.Template, context: dict) -> Markup:
        html = template.render(context, url=self.url, page_path=self.page.path)
        return Markup(html.rstrip("\n"))  # the calling template places it on a line of its own

    def _blocks(self, template_name: str, key: tuple, items: tuple, render: Callable[[tuple], bytes]
                ) -> list[bytes]:
        if self.blocks is not None:
            return self.blocks.blocks(template_name, key, items, render)
        return unkept_blocks(items, render)


def template_problem(error: jinja2.TemplateError, template_dir: Path) -> Problem:
    """Where in which template the error is: Jinja keeps template lines in the traceback."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(Path(error.filename), error.lineno, f"template error: {error.message}")
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith(str(template_dir)):
            return Problem(Path(frame.filename), frame.lineno or 1, f"template error: {error.message}")
    return Problem(template_dir, 1, f"template error: {error.message}")


def work_pieces(pages: tuple[Page, ...], workers: int) -> tuple[list[list[int]], int]:
    """The pages' places, in pieces of up to 32 but enough of them for every worker, and how many pieces at
    the front are long pages. A page whose template few pages use (the booklet, the home page, a group's
    page) is a piece of its own, and these come first: they are the long pages, which must not share one
    worker, and after an edit often the only ones left to render."""
    size = max(1, min(32, len(pages) // (workers * 4)))
    uses = Counter(map(attrgetter("template"), pages))
    alone = [index for index, page in enumerate(pages) if uses[page.template] < size]
    together = [index for index, page in enumerate(pages) if uses[page.template] >= size]
    return [[index] for index in alone] + [together[start:start + size] for start in range(0, len(together), size)], \
        len(alone)
