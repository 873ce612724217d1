"""``docgen doctor``: is this machine ready for what docgen is configured to do?

Each check gives one :class:`Check`: ``ok``, ``warn`` (works, but slower or with
fallbacks) or ``missing`` (a feature will fail), what was found, and how to install
what is missing on Debian/Ubuntu, macOS and Windows. ``needed`` says whether a
configured feature depends on it: PDF output (LibreOffice, CJK fonts) and the output
folder always; the ledger's database with ``[ledger]``; the SMTP server with
``[mail]``. The warm PDF pool (``uno``) and docgen's font aliases only make PDFs faster
or closer to Word, so they are never more than a warning.

Checks never change anything: a test file in the output folder is removed again, the
SMTP check says EHLO and logs in only with ``deep``, the ledger is connected to but
not migrated. Network checks use a short timeout.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

from .errors import DocgenError, Msg
from .i18n.locale import DocLocale
from .messages import N_, localize_error, tr

if TYPE_CHECKING:
    from .profile import Profile

OK, WARN, MISSING = "ok", "warn", "missing"
#: The exit code when something a configured feature needs is missing or unreachable
#: (the code the failing command itself would end with: output or conversion error).
EXIT_NOT_READY = 4
PLATFORMS = ("debian", "macos", "windows")
PLATFORM_NAMES = {"debian": "Debian/Ubuntu", "macos": "macOS", "windows": "Windows",
                  "any": "pip"}
# The faces docgen's templates and font aliases resolve to, per script.
SANS_FACES = ("Noto Sans CJK KR", "Noto Sans CJK SC", "Noto Sans CJK TC")
SERIF_FACES = ("Noto Serif CJK KR", "Noto Serif CJK SC", "Noto Serif CJK TC")
# Requested name -> the face the alias file must give it (a Word template's fonts).
ALIAS_PROBES = (("맑은 고딕", "Noto Sans CJK KR"), ("바탕", "Noto Serif CJK KR"),
                ("宋体", "Noto Serif CJK SC"), ("微軟正黑體", "Noto Sans CJK TC"))
# The --deep test document: a line per locale in the locale's default Word font.
PROBE_TEXTS = (("docgen 문서 점검", "맑은 고딕", "ko-KR"), ("docgen 文档检查", "微软雅黑", "zh-CN"),
               ("docgen 文件檢查", "微軟正黑體", "zh-TW"))
# Windows ships these with its Korean and Chinese language support.
WINDOWS_FONTS = (("malgun.ttf", "Malgun Gothic"), ("msyh.ttc", "Microsoft YaHei"),
                 ("msjh.ttc", "Microsoft JhengHei"))

HINT_SOFFICE = {"debian": "sudo apt-get install libreoffice-writer libreoffice-calc",
                "macos": "brew install --cask libreoffice",
                "windows": "winget install -e --id TheDocumentFoundation.LibreOffice"}
HINT_FONTS = {"debian": "sudo apt-get install fonts-noto-cjk",
              "macos": "brew install --cask font-noto-sans-cjk font-noto-serif-cjk",
              "windows": "Add-WindowsCapability -Online -Name Language.Fonts.Kore~~~und-KORE~0.0.1.0; "
                         "Add-WindowsCapability -Online -Name Language.Fonts.Hans~~~und-HANS~0.0.1.0; "
                         "Add-WindowsCapability -Online -Name Language.Fonts.Hant~~~und-HANT~0.0.1.0"}
HINT_FONTCONFIG = {"debian": "sudo apt-get install fontconfig fonts-noto-cjk",
                   "macos": "brew install fontconfig",
                   "windows": HINT_FONTS["windows"]}
HINT_UNO = {"debian": "sudo apt-get install python3-uno",
            "macos": "brew reinstall --cask libreoffice",
            "windows": "winget install -e --id TheDocumentFoundation.LibreOffice"}
HINT_PSYCOPG = {"any": 'pip install "docgen[postgres]"'}
HINT_POSTGRES = {"debian": "sudo apt-get install postgresql && sudo systemctl start postgresql",
                 "macos": "brew install postgresql@16 && brew services start postgresql@16",
                 "windows": "winget install -e --id PostgreSQL.PostgreSQL.16"}


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str  # stable id: libreoffice, fonts, font_aliases, uno, ledger, mail, output
    title: str  # msgid
    status: str  # ok | warn | missing
    message: Msg
    needed: bool = True
    hints: Mapping[str, str] = field(default_factory=dict)  # platform -> command
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.needed and self.status == MISSING


@dataclass
class Report:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return not any(c.blocking for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ready else EXIT_NOT_READY

    def to_json(self, locale: DocLocale) -> dict[str, Any]:
        """``{"ready", "exit_code", "checks": [{name, title, status, needed, message,
        hints, details}]}`` with texts in ``locale``."""
        return {"ready": self.ready, "exit_code": self.exit_code, "checks": [
            {"name": c.name, "title": tr(locale, c.title), "status": c.status,
             "needed": c.needed, "message": _text(c.message, locale), "hints": dict(c.hints),
             "details": dict(c.details)} for c in self.checks]}


def _text(message: Msg, locale: DocLocale) -> str:
    return tr(locale, message.message, **message.params)


def format_report(report: Report, locale: DocLocale) -> list[str]:
    """The report as text lines: ``OK       Title: what was found`` and, under what is
    missing or warned about, one install command per platform."""
    lines = []
    for c in report.checks:
        lines.append(f"{c.status.upper():<8} {tr(locale, c.title)}: {_text(c.message, locale)}")
        if c.status != OK:
            for platform, command in c.hints.items():
                lines.append(f"{'':9}  {PLATFORM_NAMES.get(platform, platform)}: {command}")
    missing = sum(c.blocking for c in report.checks)
    lines.append(tr(locale, N_("Ready: everything the configured features need is here."))
                 if report.ready else
                 tr(locale, N_("Not ready: {count} thing(s) the configured features need are "
                               "missing."), count=missing))
    return lines


# --- running ----------------------------------------------------------------------------

def _run(cmd: Sequence[str], timeout: float,
         env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """A command's stdout, or None when it cannot run, fails or times out."""
    try:
        done = subprocess.run(list(cmd), capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=dict(env) if env else None)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def check_libreoffice(deep: bool = False) -> Check:
    """LibreOffice found and answering (its version); with ``deep``, a tiny Korean and
    Chinese document converted to PDF."""
    from .convert import find_soffice, soffice_version

    title = N_("LibreOffice (PDF output)")
    found = find_soffice()
    if found is None:
        env = os.environ.get("DOCGEN_SOFFICE")
        message = (Msg(N_("DOCGEN_SOFFICE is set to '{path}', but there is no such program"),
                       {"path": env}) if env else
                   Msg(N_("not found: PDF output needs LibreOffice's soffice")))
        return Check("libreoffice", title, MISSING, message, hints=HINT_SOFFICE)
    version = soffice_version()
    if version is None:
        return Check("libreoffice", title, MISSING,
                     Msg(N_("{path} does not answer (soffice --version failed)"),
                         {"path": found}), hints=HINT_SOFFICE, details={"path": found})
    details: dict[str, Any] = {"path": found, "version": version}
    if not deep:
        return Check("libreoffice", title, OK, Msg("{version} ({path})",
                                                   {"version": version, "path": found}),
                     details=details)
    try:
        seconds, fonts = _convert_probe()
    except DocgenError as exc:
        return Check("libreoffice", title, MISSING,
                     Msg(N_("{version} is installed but could not convert a test document: "
                            "{detail}"), {"version": version, "detail": exc.message}),
                     hints=HINT_SOFFICE, details=details)
    details.update(seconds=round(seconds, 2), fonts=fonts)
    return Check("libreoffice", title, OK,
                 Msg(N_("{version}: a test document became a PDF in {seconds} s (fonts: "
                        "{fonts})"), {"version": version, "seconds": f"{seconds:.1f}",
                                      "fonts": ", ".join(fonts) or "-"}), details=details)


def _convert_probe() -> tuple[float, list[str]]:
    """Seconds to convert a one-page docx with Korean and Chinese text, and the fonts
    the PDF embeds."""
    import docx
    from docx.oxml.ns import qn

    from .convert import to_pdf

    with tempfile.TemporaryDirectory(prefix="docgen-doctor-") as work:
        src = Path(work) / "doctor.docx"
        document = docx.Document()
        for text, font, lang in PROBE_TEXTS:
            run = document.add_paragraph().add_run(text)
            rpr = run._element.get_or_add_rPr()
            fonts = rpr.makeelement(qn("w:rFonts"), {qn("w:eastAsia"): font})
            rpr.append(fonts)
            rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:eastAsia"): lang}))
        document.save(str(src))
        start = time.monotonic()
        pdfs = to_pdf([src], Path(work))
        seconds = time.monotonic() - start
        return seconds, _pdf_fonts(pdfs[0].read_bytes())


def _pdf_fonts(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.split("+", 1)[-1].lstrip("/"))
    return sorted(n for n in names if n)


def font_families(env: Optional[Mapping[str, str]] = None) -> Optional[set[str]]:
    """Every family fontconfig knows (as LibreOffice will see them, through ``env``),
    or None without ``fc-list``."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    out = _run([fc_list, ":", "family"], 30.0, env)
    if out is None:
        return set()
    return {name.strip() for line in out.splitlines() for name in line.split(",")
            if name.strip()}


def check_fonts() -> Check:
    """The Noto Sans/Serif CJK faces for Korean, Simplified and Traditional Chinese."""
    from .convert import soffice_env

    title = N_("CJK fonts")
    families = font_families(soffice_env())
    if families is None:
        if sys.platform == "win32":
            return _windows_fonts(title)
        if sys.platform == "darwin":  # LibreOffice uses the system's fonts there
            return Check("fonts", title, WARN,
                         Msg(N_("not checked (no fc-list); macOS has Korean and Chinese "
                                "system fonts")), needed=False, hints=HINT_FONTS)
        return Check("fonts", title, MISSING,
                     Msg(N_("fontconfig (fc-list) is not installed")), hints=HINT_FONTCONFIG)
    lowered = {f.casefold() for f in families}
    sans = [f for f in SANS_FACES if f.casefold() not in lowered]
    serif = [f for f in SERIF_FACES if f.casefold() not in lowered]
    details = {"missing": sans + serif, "fontconfig_file": os.environ.get("FONTCONFIG_FILE")}
    if sans:
        return Check("fonts", title, MISSING,
                     Msg(N_("not found: {fonts} (Korean and Chinese text in PDFs would show "
                            "as boxes or fall back to another face)"),
                         {"fonts": ", ".join(sans + serif)}), hints=HINT_FONTS, details=details)
    if serif:
        return Check("fonts", title, WARN,
                     Msg(N_("not found: {fonts} (serif text such as 바탕 or 宋体 is set in "
                            "the sans face)"), {"fonts": ", ".join(serif)}),
                     needed=False, hints=HINT_FONTS, details=details)
    return Check("fonts", title, OK, Msg(N_("{fonts} present"),
                                         {"fonts": ", ".join(SANS_FACES + SERIF_FACES)}),
                 details=details)


def _windows_fonts(title: str) -> Check:  # pragma: no cover - Windows only
    folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    absent = [name for file, name in WINDOWS_FONTS if not (folder / file).is_file()]
    if absent:
        return Check("fonts", title, MISSING, Msg(N_("not found: {fonts}"),
                                                  {"fonts": ", ".join(absent)}),
                     hints={"windows": HINT_FONTS["windows"]})
    return Check("fonts", title, OK, Msg(N_("{fonts} present"),
                                         {"fonts": ", ".join(n for _, n in WINDOWS_FONTS)}))


def check_font_aliases() -> Check:
    """docgen's fontconfig alias file in use, and Word's CJK font names resolving to the
    Noto face of the same style through it."""
    from .convert import FONTCONFIG_ALIASES, SYSTEM_FONTCONFIG, fontconfig_file, soffice_env

    title = N_("Font aliases (Word font names → Noto CJK)")
    if sys.platform in ("win32", "darwin"):
        return Check("font_aliases", title, OK,
                     Msg(N_("not needed here: LibreOffice uses the system's fonts")),
                     needed=False)
    user_file = os.environ.get("FONTCONFIG_FILE")
    if user_file:
        return Check("font_aliases", title, WARN,
                     Msg(N_("FONTCONFIG_FILE is set to {path}, so docgen's aliases ({aliases}) "
                            "are not used"), {"path": user_file, "aliases": str(FONTCONFIG_ALIASES)}),
                     needed=False)
    if fontconfig_file() is None:
        return Check("font_aliases", title, WARN,
                     Msg(N_("not used: {system} or {aliases} is missing"),
                         {"system": str(SYSTEM_FONTCONFIG), "aliases": str(FONTCONFIG_ALIASES)}),
                     needed=False, hints=HINT_FONTCONFIG)
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return Check("font_aliases", title, WARN, Msg(N_("fc-match is not installed")),
                     needed=False, hints=HINT_FONTCONFIG)
    env = soffice_env()
    wrong = {}
    for requested, wanted in ALIAS_PROBES:
        got = (_run([fc_match, "-f", "%{family}", requested], 30.0, env) or "").strip()
        if wanted.casefold() not in got.casefold():
            wrong[requested] = got
    if wrong:
        return Check("font_aliases", title, WARN,
                     Msg(N_("{aliases} is used, but {found}"),
                         {"aliases": str(FONTCONFIG_ALIASES),
                          "found": ", ".join(f"{k} → {v or '?'}" for k, v in wrong.items())}),
                     needed=False, hints=HINT_FONTS, details={"wrong": wrong})
    return Check("font_aliases", title, OK,
                 Msg("{aliases}: {found}", {"aliases": str(FONTCONFIG_ALIASES), "found": ", ".join(
                     f"{k} → {v}" for k, v in ALIAS_PROBES)}))


def check_uno() -> Check:
    """A Python with LibreOffice's ``uno`` module, for the warm PDF pool."""
    from .convert import find_soffice

    title = N_("Warm PDF pool (python3-uno)")
    try:
        from .pdfpool import find_server, pool_disabled, uno_python
    except ImportError:  # pragma: no cover - the pool ships with docgen
        python = "/usr/bin/python3"
        found = python if _run([python, "-c", "import uno"], 30.0) is not None else None
        server = None
        disabled = False
    else:
        disabled = pool_disabled()
        found = uno_python(find_soffice())
        server = find_server() if not disabled else None
    if disabled:
        return Check("uno", title, WARN, Msg(N_("turned off (DOCGEN_PDF_POOL=off): every PDF "
                                                "starts LibreOffice")), needed=False)
    if found is None:
        return Check("uno", title, WARN,
                     Msg(N_("no Python with LibreOffice's 'uno' module: every PDF starts "
                            "LibreOffice (about 2 s); set DOCGEN_UNO_PYTHON to one that has "
                            "it")), needed=False, hints=HINT_UNO)
    details: dict[str, Any] = {"python": found, "server": server.info if server else None}
    if server is not None:
        return Check("uno", title, OK, Msg(N_("{python} has uno; a PDF server is running"),
                                           {"python": found}), needed=False, details=details)
    return Check("uno", title, OK, Msg(N_("{python} has uno"), {"python": found}),
                 needed=False, details=details)


def check_ledger(profile: "Profile", timeout: float) -> Optional[Check]:
    """With ``[ledger]``: PostgreSQL reachable (a connection and ``SELECT version()``
    within ``timeout`` seconds), or the SQLite file's folder writable and local."""
    settings = profile.ledger
    if settings is None:
        return None
    import sqlalchemy as sa

    from .ledger.store import engine_url, network_filesystem

    title = N_("Ledger database")
    try:
        url = engine_url(settings.url)
    except DocgenError as exc:
        return Check("ledger", title, MISSING, Msg("{detail}", {"detail": exc.message}))
    shown = url.render_as_string(hide_password=True).replace("+psycopg", "")
    if url.get_backend_name() == "sqlite":
        db = Path(url.database or "")
        folder = db.parent if str(db) else Path.cwd()
        remote = network_filesystem(folder)
        if remote:
            return Check("ledger", title, MISSING,
                         Msg(N_("{path} is on a network share ({fs}): SQLite loses its locks "
                                "there; use PostgreSQL for a shared ledger"),
                             {"path": str(db), "fs": remote}))
        problem = _writable(folder)
        if problem:
            return Check("ledger", title, MISSING, Msg(N_("cannot write to {path}: {detail}"),
                                                       {"path": str(folder), "detail": problem}))
        return Check("ledger", title, OK, Msg(N_("SQLite {path}"), {"path": str(db)}),
                     details={"url": shown})
    if importlib.util.find_spec("psycopg") is None:
        return Check("ledger", title, MISSING,
                     Msg(N_("the PostgreSQL driver (psycopg) is not installed")),
                     hints=HINT_PSYCOPG, details={"url": shown})
    engine = sa.create_engine(url, connect_args={"connect_timeout": max(int(timeout), 1)},
                              poolclass=sa.pool.NullPool)
    start = time.monotonic()
    try:
        with engine.connect() as conn:
            version = str(conn.execute(sa.text("SELECT version()")).scalar() or "")
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        local = (url.host or "localhost") in ("localhost", "127.0.0.1", "::1")
        return Check("ledger", title, MISSING,
                     Msg(N_("cannot connect to {url}: {detail}"),
                         {"url": shown, "detail": detail[0] if detail else "?"}),
                     hints=HINT_POSTGRES if local else {},
                     details={"url": shown, "seconds": round(time.monotonic() - start, 2)})
    finally:
        engine.dispose()
    return Check("ledger", title, OK, Msg("{url}: {version}",
                                          {"url": shown, "version": version.split(",")[0]}),
                 details={"url": shown, "version": version})


def check_mail(profile: "Profile", timeout: float, deep: bool) -> Optional[Check]:
    """With ``[mail.smtp]``: the SMTP server answers EHLO (after STARTTLS or over SSL as
    configured, through the sender ``docgen send`` uses); with ``deep``, the login
    (password from the environment or the keyring) succeeds too."""
    mail = getattr(profile, "mail", None)
    smtp = getattr(mail, "smtp", None) if mail is not None else None
    if smtp is None:  # no [mail], or drafts only (.eml): no server to reach
        return None
    import dataclasses

    from .mail.smtp import SmtpSender, smtp_password

    title = N_("E-mail (SMTP)")
    where = f"{smtp.host}:{smtp.port}"
    details = {"server": where, "security": smtp.security}
    login = deep and bool(smtp.user)
    settings = dataclasses.replace(smtp, timeout=timeout, user=smtp.user if login else None)
    sender = SmtpSender(settings, password=smtp_password(smtp) if login else None)
    try:
        conn = sender._connect()  # noqa: SLF001 - the connection docgen send opens
        try:
            code, _ = conn.ehlo()
        finally:
            try:
                conn.quit()
            except Exception:
                conn.close()
    except DocgenError as exc:  # refused, no STARTTLS, no password, TLS failed…
        return Check("mail", title, MISSING, Msg(exc.template, dict(exc.params)),
                     details=details)
    except Exception as exc:  # unreachable, timed out, closed
        return Check("mail", title, MISSING,
                     Msg(N_("cannot talk to {server}: {detail}"),
                         {"server": where, "detail": str(exc) or type(exc).__name__}),
                     details=details)
    params = {"server": where, "security": smtp.security, "code": code}
    message = (Msg(N_("{server} ({security}): EHLO {code}, login accepted"), params) if login
               else Msg(N_("{server} ({security}): EHLO {code} (login not tried; --deep "
                           "tries it)"), params))
    return Check("mail", title, OK, message, details=details)


def _writable(folder: Path) -> Optional[str]:
    """Why ``folder`` (or the nearest existing parent it would be made in) cannot take
    a new file, or None; the test file is removed again."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe}: not a folder"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".docgen-doctor-", dir=probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(tmp)
    return None


def check_output(folder: Path) -> Check:
    title = N_("Output folder")
    problem = _writable(folder)
    if problem:
        return Check("output", title, MISSING, Msg(N_("cannot write to {path}: {detail}"),
                                                   {"path": str(folder), "detail": problem}))
    return Check("output", title, OK, Msg(N_("{path} is writable"), {"path": str(folder)}))


def diagnose(profile: "Profile", *, out_dir: Path = Path("."), deep: bool = False,
             timeout: float = 5.0,
             progress: Optional[Callable[[Check], None]] = None) -> Report:
    """Run every check that applies to ``profile``; ``progress`` sees each as it ends."""
    checks: list[Check] = []
    steps: list[Callable[[], Optional[Check]]] = [
        lambda: check_libreoffice(deep), check_fonts, check_font_aliases, check_uno,
        lambda: check_ledger(profile, timeout), lambda: check_mail(profile, timeout, deep),
        lambda: check_output(out_dir)]
    for step in steps:
        check = step()
        if check is not None:
            checks.append(check)
            if progress is not None:
                progress(check)
    return Report(checks)


__all__ = ["Check", "Report", "diagnose", "format_report", "EXIT_NOT_READY", "localize_error"]
