"""The ``docgen`` command: parse options, call :mod:`docgen.pipeline`, print, exit.

Exit codes (the contract scripts rely on): 0 success; 1 invalid input data;
2 usage error; 3 template error; 4 output or conversion error; 70 internal error
(a bug in docgen); 130 interrupted (Ctrl-C), 143 stopped by SIGTERM, either with
nothing partial left. Messages go to stderr in the chosen locale.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, Sequence, TextIO, TypeVar, Union

import click

from . import __version__, pipeline
from . import kinds as kinds_mod
from .diagnostics import UNKNOWN_VARIABLE, TemplateReport, inspect_template
from .errors import (DocgenError, DocgenWarning, Problem, TemplateError, Terminated,
                     ValidationFailed)
from .i18n.locale import DocLocale, resolve_leniently
from .inputs import read_record
from .messages import N_, localize_error, tr
from .output import write_atomic
from .profile import Profile, find_config, load_profile
from .stops import terminate_as_interrupt

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
F = TypeVar("F", bound=Callable[..., Any])
_RUN_LOCALE = "docgen.locale"  # click context meta: the language this run speaks


# --- the run's language ----------------------------------------------------------------

def _record_locale(data_file: Optional[str]) -> Optional[str]:
    """The ``locale`` field of a single record file, if it has one (an unreadable
    file is reported later, by the command itself)."""
    if not data_file:
        return None
    try:
        if data_file.lower().endswith(".json"):  # a JSON list has no one locale: not read twice
            with open(data_file, "rb") as fh:
                if fh.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
                    return None
        value = read_record(data_file).data.get("locale")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _speak(option: Optional[DocLocale], *, data_file: Optional[str] = None,
           profile: Optional[Profile] = None) -> DocLocale:
    """Decide the one language of this run's messages (:func:`resolve_leniently`:
    ``-l`` > the record's ``locale`` > the profile's > $DOCGEN_LOCALE > ko) and keep
    it for everything the run prints, the error boundary included."""
    loc = resolve_leniently(option, _record_locale(data_file),
                            profile.default_locale if profile else None)
    click.get_current_context().meta[_RUN_LOCALE] = loc
    return loc


def _run_locale() -> DocLocale:
    ctx = click.get_current_context(silent=True)
    found = ctx.meta.get(_RUN_LOCALE) if ctx is not None else None
    return found if isinstance(found, DocLocale) else resolve_leniently()


def _profile(config: Optional[str], option: Optional[DocLocale]) -> Profile:
    """The company profile (``--config``, else ./docgen.toml); its own problems are
    said in the language known before it (``-l`` or $DOCGEN_LOCALE)."""
    _speak(option)
    return load_profile(find_config(config))


def _quiet_profile() -> Optional[Profile]:
    """./docgen.toml for commands that only need its default locale; a broken one is
    reported by the commands that use it, not here."""
    try:
        return load_profile(find_config(None))
    except DocgenError:
        return None


def _kinds_profile() -> Profile:
    """./docgen.toml for commands that look a kind up: its [kinds] may define the kind,
    so a broken profile is reported (every problem, exit 1) rather than hidden behind
    "unknown kind"."""
    return load_profile(find_config(None))


# --- printing: one printer for problems, one JSON shape -----------------------------------

def print_problems(problems: Sequence[Problem], locale: DocLocale) -> None:
    """``FILE:LOCATION: [warning: |note: ]message`` per problem on stderr, then the
    paragraph's or cell's text, indented, when the problem has one."""
    for p in problems:
        prefix = "" if p.is_error else tr(locale, N_("note") if p.severity == "note"
                                          else N_("warning")) + ": "
        click.echo(f"{p.location}: {prefix}{p.text(locale)}", err=True)
        if p.excerpt:
            click.echo(f"    {p.excerpt}", err=True)


def problem_json(p: Problem, locale: DocLocale) -> dict[str, Any]:
    """The one JSON shape of a problem (``validate --json``, ``template check --json``):
    ``file, record, path, code, severity, message, location``, then where it is —
    ``cell`` + ``sheet``, ``row``, ``part`` + ``paragraph`` or ``line`` (+ ``column``)
    — and ``excerpt``, ``variable``/``suggestion`` when the problem has them."""
    loc = p.location
    out: dict[str, Any] = {"file": loc.file, "record": p.record, "path": p.path,
                           "code": p.code, "severity": p.severity, "message": p.text(locale),
                           "location": str(loc)}
    if loc.sheet:
        out["cell"] = f"{loc.sheet}!{loc.cell}" if loc.cell else None
        out["sheet"] = loc.sheet
    elif loc.row is not None:
        out["row"] = loc.row
    elif loc.part:
        out["part"] = loc.part
        out["paragraph"] = loc.paragraph
    else:
        out["line"] = loc.line
        if loc.column is not None:
            out["column"] = loc.column
    if p.excerpt is not None or loc.part or loc.sheet:
        out["excerpt"] = p.excerpt
    if p.code == UNKNOWN_VARIABLE:
        out["variable"] = p.params.get("name")
        out["suggestion"] = p.params.get("suggestion")
    return out


def _print_json(problems: Sequence[Problem], locale: DocLocale) -> None:
    click.echo(json.dumps([problem_json(p, locale) for p in problems], ensure_ascii=False,
                          indent=2))


# --- the error boundary ------------------------------------------------------------------

def _fail(exc: DocgenError, locale: DocLocale) -> NoReturn:
    if isinstance(exc, ValidationFailed):
        print_problems(exc.problems, locale)
        click.echo(tr(locale, N_("Error: {count} problem(s) found; nothing was written."),
                      count=sum(p.is_error for p in exc.problems)), err=True)
    else:
        click.echo(tr(locale, N_("Error: {message}"), message=localize_error(exc, locale)),
                   err=True)
    sys.exit(exc.exit_code)


def _show_warning(message: Union[Warning, str], category: type[Warning], filename: str,
                  lineno: int, file: Optional[TextIO] = None,
                  line: Optional[str] = None) -> None:
    """docgen's warnings in the run's language as they happen; others as Python would."""
    if isinstance(message, DocgenWarning):
        loc = _run_locale()
        click.echo(tr(loc, N_("Warning: {message}"), message=localize_error(message, loc)),
                   err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


_PYTHON_SHOWWARNING = warnings.showwarning


class _Boundary(click.Group):
    """The one error boundary: every command runs inside :meth:`invoke`, where a
    :class:`DocgenError` becomes its message (in the run's language) and exit code, an
    interrupt exit 130, and anything else an internal error (exit 70)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings(), terminate_as_interrupt():
                warnings.simplefilter("always", DocgenWarning)
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except DocgenError as exc:
            _fail(exc, _run_locale())
        except Terminated:
            click.echo(tr(_run_locale(), N_("Stopped (SIGTERM); nothing partial was left "
                                            "behind.")), err=True)
            sys.exit(EXIT_TERMINATED)
        except KeyboardInterrupt:
            click.echo(tr(_run_locale(), N_("Interrupted; nothing partial was left behind.")),
                       err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception:
            if os.environ.get("DOCGEN_DEBUG"):
                traceback.print_exc()
            click.echo(tr(_run_locale(), N_("Internal error in docgen (a bug): {detail}. "
                                            "Set DOCGEN_DEBUG=1 for details."),
                          detail=sys.exc_info()[1]), err=True)
            sys.exit(EXIT_INTERNAL)


class _LocaleType(click.ParamType):  # type: ignore[type-arg]
    name = "LOCALE"

    def convert(self, value: Any, param: Optional[click.Parameter],
                ctx: Optional[click.Context]) -> DocLocale:
        if isinstance(value, DocLocale):
            return value
        try:
            return DocLocale.parse(str(value))
        except ValueError:
            self.fail(f"unknown locale '{value}' (use ko, zh-CN, zh-TW, en, or A+B)", param, ctx)


LOCALE = _LocaleType()


def locale_option(f: F) -> F:
    return click.option("-l", "--locale", "locale", type=LOCALE, default=None,
                        help="ko, zh-CN, zh-TW, en, or A+B for bilingual labels.")(f)


def force_option(f: F) -> F:
    return click.option("--force", is_flag=True, help="Overwrite existing files.")(f)


def output_options(f: F) -> F:
    """-o DIR and -f FORMATS, shared by render and batch."""
    f = click.option("-f", "--formats", default="docx", metavar="FORMATS",
                     help="Comma list of docx, xlsx, pdf (default docx).")(f)
    return click.option("-o", "--output", "out_dir", default=".", metavar="DIR",
                        help="Output folder.")(f)


def template_option(f: F) -> F:
    return click.option("--template", type=click.Path(dir_okay=False), default=None,
                        help="Use this .docx or .xlsx template instead of the built-in one.")(f)


def name_option(f: F) -> F:
    return click.option("--name", default=None, metavar="PATTERN",
                        help="Output file name pattern over record fields, e.g. "
                             "'{client}_{date}' (only field paths in braces; an unknown "
                             "field is a usage error, exit 2).")(f)


def missing_option(f: F) -> F:
    return click.option("--missing", type=click.Choice(["error", "blank"]), default="error",
                        show_default=True,
                        help="Values the template reads that the data lacks: 'error' lists "
                             "them all (exit 3, nothing written); 'blank' leaves them empty "
                             "with a warning each (drafts).")(f)


def config_option(f: F) -> F:
    return click.option("--config", default=None, metavar="FILE",
                        help="Company profile (default: ./docgen.toml if present).")(f)


def issue_option(f: F) -> F:
    return click.option("--issue", is_flag=True,
                        help="Issue: take the document's number from the ledger ([ledger] in "
                             "docgen.toml), archive and record it. Without it, a ledger's "
                             "outputs are drafts (marked, no number).")(f)


def pdfa_option(f: F) -> F:
    return click.option("--pdfa", is_flag=True,
                        help="PDF/A-2b (for the archive) instead of plain PDF.")(f)


def kind_argument(f: F) -> F:
    return click.argument("kind", metavar="KIND")(f)


@click.group(cls=_Boundary, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="docgen")
def main() -> None:
    """Client-ready Word documents from YAML/JSON data, in Korean, Chinese and English."""


@main.command("kinds")
@locale_option
def kinds_cmd(locale: Optional[DocLocale]) -> None:
    """List document kinds with their localized names."""
    profile = _kinds_profile()  # its [kinds] path adds the user kinds
    loc = _speak(locale, profile=profile)
    for name in kinds_mod.available(profile):
        kind = kinds_mod.get(name, profile)
        assert kind is not None
        mark = "\t" + tr(loc, N_("user kind")) if kind.user else ""
        click.echo(f"{name}\t{kind.label(loc.primary)}{mark}")


@main.command("schema")
@kind_argument
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of KIND's input."""
    profile = _kinds_profile()
    _speak(None, profile=profile)
    click.echo(json.dumps(pipeline.schema_of(kind, profile), ensure_ascii=False, indent=2))


@main.command("sample")
@kind_argument
@locale_option
def sample_cmd(kind: str, locale: Optional[DocLocale]) -> None:
    """Print a valid sample input of KIND (YAML)."""
    profile = _kinds_profile()
    _speak(locale, profile=profile)
    click.echo(pipeline.sample_text(kind, locale, profile), nl=False)


def input_options(f: F) -> F:
    """How batch input is read, shared by batch and validate (validate says what batch
    will say): --locale-field, --group-by, --sheet, --encoding."""
    f = click.option("--encoding", default=None, metavar="ENC",
                     help="Encoding of a .csv file (default: detected).")(f)
    f = click.option("--sheet", default=None, metavar="NAME", help="Sheet of an .xlsx file.")(f)
    f = click.option("--group-by", default=None, metavar="FIELD",
                     help="One document per value of FIELD: rows sharing it become one "
                          "record.")(f)
    return click.option("--locale-field", default=None, metavar="FIELD",
                        help="Take each record's locale from FIELD (a path or a column "
                             "label).")(f)


@main.command("validate")
@kind_argument
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@locale_option
@input_options
@click.option("--json", "as_json", is_flag=True, help="Print problems as a JSON list on stdout.")
@config_option
def validate_cmd(kind: str, files: tuple[str, ...], locale: Optional[DocLocale],
                 locale_field: Optional[str], group_by: Optional[str], sheet: Optional[str],
                 encoding: Optional[str], as_json: bool, config: Optional[str]) -> None:
    """Check input files; report every problem at once. Exit 1 on errors. Sheets and
    the input options are read exactly as batch reads them."""
    from .batch import validate_inputs

    profile = _profile(config, locale)
    loc = _speak(locale, data_file=files[0] if len(files) == 1 else None, profile=profile)
    problems = validate_inputs(
        pipeline.get_kind(kind, profile), files, locale=locale, locale_field=locale_field,
        group_by=group_by, sheet=sheet, encoding=encoding, profile=profile)
    if as_json:
        _print_json(problems, loc)
    else:
        print_problems(problems, loc)
        if all(p.severity == "note" for p in problems):
            click.echo(tr(loc, N_("{count} file(s) valid."), count=len(files)), err=True)
    sys.exit(1 if any(p.is_error for p in problems) else 0)


@main.command("render")
@kind_argument
@click.argument("file", metavar="FILE")
@output_options
@locale_option
@template_option
@name_option
@missing_option
@config_option
@issue_option
@pdfa_option
@force_option
def render_cmd(kind: str, file: str, out_dir: str, formats: str, locale: Optional[DocLocale],
               template: Optional[str], name: Optional[str], missing: str,
               config: Optional[str], issue: bool, pdfa: bool, force: bool) -> None:
    """Render one record FILE of KIND; print each written path."""
    profile = _profile(config, locale)
    _speak(locale, data_file=file, profile=profile)
    paths = pipeline.render_file(
        kind_name=kind, file=file, out_dir=out_dir, formats=pipeline.parse_formats(formats),
        locale=locale, template=template, name=name, force=force, profile=profile,
        missing=missing, issue=issue, pdfa=pdfa)
    for p in paths:
        click.echo(str(p))


@main.command("batch")
@kind_argument
@click.argument("data", metavar="DATA")
@output_options
@locale_option
@click.option("--locale-field", default=None, metavar="FIELD",
              help="Take each record's locale from FIELD (a path or a column label).")
@click.option("--group-by", default=None, metavar="FIELD",
              help="One document per value of FIELD: rows sharing it become one record.")
@name_option
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Worker processes (default: the number of CPU cores).")
@click.option("--keep-going", is_flag=True, help="Write the valid records, report the rest.")
@click.option("--sheet", default=None, metavar="NAME", help="Sheet of an .xlsx file.")
@click.option("--encoding", default=None, metavar="ENC",
              help="Encoding of a .csv file (default: detected).")
@template_option
@missing_option
@config_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@issue_option
@pdfa_option
@force_option
def batch_cmd(kind: str, data: str, out_dir: str, formats: str, locale: Optional[DocLocale],
              locale_field: Optional[str], group_by: Optional[str], name: Optional[str],
              jobs: Optional[int], keep_going: bool, sheet: Optional[str], encoding: Optional[str],
              template: Optional[str], missing: str, config: Optional[str], quiet: bool,
              issue: bool, pdfa: bool, force: bool) -> None:
    """One document per record (or per --group-by value) of DATA: a .xlsx/.csv sheet, a
    JSON/YAML list of records, or a folder of record files."""
    from .batch import run_batch

    profile = _profile(config, locale)
    loc = _speak(locale, profile=profile)  # records may differ: not one record's locale
    bar: list[Any] = []

    def progress(done: int, total: int) -> None:
        if quiet or not sys.stderr.isatty() or total < 2:
            return
        if not bar:
            bar.append(click.progressbar(length=total, file=sys.stderr,
                                         label=tr(loc, N_("Rendering"))))
            bar[0].__enter__()
        bar[0].update(done - bar[0].pos)

    try:
        result = run_batch(
            kind=pipeline.get_kind(kind, profile), data=data, out_dir=out_dir,
            formats=pipeline.parse_formats(formats), locale=locale, locale_field=locale_field,
            group_by=group_by, name=name, jobs=jobs, keep_going=keep_going, force=force,
            template=template, profile=profile, sheet=sheet, encoding=encoding,
            progress=progress, missing=missing, issue=issue, pdfa=pdfa)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    for path in result.written:
        click.echo(str(path))
    skipped = [p for p in result.problems if p.is_error]
    if result.problems:
        print_problems(result.problems, loc)
    click.echo(tr(loc, N_("{count} file(s) written to {folder} (see {manifest})."),
                  count=len(result.written), folder=out_dir,
                  manifest=str(result.manifest)), err=True)
    if skipped:
        click.echo(tr(loc, N_("Error: {count} problem(s) found; those records were skipped."),
                      count=len(skipped)), err=True)
        sys.exit(1)


@main.command("fill")
@click.argument("template", metavar="TEMPLATE")
@click.argument("data", metavar="DATA")
@click.option("-o", "--output", "outfile", default=None, metavar="OUTFILE")
@locale_option
@missing_option
@force_option
def fill_cmd(template: str, data: str, outfile: Optional[str], locale: Optional[DocLocale],
             missing: str, force: bool) -> None:
    """Fill any .docx or .xlsx TEMPLATE with any YAML/JSON DATA (no kind, no schema)."""
    _speak(locale, data_file=data, profile=_quiet_profile())
    click.echo(str(pipeline.fill(template=template, data_file=data, outfile=outfile,
                                 locale=locale, force=force, missing=missing)))


@main.group("template")
def template_group() -> None:
    """Inspect and create templates."""


def _inspect_template(template: str, kind: Optional[str]) -> TemplateReport:
    """All problems of TEMPLATE (and unknown variables with KIND), for the template
    commands; an unknown kind is a usage error."""
    return inspect_template(template,
                            pipeline.get_kind(kind, _kinds_profile()) if kind else None)


@template_group.command("fields")
@click.argument("template", metavar="TEMPLATE")
@locale_option
def template_fields_cmd(template: str, locale: Optional[DocLocale]) -> None:
    """List the variables TEMPLATE uses, one per line (exit 3, with every problem, if it
    is broken). Names docgen provides (locale, image, _…) are listed too, with a note
    after a tab: data of the same name replaces them."""
    loc = _speak(locale, profile=_quiet_profile())
    report = _inspect_template(template, None)
    print_problems([p for p in report.problems if p.is_error], loc)
    if report.has_errors:
        sys.exit(TemplateError.exit_code)
    for name in sorted(report.fields):
        click.echo(name)
    note = tr(loc, N_("provided by docgen unless the data has it"))
    for name in sorted(report.provided):
        click.echo(f"{name}\t{note}")


@template_group.command("check")
@click.argument("template", metavar="TEMPLATE")
@click.option("--kind", default=None, help="Also check variables against KIND's schema.")
@locale_option
@click.option("--json", "as_json", is_flag=True, help="Print problems as a JSON list on stdout.")
def template_check_cmd(template: str, kind: Optional[str], locale: Optional[DocLocale],
                       as_json: bool) -> None:
    """Compile TEMPLATE and report every problem at once (exit 3 on errors)."""
    loc = _speak(locale, profile=_quiet_profile())
    report = _inspect_template(template, kind)
    if as_json:
        _print_json(report.problems, loc)
    else:
        print_problems(report.problems, loc)
        errors = sum(p.is_error for p in report.problems)
        if errors:
            click.echo(tr(loc, N_("{file}: {count} problem(s) found"), file=template,
                          count=errors), err=True)
        else:
            click.echo(tr(loc, N_("{file}: OK"), file=template), err=True)
    if report.has_errors:
        sys.exit(TemplateError.exit_code)


@template_group.command("new")
@kind_argument
@click.option("-f", "--format", "fmt", default="docx", type=click.Choice(["docx", "xlsx"]))
@click.option("-o", "--output", "out", required=True, metavar="PATH")
@force_option
def template_new_cmd(kind: str, fmt: str, out: str, force: bool) -> None:
    """Copy KIND's built-in template to PATH for customising."""
    profile = _kinds_profile()
    _speak(None, profile=profile)
    src = pipeline.get_kind(kind, profile).template_path(fmt)
    dest = Path(out)
    write_atomic(dest, src.read_bytes(), force)
    click.echo(str(dest))


# The ledger's job and money views (jobs, job, paid, receivables) live in their own module.
from . import cli_receivables as _cli_receivables  # noqa: E402

_cli_receivables.register(main)
# The ledger's own commands: void, archive verify, ledger import.
from . import cli_ledger as _cli_ledger  # noqa: E402

_cli_ledger.register(main)
# Tools around the documents: pack, doctor.
from . import cli_tools as _cli_tools  # noqa: E402

_cli_tools.register(main)
# Warm PDF conversion: pdf-server.
from . import cli_pdf as _cli_pdf  # noqa: E402

_cli_pdf.register(main)
# Reports by e-mail: send.
from . import cli_mail as _cli_mail  # noqa: E402

_cli_mail.register(main)
# The web page: serve.
from . import cli_web as _cli_web  # noqa: E402

_cli_web.register(main)
from . import cli_users as _cli_users  # noqa: E402  (docgen users: team mode's accounts)

_cli_users.register(main)


if __name__ == "__main__":  # pragma: no cover
    main()
