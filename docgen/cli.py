"""The ``docgen`` command: parse options, call :mod:`docgen.pipeline`, print, exit.

Exit codes (the contract scripts rely on): 0 success; 1 invalid input data;
2 usage error; 3 template error; 4 output or conversion error; 70 internal error
(a bug in docgen). Messages go to stderr in the chosen locale.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, Sequence, TypeVar

import click

from . import __version__, pipeline
from . import kinds as kinds_mod
from .diagnostics import (
    UNKNOWN_VARIABLE,
    TemplateProblem,
    TemplateReport,
    inspect_template,
)
from .errors import DocgenError, DocgenWarning, Problem, TemplateError, ValidationFailed
from .i18n.catalog import translations
from .i18n.locale import DocLocale
from .inputs import read_record
from .messages import N_, tr
from .output import write_atomic
from .profile import find_config, load_profile

EXIT_INTERNAL = 70
F = TypeVar("F", bound=Callable[..., Any])


def _config_locale() -> Optional[str]:
    return os.environ.get("DOCGEN_LOCALE") or None


def _message_locale(option: Optional[DocLocale], data_file: Optional[str] = None) -> DocLocale:
    """Locale for messages: ``-l`` > the record's ``locale`` > $DOCGEN_LOCALE > ko."""
    if option is not None:
        return option
    if data_file:
        try:
            value = read_record(data_file).data.get("locale")
            if isinstance(value, str):
                return DocLocale.parse(value)
        except Exception:  # unreadable input is reported later, by the command itself
            pass
    try:
        return DocLocale.parse(_config_locale() or "ko")
    except ValueError:
        return DocLocale("ko")


def _fail(exc: DocgenError, locale: DocLocale) -> NoReturn:
    gettext = translations("messages", locale.primary).gettext
    if isinstance(exc, ValidationFailed):
        _print_problems(exc.problems, locale)
        click.echo(tr(locale, N_("Error: {count} problem(s) found; nothing was written."),
                      count=sum(p.is_error for p in exc.problems)), err=True)
    else:
        click.echo(tr(locale, N_("Error: {message}"), message=exc.localized(gettext)), err=True)
    sys.exit(exc.exit_code)


def _print_problems(problems: Sequence[Problem], locale: DocLocale) -> None:
    for p in problems:
        prefix = "" if p.is_error else tr(locale, N_("note") if p.severity == "note"
                                          else N_("warning")) + ": "
        click.echo(f"{p.location}: {prefix}{p.message}", err=True)


def _run(locale: DocLocale, action: Callable[[], Any]) -> Any:
    """Run ``action``; user errors are printed once, here, and become exit codes;
    docgen's warnings are printed in the user's language."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DocgenWarning)
            try:
                return action()
            finally:
                _print_warnings(caught, locale)
    except DocgenError as exc:
        _fail(exc, locale)
    except KeyboardInterrupt:
        click.echo(tr(locale, N_("Interrupted; nothing partial was left behind.")), err=True)
        sys.exit(130)
    except Exception:
        if os.environ.get("DOCGEN_DEBUG"):
            traceback.print_exc()
        click.echo(tr(locale, N_("Internal error in docgen (a bug): {detail}. "
                                 "Set DOCGEN_DEBUG=1 for details."),
                      detail=sys.exc_info()[1]), err=True)
        sys.exit(EXIT_INTERNAL)


def _print_warnings(caught: list[warnings.WarningMessage], locale: DocLocale) -> None:
    gettext = translations("messages", locale.primary).gettext
    for w in caught:
        if isinstance(w.message, DocgenWarning):
            click.echo(tr(locale, N_("Warning: {message}"),
                          message=w.message.localized(gettext)), err=True)
        else:  # not ours: show it as Python would have
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


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


def kind_argument(f: F) -> F:
    return click.argument("kind", metavar="KIND")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="docgen")
def main() -> None:
    """Client-ready Word documents from YAML/JSON data, in Korean, Chinese and English."""


@main.command("kinds")
@locale_option
def kinds_cmd(locale: Optional[DocLocale]) -> None:
    """List document kinds with their localized names."""
    code = (locale or _message_locale(None)).primary
    for name in kinds_mod.available():
        kind = kinds_mod.get(name)
        assert kind is not None
        click.echo(f"{name}\t{kind.label(code)}")


@main.command("schema")
@kind_argument
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of KIND's input."""
    loc = _message_locale(None)
    schema = _run(loc, lambda: pipeline.schema_of(kind))
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@main.command("sample")
@kind_argument
@locale_option
def sample_cmd(kind: str, locale: Optional[DocLocale]) -> None:
    """Print a valid sample input of KIND (YAML)."""
    loc = _message_locale(locale)
    click.echo(_run(loc, lambda: pipeline.sample_text(kind, locale)), nl=False)


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

    loc = _message_locale(locale, files[0] if len(files) == 1 else None)
    problems: list[Problem] = _run(loc, lambda: validate_inputs(
        pipeline.get_kind(kind), files, locale=locale, locale_field=locale_field,
        group_by=group_by, sheet=sheet, encoding=encoding,
        profile=load_profile(find_config(config))))
    if as_json:
        click.echo(json.dumps([_problem_json(p) for p in problems], ensure_ascii=False, indent=2))
    else:
        _print_problems(problems, loc)
        if all(p.severity == "note" for p in problems):
            click.echo(tr(loc, N_("{count} file(s) valid."), count=len(files)), err=True)
    sys.exit(1 if any(p.is_error for p in problems) else 0)


def _problem_json(p: Problem) -> dict[str, Any]:
    out: dict[str, Any] = {"file": p.location.file, "record": p.record, "path": p.path,
                           "code": p.code, "severity": p.severity, "message": p.message}
    if p.location.cell:
        out["cell"] = f"{p.location.sheet}!{p.location.cell}"
    elif p.location.row is not None:
        out["row"] = p.location.row
    else:
        out["line"] = p.location.line
        if p.location.column is not None:
            out["column"] = p.location.column
    return out


@main.command("render")
@kind_argument
@click.argument("file", metavar="FILE")
@output_options
@locale_option
@template_option
@name_option
@missing_option
@config_option
@force_option
def render_cmd(kind: str, file: str, out_dir: str, formats: str, locale: Optional[DocLocale],
               template: Optional[str], name: Optional[str], missing: str,
               config: Optional[str], force: bool) -> None:
    """Render one record FILE of KIND; print each written path."""
    loc = _message_locale(locale, file)
    paths = _run(loc, lambda: pipeline.render_file(
        kind_name=kind, file=file, out_dir=out_dir, formats=pipeline.parse_formats(formats),
        locale=locale, template=template, name=name, force=force,
        profile=load_profile(find_config(config)), missing=missing))
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
@force_option
def batch_cmd(kind: str, data: str, out_dir: str, formats: str, locale: Optional[DocLocale],
              locale_field: Optional[str], group_by: Optional[str], name: Optional[str],
              jobs: Optional[int], keep_going: bool, sheet: Optional[str], encoding: Optional[str],
              template: Optional[str], missing: str, config: Optional[str], quiet: bool,
              force: bool) -> None:
    """One document per record (or per --group-by value) of DATA: a .xlsx/.csv sheet, a
    JSON/YAML list of records, or a folder of record files."""
    from .batch import run_batch

    loc = _message_locale(locale)
    bar: list[Any] = []

    def progress(done: int, total: int) -> None:
        if quiet or not sys.stderr.isatty() or total < 2:
            return
        if not bar:
            bar.append(click.progressbar(length=total, file=sys.stderr,
                                         label=tr(loc, N_("Rendering"))))
            bar[0].__enter__()
        bar[0].update(done - bar[0].pos)

    def run() -> Any:
        try:
            return run_batch(
                kind=pipeline.get_kind(kind), data=data, out_dir=out_dir,
                formats=pipeline.parse_formats(formats), locale=locale, locale_field=locale_field,
                group_by=group_by, name=name, jobs=jobs, keep_going=keep_going, force=force,
                template=template, profile=load_profile(find_config(config)), sheet=sheet,
                encoding=encoding, progress=progress, missing=missing)
        finally:
            if bar:
                bar[0].__exit__(None, None, None)

    result = _run(loc, run)
    for path in result.written:
        click.echo(str(path))
    skipped = [p for p in result.problems if p.is_error]
    if result.problems:
        _print_problems(result.problems, loc)
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
    loc = _message_locale(locale, data)
    path = _run(loc, lambda: pipeline.fill(template=template, data_file=data, outfile=outfile,
                                           locale=locale, force=force, missing=missing))
    click.echo(str(path))


@main.group("template")
def template_group() -> None:
    """Inspect and create templates."""


def _inspect_template(template: str, kind: Optional[str]) -> TemplateReport:
    """All problems of TEMPLATE (and unknown variables with KIND), for the template
    commands; an unknown kind is a usage error."""
    return inspect_template(template, pipeline.get_kind(kind) if kind else None)


def _print_template_problems(problems: Sequence[TemplateProblem], locale: DocLocale) -> None:
    """``FILE:LOCATION: message`` per problem (as validation prints), then the
    paragraph's or cell's text, indented."""
    for p in problems:
        prefix = tr(locale, N_("warning")) + ": " if not p.is_error else ""
        click.echo(f"{p.location}: {prefix}{p.text(locale)}", err=True)
        if p.excerpt:
            click.echo(f"    {p.excerpt}", err=True)


def _template_problem_json(p: TemplateProblem, locale: DocLocale) -> dict[str, Any]:
    loc = p.location
    out: dict[str, Any] = {"file": loc.file, "code": p.code, "severity": p.severity,
                           "message": p.text(locale), "location": str(loc)}
    if loc.sheet:
        out["cell"] = f"{loc.sheet}!{loc.cell}" if loc.cell else None
        out["sheet"] = loc.sheet
    elif loc.part:
        out["part"] = loc.part
        out["paragraph"] = loc.paragraph
    out["excerpt"] = p.excerpt
    if p.code == UNKNOWN_VARIABLE:
        out["variable"] = p.params.get("name")
        out["suggestion"] = p.params.get("suggestion")
    return out


@template_group.command("fields")
@click.argument("template", metavar="TEMPLATE")
@locale_option
def template_fields_cmd(template: str, locale: Optional[DocLocale]) -> None:
    """List the variables TEMPLATE uses, one per line (exit 3, with every problem, if it
    is broken). Names docgen provides (locale, image, _…) are listed too, with a note
    after a tab: data of the same name replaces them."""
    loc = _message_locale(locale)
    report: TemplateReport = _run(loc, lambda: _inspect_template(template, None))
    _print_template_problems([p for p in report.problems if p.is_error], loc)
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
    loc = _message_locale(locale)
    report: TemplateReport = _run(loc, lambda: _inspect_template(template, kind))
    if as_json:
        click.echo(json.dumps([_template_problem_json(p, loc) for p in report.problems],
                              ensure_ascii=False, indent=2))
    else:
        _print_template_problems(report.problems, loc)
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
    loc = _message_locale(None)

    def copy() -> Path:
        src = pipeline.get_kind(kind).template_path(fmt)
        dest = Path(out)
        write_atomic(dest, src.read_bytes(), force)
        return dest

    click.echo(str(_run(loc, copy)))


if __name__ == "__main__":  # pragma: no cover
    main()
