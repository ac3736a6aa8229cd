"""Stage 5, render: pages become bytes. Pure: reads templates, writes nothing."""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2

from .plan import Page, SitePlan, path_of, relative_url
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


def render_site(plan: SitePlan, template_dir: Path) -> dict[str, bytes]:
    """Every output file of the plan, by its site path; template mistakes are content errors."""
    environment = make_environment(template_dir)
    output: dict[str, bytes] = {}
    problems: list[Problem] = []
    for page in plan.pages:
        try:
            output[page.path] = render_page(environment, page).encode("utf-8")
        except jinja2.TemplateError as error:
            problems.append(_template_problem(error, template_dir))
            if isinstance(error, jinja2.TemplateSyntaxError):
                break  # the same broken template would fail every page again
    if problems:
        raise ContentError(set(problems))
    for static in plan.static_files:
        output[static.path] = static.source.read_bytes()
    return output


def render_page(environment: jinja2.Environment, page: Page) -> str:
    def url(target: object) -> str:
        return relative_url(page.path, path_of(target))

    template = environment.get_template(page.template)
    return template.render(page.context, url=url, page_path=page.path)


def _template_problem(error: jinja2.TemplateError, template_dir: Path) -> Problem:
    """Where in which template the error is: Jinja keeps template lines in the traceback."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(Path(error.filename), error.lineno, f"template error: {error.message}")
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith(str(template_dir)):
            return Problem(Path(frame.filename), frame.lineno or 1, f"template error: {error.message}")
    return Problem(template_dir, 1, f"template error: {error.message}")
