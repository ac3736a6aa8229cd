"""The command line: help, exit codes, usage errors, and folders it must never replace."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT_DIR, make_guide


def test_help_lists_the_commands_and_options(run_build):
    result = run_build("--help")
    assert result.exit_code == 0
    assert "build" in result.stdout
    build_help = run_build("build", "--help")
    assert build_help.exit_code == 0
    for option in ("--content DIR", "--out DIR", "--drafts"):
        assert option in build_help.stdout


def test_an_unknown_option_is_a_usage_error(run_build):
    result = run_build("--colour")
    assert result.exit_code == 2
    assert "unrecognized arguments: --colour" in result.stderr


def test_a_missing_content_folder_is_a_usage_error(run_build):
    result = run_build("--content", "nowhere")
    assert result.exit_code == 2
    assert result.stderr.endswith("build.py: error: the content folder 'nowhere' does not exist\n")


@pytest.mark.parametrize("out", [".", "content", ".."])
def test_the_output_folder_never_replaces_the_project_or_content(run_build, tmp_path, out):
    make_guide(tmp_path)
    result = run_build("--out", out)
    assert result.exit_code == 2
    assert "choose another --out" in result.stderr
    assert (tmp_path / "content" / "guide.yaml").is_file()


@pytest.mark.parametrize("out", ["content/exercises", "content/images/site"])
def test_the_output_folder_is_never_inside_the_content(run_build, tmp_path, out):
    make_guide(tmp_path)
    before = sorted((tmp_path / "content").rglob("*"))
    result = run_build("--out", out)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"build.py: error: the output folder '{out}' is inside "
                                  f"'{tmp_path / 'content'}'; choose another --out\n")
    assert sorted((tmp_path / "content").rglob("*")) == before


def test_the_output_folder_is_never_inside_the_templates(run_build, tmp_path):
    make_guide(tmp_path)
    result = run_build("--out", str(PROJECT_DIR / "templates" / "assets"))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"is inside '{PROJECT_DIR / 'templates'}'; choose another --out\n")
    assert (PROJECT_DIR / "templates" / "assets" / "style.css").is_file()


def test_an_output_folder_of_other_files_is_kept_unless_forced(run_build, tmp_path):
    make_guide(tmp_path)
    thesis = tmp_path / "x" / "docs" / "thesis.txt"
    thesis.parent.mkdir(parents=True)
    thesis.write_text("four years of work")
    result = run_build("--out", "x")
    assert result.exit_code == 2
    assert result.stderr.endswith("build.py: error: the output folder 'x' holds files that exguide did not make "
                                  "(such as 'docs/thesis.txt'); choose an empty or new folder, or add --force "
                                  "to replace it\n")
    assert thesis.read_text() == "four years of work"
    assert run_build("--out", "x", "--no-pdf", "--force").exit_code == 0
    assert not thesis.exists() and (tmp_path / "x" / "index.html").is_file()
    assert run_build("--out", "x", "--no-pdf").exit_code == 0  # its own output now: no --force needed


def test_an_empty_output_folder_or_a_built_one_needs_no_force(run_build, tmp_path):
    make_guide(tmp_path)
    (tmp_path / "empty" / "nothing-inside").mkdir(parents=True)
    assert run_build("--out", "empty", "--no-pdf").exit_code == 0
    assert run_build("--out", "empty", "--no-pdf", "--no-cache").exit_code == 0


def test_an_output_folder_that_is_a_file_is_a_usage_error(run_build, tmp_path):
    make_guide(tmp_path)
    (tmp_path / "afile").write_text("not a folder")
    result = run_build("--out", "afile", "--force")
    assert result.exit_code == 2
    assert result.stderr.endswith("build.py: error: the output folder 'afile' is a file, not a folder; "
                                  "choose another --out\n")
    assert (tmp_path / "afile").read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "content"]


def test_build_is_the_default_command_and_uses_content_and_site(run_build, tmp_path):
    make_guide(tmp_path)
    result = run_build()
    assert result.exit_code == 0
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_script_runs_from_any_folder(tmp_path):
    make_guide(tmp_path)
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "build.py"), "build"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built 18 pages")


def test_an_unreadable_file_is_reported_not_a_traceback(run_build, tmp_path):
    content = make_guide(tmp_path)
    (content / "exercises" / "moved.md").symlink_to(content / "gone.md")  # a link whose file has gone
    result = run_build()
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "content/exercises/moved.md:1: the file cannot be read: No such file or directory\n")


def test_links_that_lead_outside_the_content_are_refused(run_build, tmp_path):
    content = make_guide(tmp_path)
    (tmp_path / "secret.txt").write_text("the build machine's secret")
    (content / "images").mkdir()
    (content / "images" / "passwd.txt").symlink_to(tmp_path / "secret.txt")
    (content / "exercises" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (content / "exercises" / "here.md").symlink_to(content / "exercises" / "calf-raise.md")  # inside: fine
    for command in (("build",), ("build", "--no-cache"), ("check",)):
        result = run_build(*command)
        assert result.exit_code == 1
        assert result.stderr.splitlines()[:2] == [
            "content/exercises/elsewhere:1: the symbolic link leads outside content/; copy the file into the "
            "content folder instead",
            "content/images/passwd.txt:1: the symbolic link leads outside content/; copy the file into the "
            "content folder instead"]
    assert not (tmp_path / "site").exists()


def test_a_fifo_in_the_content_is_refused_not_read(tmp_path):
    """In a process of its own: reading the FIFO would wait for ever."""
    import os
    content = make_guide(tmp_path)
    os.mkfifo(content / "exercises" / "pipe.md")
    for command in (["build"], ["check"], ["new", "exercise", "Plank"]):
        result = subprocess.run([sys.executable, str(PROJECT_DIR / "build.py"), *command], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert result.stderr.startswith("content/exercises/pipe.md:1: this is not a file but a special one (a "
                                        "FIFO, a socket or a device), which the build does not read; remove it "
                                        "from the content folder\n")


def test_an_unwritable_output_folder_is_reported_not_a_traceback(run_build, tmp_path):
    make_guide(tmp_path)
    (tmp_path / "blocker").write_text("a file where the output folder's parent should be")
    result = run_build("--out", "blocker/site")
    assert result.exit_code == 1
    assert result.stderr.startswith("build.py: error: cannot write the site: ")
    assert "Traceback" not in result.stderr


def test_new_exercise_and_routine_build_at_once(run_build, tmp_path):
    make_guide(tmp_path)
    made = run_build("new", "exercise", 'Side plank: "easy" version')
    assert made.exit_code == 0
    assert made.stdout == "Created content/exercises/side-plank-easy-version.md\n"
    assert run_build("new", "routine", "Core basics").stdout == "Created content/routines/core-basics.md\n"
    result = run_build("--no-pdf")
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site/exercises/side-plank-easy-version/index.html").read_text()
    assert "<h1>Side plank: &#34;easy&#34; version</h1>" in page
    assert (tmp_path / "site/routines/core-basics/index.html").is_file()


def test_new_never_overwrites(run_build, tmp_path):
    content = make_guide(tmp_path)
    before = (content / "exercises/calf-raise.md").read_bytes()
    result = run_build("new", "exercise", "Calf raise")
    assert result.exit_code == 1
    assert result.stderr == ("build.py new: error: content/exercises/calf-raise.md already exists; "
                             "choose another title or edit that file\n")
    assert (content / "exercises/calf-raise.md").read_bytes() == before


def test_a_machine_without_the_pdf_engine_gets_a_message_not_a_traceback(run_build, tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    make_guide(tmp_path)
    monkeypatch.setattr(builtins, "__import__", no_pango)
    result = run_build()
    assert result.exit_code == 1
    assert result.stderr.startswith("build.py: error: the PDFs need WeasyPrint and Debian's Pango library")
    assert result.stderr.rstrip().endswith("or build with --no-pdf")
    assert not (tmp_path / "site").exists()
    assert run_build("--no-pdf").exit_code == 0
