"""The command line: `python build.py [build|serve] [options]`."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from .options import DEFAULT_TEMPLATES, BuildOptions, BuildResult
from .problems import ContentError, PdfEngineMissing, display_path

COMMANDS = ("build", "serve", "check", "new", "import")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build an exercise guide from Markdown into a static web site.")
    content, output = _content_options(), _output_options()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser(
        "build", parents=[content, output], help="build the guide into the output folder (the default command)",
        description="Build the guide. Only what changed since the last build is made again, and only files "
                    "whose bytes changed are written. On any content error nothing is written and the last "
                    "good site stays.")
    build.add_argument("--no-cache", dest="use_cache", action="store_false",
                       help="make every file again, ignoring what earlier builds left (kept in .site-cache/ "
                            "beside the content folder)")
    build.add_argument("--jobs", type=int, metavar="N",
                       help="processes that share the work (default: one per core for a big guide)")
    _add_check(commands, content)
    _add_serve(commands, content, output)
    _add_new(commands, content)
    _add_import(commands)
    return parser


def _content_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                         help="the guide's content folder (default: content)")
    options.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES, metavar="DIR",
                         help="the templates folder (default: the project's templates)")
    options.add_argument("--drafts", action="store_true", help="include exercises marked 'draft: true'")
    return options


def _output_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                         help="the output folder, replaced as a whole (default: site)")
    options.add_argument("--force", action="store_true",
                         help="replace the output folder even when it holds files that exguide did not make")
    options.add_argument("--no-pdf", dest="pdfs", action="store_false",
                         help="skip the routines' PDFs, for a faster build")
    return options


def _add_check(commands, content: argparse.ArgumentParser) -> None:
    check = commands.add_parser(
        "check", parents=[content], help="check the guide without writing anything",
        description="Check everything the build checks, and warn about broken links, text in another "
                    "script than the guide's language, unused exercises, muscle groups no exercise works, "
                    "near-duplicate titles and steps lists too long for a one-page routine.")
    check.add_argument("--strict", action="store_true", help="count warnings as errors (for CI)")


def _add_serve(commands, content: argparse.ArgumentParser, output: argparse.ArgumentParser) -> None:
    serve = commands.add_parser(
        "serve", parents=[content, output], help="build, serve and rebuild on every save, reloading the browser",
        description="Build the guide and serve it; every saved change rebuilds what it affects and reloads "
                    "the open pages. Content errors show over the page until they are fixed.")
    serve.add_argument("--port", type=int, default=8000, help="the port to serve on (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this computer only)")
    serve.add_argument("--open", action="store_true", help="open the guide in the web browser")


def _add_new(commands, content: argparse.ArgumentParser) -> None:
    new = commands.add_parser(
        "new", parents=[content], help="start a new exercise or routine file",
        description="Write content/exercises/<slug>.md or content/routines/<slug>.md with valid front matter "
                    "and a steps template, named after the title. An existing file is never overwritten.")
    new.add_argument("kind", choices=("exercise", "routine"), help="what to start")
    new.add_argument("title", help='its title, in quotes: "Ankle mobilization"')


def _add_import(commands) -> None:
    importer = commands.add_parser(
        "import", help="convert an exercise data set into a content folder",
        description="Convert the public-domain free-exercise-db data set (exercises.json) into a content "
                    "folder: one Markdown file per exercise, its muscles mapped onto the muscle groups, and a "
                    "report of what could not be mapped. Images are not written.")
    importer.add_argument("format", choices=("free-exercise-db",), help="the data set's format")
    importer.add_argument("file", type=Path, help="the data set's JSON file")
    importer.add_argument("--into", type=Path, required=True, metavar="DIR", help="the content folder to write")
    importer.add_argument("--muscles", type=Path, default=Path("content/muscles.yaml"), metavar="FILE",
                          help="the muscle list to map onto, when DIR has none (default: content/muscles.yaml)")


def main(argv: list[str] | None = None) -> int:
    # The one adjustment of the cycle collector: its youngest generation is collected after 20,000 new
    # objects instead of 700. A build keeps millions of objects to its end (at 10,000 exercises: the last
    # build's cache, the guide, the plan), and by default the collector walked them all again and again as
    # they came in. Measured at 10,000 exercises against the five adjustments this replaced (freezing the
    # heap, pausing the collector while the cache loads): one-edit build 1.43 s against 1.41 s (2.05 s with
    # no adjustment), `serve` rebuild 0.072 s (slowest of 80: 0.103 s) against 0.082 s (0.105 s), peak
    # memory of a cold build 281 MB against 277 MB.
    gc.set_threshold(20_000, *gc.get_threshold()[1:])
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "build")  # `build` is the default command
    parser = make_parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "import":
        return run_import(arguments)
    options = BuildOptions(arguments.content, getattr(arguments, "out", Path("site")), arguments.templates,
                           arguments.drafts, getattr(arguments, "pdfs", False),
                           getattr(arguments, "use_cache", True), getattr(arguments, "jobs", None))
    usage_error = _check_folders(options) or (_check_output(options, arguments.force) if "out" in arguments else None)
    if usage_error:
        parser.print_usage(sys.stderr)
        print(f"build.py: error: {usage_error}", file=sys.stderr)
        return EXIT_USAGE
    if arguments.command == "serve":
        return run_serve(options, arguments)
    if arguments.command == "check":
        return run_check(options, arguments.strict)
    if arguments.command == "new":
        return run_new(options, arguments.kind, arguments.title)
    return run_build(options)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _report_errors(error: ContentError, verdict: str) -> int:
    """Every problem, then `verdict` with {errors} filled in."""
    for problem in error.problems:
        print(problem.format(), file=sys.stderr)
    print(verdict.format(errors=_plural(len(error.problems), "error")), file=sys.stderr)
    return EXIT_CONTENT


def run_new(options: BuildOptions, kind: str, title: str) -> int:
    from .files import check_content_files
    from .new import NewFileError, new_file

    try:
        check_content_files(options.content_dir)  # new reads muscles.yaml: a FIFO there would hang it
        path = new_file(kind, title, options.content_dir, options.template_dir)
    except ContentError as error:
        return _report_errors(error, "No file was made: {errors}.")
    except NewFileError as error:
        print(f"build.py new: error: {error}", file=sys.stderr)
        return EXIT_CONTENT
    print(f"Created {display_path(path)}")
    return EXIT_OK


def run_import(arguments: argparse.Namespace) -> int:
    from .importer import import_free_exercise_db

    if not arguments.file.is_file():
        print(f"build.py import: error: no file '{arguments.file}'", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = import_free_exercise_db(arguments.file, arguments.into, arguments.muscles)
    except ContentError as error:
        return _report_errors(error, "Import failed with {errors}.")
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # not JSON, or not that data set's shape
        print(f"build.py import: error: {arguments.file} is not a free-exercise-db data set ({error})",
              file=sys.stderr)
        return EXIT_CONTENT
    for line in report.lines():
        print(line, file=sys.stderr)
    print(f"Imported {report.written} exercises into {display_path(arguments.into)}"
          f"{f'; {len(report.skipped)} skipped' if report.skipped else ''}.")
    return EXIT_OK


def run_check(options: BuildOptions, strict: bool) -> int:
    from .check import check_guide

    progress = TerminalProgress(sys.stderr)
    try:
        warnings = check_guide(options, progress)
    except ContentError as error:
        progress.clear()
        return _report_errors(error, "Check failed with {errors}.")
    progress.clear()
    for warning in warnings:
        print(warning.format(), file=sys.stderr)
    failed = strict and bool(warnings)
    verdict = "; --strict counts them as errors" if failed else ""
    print(f"Checked {display_path(options.content_dir)}: no errors, {_plural(len(warnings), 'warning')}{verdict}.")
    return EXIT_CONTENT if failed else EXIT_OK


def run_build(options: BuildOptions) -> int:
    from .files import check_content_files
    from .store import BuildStore  # light: a build with nothing to do answers before the rest loads

    started = time.perf_counter()
    store = BuildStore(options)
    progress = TerminalProgress(sys.stderr)
    try:
        if options.use_cache:
            check_content_files(options.content_dir)  # before the survey reads them
            store.survey()
            if store.up_to_date():
                return _report_build(options, store.unchanged_result(started))
        from .pipeline import Builder

        result = Builder(options, progress, rebuilds=False).build(store, files_checked=options.use_cache)
    except ContentError as error:
        progress.clear()
        return _report_errors(error, "Build failed with {errors}; "
                                     f"{display_path(options.out_dir)}/ was left as it was.")
    except PdfEngineMissing as error:
        progress.clear()
        print(f"build.py: error: {error}", file=sys.stderr)
        return EXIT_CONTENT
    except OSError as error:  # the output folder cannot be written: full disk, no permission
        progress.clear()
        print(f"build.py: error: cannot write the site: {error.strerror}: {error.filename}", file=sys.stderr)
        return EXIT_CONTENT
    progress.clear()
    return _report_build(options, result)


def _report_build(options: BuildOptions, result: BuildResult) -> int:
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)
    index = display_path(options.out_dir / "index.html")
    if not result.rendered:
        print(f"Nothing changed: {result.pages} pages ({result.files} files) up to date in "
              f"{result.seconds:.2f} s; open {index}")
    elif len(result.rendered) < result.files:
        print(f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f} s: "
              f"{_plural(len(result.rendered), 'file')} made again, {len(result.written)} written; open {index}")
    else:
        print(f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f} s; open {index}")
    return EXIT_OK


class TerminalProgress:
    """One line that counts the work on a terminal, redrawn at most ten times a second; silent elsewhere."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.active = stream.isatty()
        self._shown = 0.0
        self._width = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.active or (now - self._shown < 0.1 and 0 < done < total):
            return
        self._shown = now
        line = f"{what}… {done:,}/{total:,}" if total else f"{what}…"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def run_serve(options: BuildOptions, arguments: argparse.Namespace) -> int:
    from .serve import DevServer  # the server's libraries load only when serving

    server = DevServer(options, arguments.host, arguments.port, log=lambda line: print(line, flush=True))
    try:
        server.run(open_browser=arguments.open)
    except OSError as error:  # the port is taken, or the address is not this computer's
        print(f"build.py serve: error: cannot listen on {arguments.host}:{arguments.port}: {error.strerror}; "
              "choose another --port", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _check_folders(options: BuildOptions) -> str | None:
    """The content and templates folders must exist."""
    if not options.content_dir.is_dir():
        return f"the content folder '{options.content_dir}' does not exist"
    if not options.template_dir.is_dir():
        return f"the templates folder '{options.template_dir}' does not exist"
    return None


def _check_output(options: BuildOptions, force: bool) -> str | None:
    """Usage mistakes that would make the build destroy something it does not own: the project, the content,
    the templates, or a folder of someone else's files (unless `force`)."""
    from .write import foreign_output

    out = options.out_dir.resolve()
    if out.exists() and not out.is_dir():
        return f"the output folder '{options.out_dir}' is a file, not a folder; choose another --out"
    for precious in (Path.cwd(), options.content_dir.resolve(), options.template_dir.resolve()):
        if out == precious or out in precious.parents:
            return f"the output folder '{options.out_dir}' would replace '{precious}'; choose another --out"
    for source in (options.content_dir.resolve(), options.template_dir.resolve()):
        if source in out.parents:
            return f"the output folder '{options.out_dir}' is inside '{source}'; choose another --out"
    return None if force else foreign_output(options.out_dir)
