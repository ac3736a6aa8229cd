"""The command line: `python build.py [build] [--content DIR] [--out DIR]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .pipeline import DEFAULT_TEMPLATES, BuildOptions, build
from .problems import ContentError, display_path

COMMANDS = ("build",)
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build an exercise guide from Markdown into a static web site.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_parser = commands.add_parser(
        "build", help="build the guide into the output folder (the default command)",
        description="Build the guide. On any content error nothing is written and the last good site stays.")
    build_parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                              help="the guide's content folder (default: content)")
    build_parser.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                              help="the output folder, replaced as a whole (default: site)")
    build_parser.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES, metavar="DIR",
                              help="the templates folder (default: the project's templates)")
    build_parser.add_argument("--drafts", action="store_true", help="include exercises marked 'draft: true'")
    build_parser.add_argument("--no-pdf", dest="pdfs", action="store_false",
                              help="skip the routines' PDFs, for a faster build")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "build")  # `build` is the default command
    parser = make_parser()
    arguments = parser.parse_args(argv)
    return run_build(parser, arguments)


def run_build(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    options = BuildOptions(arguments.content, arguments.out, arguments.templates, arguments.drafts, arguments.pdfs)
    usage_error = _check_folders(options)
    if usage_error:
        parser.print_usage(sys.stderr)
        print(f"build.py: error: {usage_error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = build(options)
    except ContentError as error:
        for problem in error.problems:
            print(problem.format(), file=sys.stderr)
        count = len(error.problems)
        print(f"Build failed with {count} error{'s' if count != 1 else ''}; "
              f"{display_path(options.out_dir)}/ was left as it was.", file=sys.stderr)
        return EXIT_CONTENT
    except OSError as error:  # the output folder cannot be written: full disk, no permission
        print(f"build.py: error: cannot write the site: {error.strerror}: {error.filename}", file=sys.stderr)
        return EXIT_CONTENT
    for warning in result.warnings:
        print(warning.format(), file=sys.stderr)
    index = display_path(options.out_dir / "index.html")
    print(f"Built {result.pages} pages ({result.files} files) in {result.seconds:.2f} s; open {index}")
    return EXIT_OK


def _check_folders(options: BuildOptions) -> str | None:
    """Usage mistakes that would make the build fail or destroy something it does not own."""
    if not options.content_dir.is_dir():
        return f"the content folder '{options.content_dir}' does not exist"
    if not options.template_dir.is_dir():
        return f"the templates folder '{options.template_dir}' does not exist"
    out = options.out_dir.resolve()
    for precious in (Path.cwd(), options.content_dir.resolve(), options.template_dir.resolve()):
        if out == precious or out in precious.parents:
            return f"the output folder '{options.out_dir}' would replace '{precious}'; choose another --out"
    return None
