"""Stage 2, validate: the declared schema of every content file, and author-friendly errors.

Pydantic does the checking (types, closed value lists, unknown keys); this module turns its
findings into `path:line: message` problems that say what to write instead.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt,
                      StringConstraints, ValidationError, ValidationInfo)
from pydantic_core import PydanticCustomError

from .problems import ContentError, Problem, did_you_mean, suggestion
from .sources import SourceDocument
from .video import check_video_source, source_only

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z: "$" would let a name end with a newline

Text = Annotated[str, Field(strict=True), StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[StrictInt, Field(gt=0)]


def _check_slug(value: Any) -> Any:
    if isinstance(value, str) and not SLUG_PATTERN.match(value):
        raise PydanticCustomError(
            "slug", "'{value}' is not a slug; write lower-case words joined by hyphens, like 'hip-flexors'",
            {"value": value})
    return value


def _check_base_url(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", value):
        raise PydanticCustomError(
            "base_url", "'{value}' is not a web address; write it in full, like 'https://example.org/guide/'",
            {"value": value})
    return value


def _check_language(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", value):
        raise PydanticCustomError(
            "language", "'{value}' is not a language code; write one such as 'en', 'fr' or 'pt-BR'",
            {"value": value})
    return value


def _name_only(value: Any) -> Any:
    """Lets a list entry be written as a bare name instead of a mapping."""
    return value if isinstance(value, dict) else {"name": value}


def _exercise_only(value: Any) -> Any:
    """Lets a routine entry be written as a bare exercise slug."""
    return value if isinstance(value, dict) else {"exercise": value}


class NameChecker(Protocol):
    """Knows the names a field may refer to (muscles, exercise slugs) once the guide is read."""

    def problem_with(self, name: str) -> str | None: ...


def _known(kind: str):
    """A validator that asks the checker in the validation context under `kind`, if there is one."""
    def check(value: str, info: ValidationInfo) -> str:
        checker = (info.context or {}).get(kind)
        problem = checker.problem_with(value) if checker is not None else None
        if problem:
            raise PydanticCustomError("unknown_name", "{problem}", {"problem": problem})
        return value
    return AfterValidator(check)


Slug = Annotated[Text, BeforeValidator(_check_slug)]
MuscleName = Annotated[Text, _known("muscles")]
ExerciseSlug = Annotated[Text, _known("exercises")]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dose(Frozen):
    """How much of an exercise to do. Times are in seconds."""

    sets: Count | None = Field(None, description="Number of sets.", examples=[3])
    reps: Count | None = Field(None, description="Repetitions per set.", examples=[10])
    hold: Count | None = Field(None, description="Seconds to hold each repetition.", examples=[30])
    duration: Count | None = Field(None, description="Seconds of continuous work.", examples=[60])
    rest: Count | None = Field(None, description="Seconds of rest between sets.", examples=[30])
    sides: Literal["each", "both"] | None = Field(
        None, description="'each' when every side is done in turn.", examples=["each"])

    def merged(self, override: Dose | None) -> Dose:
        """This dose with every field that `override` sets replaced."""
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True))

    def describe(self) -> str:
        """The dose in plain words: '3 × 30 s hold, each side', '2 sets of 10 reps, rest 30 s'."""
        parts = [part for part in (self._amount(), self._side_words()) if part]
        if self.rest:
            parts.append(f"rest {_seconds(self.rest)}" + (" between sets" if self.sets else ""))
        return ", ".join(parts)

    def _amount(self) -> str:
        work = _plural(self.reps, "rep") if self.reps else ""
        timed = self.hold and f"{_seconds(self.hold)} hold" or self.duration and _seconds(self.duration) or ""
        if work and timed:
            work = f"{work} with a {timed}" if self.hold else f"{work} in {timed}"
        work = work or timed
        if not self.sets:
            return work
        if self.reps:
            return f"{_plural(self.sets, 'set')} of {work}"
        return f"{self.sets} × {work}" if work else _plural(self.sets, "set")

    def _side_words(self) -> str:
        return "each side" if self.sides == "each" else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _seconds(total: int) -> str:
    """'45 s', '2 min', '1 min 30 s'."""
    minutes, seconds = divmod(total, 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min" + (f" {seconds} s" if seconds else "")


class Image(Frozen):
    src: Text = Field(description="Path of the image, relative to the content folder.")
    alt: Text = Field(description="What the image shows, for people who cannot see it.")
    credit: Text = Field(description="Who made the image and under which licence.")
    caption: Text | None = Field(None, description="A line shown under the image.",
                                 examples=["Start: knee over the toes"])
    print: StrictBool = Field(False, description="The image the printed routine sheet shows (default: the first).")


class VideoMeta(Frozen):
    src: Annotated[Text, BeforeValidator(check_video_source)] = Field(
        description="A file under content/videos/ (MP4 or WebM), or a YouTube or Vimeo address.",
        examples=["videos/ankle-mobilization.mp4", "https://www.youtube.com/watch?v=aqz-KE-bpKQ"])
    poster: Text | None = Field(None, description="The picture shown before it plays (default: the first image).",
                                examples=["images/ankle.jpg"])


VideoOrSource = Annotated[VideoMeta, BeforeValidator(source_only, json_schema_input_type=Text | VideoMeta)]


Category = Literal["mobility", "stretch", "strength", "stability", "cardio"]
Level = Literal["beginner", "intermediate", "advanced"]


class ExerciseMeta(Frozen):
    """Front matter of content/exercises/<slug>.md."""

    CATEGORIES: ClassVar[tuple[str, ...]] = typing.get_args(Category)
    LEVELS: ClassVar[tuple[str, ...]] = typing.get_args(Level)

    title: Text = Field(examples=["Ankle mobilization"])
    summary: Text = Field(description="One sentence.", examples=["Loosens a stiff ankle."])
    muscles: tuple[MuscleName, ...] = Field(min_length=1, description="Primary targets.",
                                            examples=[["soleus", "gastrocnemius"]])
    secondary: tuple[MuscleName, ...] = ()
    equipment: tuple[Text, ...] = ()
    category: Category | None = None
    position: Text | None = Field(None, examples=["kneeling"])
    level: Level | None = None
    dose: Dose = Dose()
    cautions: tuple[Text, ...] = ()
    images: tuple[Image, ...] = ()
    video: VideoOrSource | None = None
    tags: tuple[Text, ...] = ()
    draft: StrictBool = False


class RoutineEntry(Frozen):
    exercise: ExerciseSlug = Field(description="The slug of an exercise (its file name without .md).")
    dose: Dose | None = Field(None, description="Overrides fields of the exercise's own dose.")


EntryOrSlug = Annotated[RoutineEntry, BeforeValidator(_exercise_only, json_schema_input_type=Text | RoutineEntry)]


class RoutineMeta(Frozen):
    """Front matter of content/routines/<slug>.md."""

    title: Text = Field(examples=["Runner's knee mobility"])
    summary: Text = Field(examples=["Five mobilizations for runners with sore knees."])
    frequency: Text = Field(examples=["daily"])
    exercises: tuple[EntryOrSlug, ...] = Field(min_length=1, examples=[["ankle-mobilization"]])
    draft: StrictBool = False


class GuideConfig(Frozen):
    """content/guide.yaml."""

    title: Text = Field(examples=["Runner's knee"])
    subtitle: Text | None = None
    description: Text | None = Field(None, description="One or two sentences for the home page.")
    introduction: Text | None = Field(None, description="Markdown for the home page.")
    language: Annotated[Text, BeforeValidator(_check_language)] = "en"
    base_url: Annotated[Text, BeforeValidator(_check_base_url)] | None = None
    author: Text | None = None
    credits: tuple[Text, ...] = ()
    avif: StrictBool = Field(False, description="Also make each picture as AVIF: smaller files, slow to make.")


class MuscleEntry(Frozen):
    name: Text
    aliases: tuple[Text, ...] = ()


EntryOrName = Annotated[MuscleEntry, BeforeValidator(_name_only, json_schema_input_type=Text | MuscleEntry)]


class GroupEntry(Frozen):
    slug: Slug = Field(examples=["hip-flexors"])
    name: Text = Field(examples=["Hip flexors"])
    region: Text = Field(examples=["hips"])
    muscles: tuple[EntryOrName, ...] = ()
    aliases: tuple[Text, ...] = ()


class MusclesFile(Frozen):
    """content/muscles.yaml."""

    groups: tuple[GroupEntry, ...] = Field(min_length=1)


Model = TypeVar("Model", bound=BaseModel)


def validate(document: SourceDocument, model: type[Model], checkers: dict[str, NameChecker] | None = None) -> Model:
    """The document's data as a `model`, or a ContentError listing every problem in it.

    `checkers` ("muscles", "exercises") check names against the rest of the guide in the same pass,
    so that one run reports every mistake of the file.
    """
    try:
        return model.model_validate(document.data if document.data is not None else {}, context=checkers)
    except ValidationError as error:
        details = error.errors()
        problems = [
            Problem(document.path, document.lines.line_of(tuple(detail["loc"])), explain(detail, model))
            for detail in details
            if not _is_echo(detail, details, model)
        ]
        raise ContentError(problems) from None


def _is_echo(detail: dict, details: list[dict], model: type[BaseModel]) -> bool:
    """An error that only repeats another one, which says more."""
    if detail["type"] == "too_short":  # pydantic counts the items that failed as missing
        return bool(detail.get("input"))
    if detail["type"] == "missing":  # 'sumary: ...' makes 'summary' missing: the typo says it all
        location = tuple(detail["loc"])
        return any(_suggested_key(other, model) == location for other in details)
    return False


def _suggested_key(detail: dict, model: type[BaseModel]) -> tuple | None:
    """For an unknown key, the location of the known key it is probably a misspelling of."""
    if detail["type"] != "extra_forbidden":
        return None
    location = tuple(detail["loc"])
    parent = _model_at(model, location[:-1])
    match = did_you_mean(str(location[-1]), parent.model_fields) if parent else None
    return location[:-1] + (match,) if match else None


def explain(detail: dict, model: type[BaseModel]) -> str:
    """One pydantic error detail, in the author's terms."""
    location = tuple(detail["loc"])
    kind, value = detail["type"], detail.get("input")
    name = _label(location)
    if kind in _SELF_EXPLAINED:
        return detail["msg"]
    if kind == "missing":
        return _missing_message(location, model)
    if kind == "extra_forbidden":
        parent = _model_at(model, location[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        hint = suggestion(str(location[-1]), allowed) or f"; the keys allowed here are: {', '.join(allowed)}"
        return f"unknown key '{location[-1]}'{hint}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", detail["ctx"]["expected"])
        hint = suggestion(str(value), choices) or f"; write one of: {', '.join(choices)}"
        return f"unknown {location[-1]} '{value}'{hint}"
    if kind in ("string_type", "string_too_short") and (value is None or isinstance(value, str) and not value.strip()):
        return f"{name} is empty; write its value after the colon"
    if kind in _TYPE_WORDS:
        return f"{name} must be {_TYPE_WORDS[kind]}, not {_shown(value)}"
    if kind == "greater_than":
        return f"{name} must be a whole number above zero, not {_shown(value)}"
    if kind == "too_short":
        return f"{name} is empty; list at least one entry"
    return f"{name}: {detail['msg']}" if location else detail["msg"]


_SELF_EXPLAINED = {"unknown_name", "slug", "base_url", "language", "video"}

_TYPE_WORDS = {
    "string_type": "text (put it in quotes)",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "tuple_type": "a list (one '- item' per line)",
    "list_type": "a list (one '- item' per line)",
    "model_type": "a group of 'key: value' lines",
    "dict_type": "a group of 'key: value' lines",
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (dict, list, tuple)):
        return "a group of 'key: value' lines" if isinstance(value, dict) else "a list"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _label(location: tuple) -> str:
    """`'reps'`, or `'tags' item 2` for a list entry."""
    names = [part for part in location if isinstance(part, str)]
    if not names:
        return "the front matter"
    if isinstance(location[-1], int):
        return f"'{names[-1]}' item {location[-1] + 1}"
    return f"'{names[-1]}'"


def _missing_message(location: tuple, model: type[BaseModel]) -> str:
    name = str(location[-1])
    parent = _model_at(model, location[:-1])
    field = parent.model_fields.get(name) if parent else None
    example = field.examples[0] if field and field.examples else "..."
    if isinstance(example, list):
        example = "[" + ", ".join(map(str, example)) + "]"
    return f"missing required field '{name}'; add a line such as '{name}: {example}'"


def _model_at(model: type[BaseModel], location: tuple) -> type[BaseModel] | None:
    """The model class that describes the mapping at `location` inside `model`."""
    current: type[BaseModel] | None = model
    for part in location:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = _inner_model(field.annotation) if field else None
    return current


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _inner_model(argument)
        if found:
            return found
    return None


def editor_schemas(muscle_names: list[str], exercise_slugs: list[str]) -> dict[str, dict]:
    """JSON Schemas of every content file, with the guide's own muscle names and exercise slugs,
    for editors to complete and check front matter while it is typed."""
    def titled(schema: dict, title: str) -> dict:
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}

    muscle = {"type": "string", "enum": muscle_names}
    slug = {"type": "string", "enum": exercise_slugs}
    exercise = ExerciseMeta.model_json_schema()
    for key in ("muscles", "secondary"):
        exercise["properties"][key]["items"] = muscle
    routine = RoutineMeta.model_json_schema()
    routine["$defs"]["RoutineEntry"]["properties"]["exercise"] |= slug
    routine["properties"]["exercises"]["items"]["anyOf"][0] |= slug  # a bare slug, or an entry with a dose
    return {
        "exercise": titled(exercise, "Front matter of an exercise (content/exercises/<slug>.md)"),
        "routine": titled(routine, "Front matter of a routine (content/routines/<slug>.md)"),
        "guide": titled(GuideConfig.model_json_schema(), "content/guide.yaml"),
        "muscles": titled(MusclesFile.model_json_schema(), "content/muscles.yaml"),
    }
