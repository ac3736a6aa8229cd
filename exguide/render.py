"""Stage 5, render: pages become bytes. Pure: reads templates, writes nothing."""

from __future__ import annotations

import hashlib
import traceback
from pathlib import Path
from typing import Hashable

import jinja2
from markupsafe import Markup

from .cache import GenerationCache
from .plan import Page, SitePlan, path_of, public_url, relative_url
from .problems import ContentError, Problem


def make_environment(template_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class SiteRenderer:
    """Renders the pages of a plan. A page whose template context is unchanged since the last build is
    not rendered again, until any template changes."""

    def __init__(self, template_dir: Path) -> None:
        self.template_dir = template_dir
        self.cache: GenerationCache[bytes] = GenerationCache()
        self.fragments: GenerationCache[Markup] = GenerationCache()
        self._templates_digest = b""
        self.environment = make_environment(template_dir)

    def render(self, plan: SitePlan) -> dict[str, bytes]:
        """Every output file of the plan, by its site path; template mistakes are content errors."""
        digest = _digest(self.template_dir)
        if digest != self._templates_digest:
            self.cache.clear()
            self.fragments.clear()
            self.environment = make_environment(self.template_dir)
            self._templates_digest = digest
        self.cache.next_build()
        self.fragments.next_build()
        return render_site(plan, self.template_dir, self.environment, self.cache, self.fragments)


def _digest(folder: Path) -> bytes:
    """A fingerprint of every file's name and bytes in `folder`."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def _cache_key(page: Page) -> Hashable | None:
    """What the page's output depends on; None when part of its context cannot be compared cheaply."""
    key = (page.template, page.path, tuple(sorted(page.context.items())))
    return key if _hashable(key) else None


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def render_site(plan: SitePlan, template_dir: Path, environment: jinja2.Environment | None = None,
                cache: GenerationCache[bytes] | None = None,
                fragments: GenerationCache[Markup] | None = None) -> dict[str, bytes]:
    """Every output file of the plan, by its site path; template mistakes are content errors."""
    environment = environment or make_environment(template_dir)
    output: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in plan.pages:
        key = _cache_key(page) if cache is not None else None
        try:
            if key is None:
                output[page.path] = render_page(environment, page, fragments).encode("utf-8")
            else:
                output[page.path] = cache.get(key, lambda: render_page(environment, page, fragments).encode("utf-8"))
        except jinja2.TemplateError as error:
            problems.append(_template_problem(error, template_dir))
            if isinstance(error, jinja2.TemplateSyntaxError):
                break  # the same broken template would fail every page again
    if problems:
        raise ContentError(set(problems))
    for static in plan.static_files:
        output[static.path] = static.source.read_bytes()
    return output


def render_page(environment: jinja2.Environment, page: Page,
                fragments: GenerationCache[Markup] | None = None) -> str:
    site = page.context.get("site")
    canonical = public_url(site, page.path) if site is not None else None

    def url(target: object) -> str:
        if page.absolute_links and site is not None and site.base_url:
            return public_url(site, path_of(target))
        return relative_url(page.path, path_of(target))

    def fragment(template_name: str, **context: object) -> Markup:
        """A part of the page from its own template, kept for the next build while its context is unchanged:
        the sections of a page that lists every exercise are not rendered again for one edit."""
        def render() -> Markup:
            html = environment.get_template(template_name).render(context, url=url, page_path=page.path)
            return Markup(html.rstrip("\n"))  # the calling template places it on a line of its own
        key = (template_name, page.path, tuple(sorted(context.items())))
        return fragments.get(key, render) if fragments is not None and _hashable(key) else render()

    template = environment.get_template(page.template)
    return template.render(page.context, url=url, page_path=page.path, fragment=fragment, canonical=canonical)


def _template_problem(error: jinja2.TemplateError, template_dir: Path) -> Problem:
    """Where in which template the error is: Jinja keeps template lines in the traceback."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(Path(error.filename), error.lineno, f"template error: {error.message}")
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith(str(template_dir)):
            return Problem(Path(frame.filename), frame.lineno or 1, f"template error: {error.message}")
    return Problem(template_dir, 1, f"template error: {error.message}")
