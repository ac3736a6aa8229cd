"""Which templates each template uses, and a digest of each one together with everything it uses.

A page's cache key holds the digest of its template, so editing a template re-renders exactly the pages
whose template uses it (through extends, include, import, or `fragment("name.html", ...)`,
`fragments("name.html", ...)` and `shared_fragment("name.html", ...)`), and no others.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from .fingerprint import DIGEST_SIZE


FRAGMENT_CALLS = ("fragment", "fragments", "shared_fragment")  # the helpers render.py gives templates


def template_uses(environment: jinja2.Environment, name: str) -> set[str]:
    """The templates `name` names directly; a template that does not parse uses none (rendering reports it)."""
    try:
        source = environment.loader.get_source(environment, name)[0]
        tree = environment.parse(source)
    except jinja2.TemplateError:
        return set()
    used = {found for found in meta.find_referenced_templates(tree) if found}
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in FRAGMENT_CALLS and call.args \
                and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
            used.add(call.args[0].value)
    return used


class TemplateDigests:
    """The digest of each template with all it uses, for one state of the templates folder."""

    def __init__(self, environment: jinja2.Environment, template_dir: Path) -> None:
        self._environment = environment
        self._dir = template_dir
        self._digests: dict[str, str] = {}
        self._uses: dict[str, set[str]] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._digests:
            self._digests[name] = self._digest(name)
        return self._digests[name]

    def _digest(self, name: str) -> str:
        digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
        for used in sorted(self.closure(name)):
            path = self._dir / used
            digest.update(used.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)") + b"\0")
        return digest.hexdigest()

    def closure(self, name: str) -> set[str]:
        """`name` and every template it uses, directly or not."""
        seen: set[str] = set()
        waiting = [name]
        while waiting:
            current = waiting.pop()
            if current not in seen:
                seen.add(current)
                if current not in self._uses:
                    self._uses[current] = template_uses(self._environment, current)
                waiting.extend(self._uses[current])
        return seen
