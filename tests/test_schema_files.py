"""The JSON Schemas the build publishes for editors agree with the build itself."""

from __future__ import annotations

import json

import frontmatter
import jsonschema
import pytest
import yaml

from conftest import PROJECT_DIR

CONTENT = PROJECT_DIR / "content"


def schema(site, kind: str) -> dict:
    return json.loads((site / f"schema/{kind}.json").read_text())


@pytest.mark.parametrize("path", sorted((CONTENT / "exercises").glob("*.md")), ids=lambda p: p.name)
def test_every_bundled_exercise_matches_the_schema(bundled_site, path):
    jsonschema.validate(frontmatter.load(path).metadata, schema(bundled_site, "exercise"))


def test_the_bundled_routine_and_yaml_files_match_their_schemas(bundled_site):
    routine = frontmatter.load(CONTENT / "routines/runners-knee.md").metadata
    jsonschema.validate(routine, schema(bundled_site, "routine"))
    jsonschema.validate(yaml.safe_load((CONTENT / "guide.yaml").read_text()), schema(bundled_site, "guide"))
    jsonschema.validate(yaml.safe_load((CONTENT / "muscles.yaml").read_text()), schema(bundled_site, "muscles"))


@pytest.mark.parametrize("front_matter", [
    {"title": "X", "summary": "Y", "muscles": ["illiopsoas"]},           # a misspelt muscle
    {"title": "X", "summary": "Y", "muscles": ["psoas"], "level": "expert"},
    {"title": "X", "summary": "Y", "muscles": ["psoas"], "sumary": "Z"},  # an unknown key
    {"title": "X", "muscles": ["psoas"]},                                # a missing field
    {"title": "X", "summary": "Y", "muscles": ["psoas"], "dose": {"reps": 0}},
])
def test_the_exercise_schema_rejects_what_the_build_rejects(bundled_site, front_matter):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(front_matter, schema(bundled_site, "exercise"))


def test_the_routine_schema_knows_the_exercises(bundled_site):
    routine = schema(bundled_site, "routine")
    good = {"title": "R", "summary": "S", "frequency": "daily",
            "exercises": ["ankle-mobilization", {"exercise": "low-lunge-with-reach", "dose": {"hold": 45}}]}
    jsonschema.validate(good, routine)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "exercises": ["ankle-mob"]}, routine)
