"""PDF output through LibreOffice headless (issue 5, point 5).

Real conversions need ``soffice`` and poppler (``pdftotext``, ``pdffonts``): the
fixtures in conftest.py skip those tests locally when the tools are missing and fail
them in CI (``.ci/run`` installs LibreOffice, fonts-noto-cjk and poppler-utils).
The error paths for a missing LibreOffice and the alias file itself are tested
everywhere.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from click.testing import CliRunner

from docgen import convert, kinds
from docgen.cli import main
from docgen.convert import ConversionError, to_pdf
from docgen.enrich import build_context
from docgen.errors import OutputError
from docgen.i18n.locale import DocLocale
from docgen.pipeline import render_file
from tests.support import SAMPLES

CJK_LOCALES = ["ko", "zh-CN", "zh-TW"]
TITLES = {  # the document title of each kind, by locale (as in test_every_document)
    ("minutes", "ko"): "회의록", ("minutes", "zh-CN"): "会议纪要", ("minutes", "zh-TW"): "會議紀錄",
    ("invoice", "ko"): "세금계산서 발행 요청서", ("invoice", "zh-CN"): "开票申请单",
    ("invoice", "zh-TW"): "發票",
}
# Windows/Office names a Word file asks for in w:eastAsia, the lang tag and the Noto
# style they must come out in (DOMAIN.md §6.2).
SERIF = [("바탕", "ko-KR"), ("宋体", "zh-CN"), ("新細明體", "zh-TW"), ("標楷體", "zh-TW"),
         ("仿宋", "zh-CN"), ("궁서", "ko-KR")]
SANS = [("맑은 고딕", "ko-KR"), ("微软雅黑", "zh-CN"), ("微軟正黑體", "zh-TW"), ("굴림", "ko-KR")]
TEXT = {"ko-KR": "바탕체 본문 확인 일금 일백만원정", "zh-CN": "宋体正文人民币壹佰万元整",
        "zh-TW": "新細明體正文新臺幣壹佰萬元整"}


# ---- helpers -----------------------------------------------------------------------

def _compact(text: str) -> str:
    return "".join(text.split())


def _pdf_text(pdftotext: str, pdf: Path) -> str:
    """The PDF's text without whitespace (pdftotext wraps and spaces CJK runs)."""
    out = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return _compact(out)


def _pdffonts(pdf: Path) -> str:
    tool = shutil.which("pdffonts")
    if tool is None:  # pdffonts ships with pdftotext (poppler-utils)
        pytest.skip("pdffonts (poppler-utils) is not installed")
    return subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout


def _font_docx(path: Path, font: str, lang: str) -> Path:
    """A Word file whose only text asks for ``font`` in the East Asian slot."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document()
    run = doc.add_paragraph().add_run(TEXT[lang])
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), font)
    rfonts.set(qn("w:hint"), "eastAsia")
    rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:eastAsia"): lang}))
    doc.save(str(path))
    return path


def _embedded_styles(pdf: Path) -> set[str]:
    """{"serif", "sans"}: which Noto CJK families the PDF embeds."""
    fonts = _pdffonts(pdf)
    found = set()
    if "NotoSerifCJK" in fonts:
        found.add("serif")
    if "NotoSansCJK" in fonts:
        found.add("sans")
    return found


def _running(profile: Path) -> list[str]:
    """LibreOffice processes started with ``profile`` (pgrep -f on its file: URI)."""
    pgrep = shutil.which("pgrep")
    if pgrep is None:
        return []
    proc = subprocess.run([pgrep, "-af", re.escape(profile.absolute().as_uri())],
                          capture_output=True, text=True, check=False)
    return [ln for ln in proc.stdout.splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One private LibreOffice profile for this module's direct to_pdf calls (the way a
    batch worker reuses its own); nothing may still run with it afterwards."""
    path = tmp_path_factory.mktemp("lo") / "profile"
    yield path
    assert not _running(path), _running(path)


@pytest.fixture
def system_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let docgen choose the fontconfig file (a FONTCONFIG_FILE of the caller wins)."""
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)


# ---- the alias file (no LibreOffice needed) ----------------------------------------

def _aliases() -> dict[str, list[str]]:
    root = ET.parse(convert.FONTCONFIG_ALIASES).getroot()
    out = {}
    for alias in root.iter("alias"):
        name = alias.findtext("family")
        accept = alias.find("accept")
        assert name and accept is not None, ET.tostring(alias)
        assert alias.get("binding") == "same"
        out[name] = [f.text or "" for f in accept.iter("family")]
    return out


def test_alias_file_includes_the_system_configuration() -> None:
    root = ET.parse(convert.FONTCONFIG_ALIASES).getroot()
    assert [i.text for i in root.iter("include")] == [str(convert.SYSTEM_FONTCONFIG)]
    assert root[0].tag == "include"  # first, so the aliases come on top of it


@pytest.mark.parametrize("name,family", [
    ("바탕", "Noto Serif CJK KR"), ("Batang", "Noto Serif CJK KR"), ("바탕체", "Noto Serif CJK KR"),
    ("궁서", "Noto Serif CJK KR"), ("Gungsuh", "Noto Serif CJK KR"),
    ("宋体", "Noto Serif CJK SC"), ("SimSun", "Noto Serif CJK SC"), ("新宋体", "Noto Serif CJK SC"),
    ("NSimSun", "Noto Serif CJK SC"), ("仿宋", "Noto Serif CJK SC"), ("FangSong", "Noto Serif CJK SC"),
    ("楷体", "Noto Serif CJK SC"), ("KaiTi", "Noto Serif CJK SC"),
    ("新細明體", "Noto Serif CJK TC"), ("PMingLiU", "Noto Serif CJK TC"),
    ("細明體", "Noto Serif CJK TC"), ("MingLiU", "Noto Serif CJK TC"),
    ("標楷體", "Noto Serif CJK TC"), ("DFKai-SB", "Noto Serif CJK TC"),
    ("華康儷宋", "Noto Serif CJK TC"),
    ("맑은 고딕", "Noto Sans CJK KR"), ("Malgun Gothic", "Noto Sans CJK KR"),
    ("굴림", "Noto Sans CJK KR"), ("Gulim", "Noto Sans CJK KR"), ("돋움", "Noto Sans CJK KR"),
    ("Dotum", "Noto Sans CJK KR"), ("나눔고딕", "Noto Sans CJK KR"),
    ("微软雅黑", "Noto Sans CJK SC"), ("Microsoft YaHei", "Noto Sans CJK SC"),
    ("黑体", "Noto Sans CJK SC"), ("SimHei", "Noto Sans CJK SC"), ("等线", "Noto Sans CJK SC"),
    ("DengXian", "Noto Sans CJK SC"),
    ("微軟正黑體", "Noto Sans CJK TC"), ("Microsoft JhengHei", "Noto Sans CJK TC"),
    ("華康黑體", "Noto Sans CJK TC"),
    ("Arial", "Liberation Sans"), ("Times New Roman", "Liberation Serif"),
    ("Calibri", "Carlito"), ("Cambria", "Caladea"),
])
def test_alias_file_maps(name: str, family: str) -> None:
    assert _aliases()[name][0] == family


def test_fontconfig_file_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FONTCONFIG_FILE", "/somewhere/mine.conf")
    assert convert.fontconfig_file() is None
    assert convert.soffice_env()["FONTCONFIG_FILE"] == "/somewhere/mine.conf"  # the user's wins
    monkeypatch.delenv("FONTCONFIG_FILE")
    if not convert.SYSTEM_FONTCONFIG.is_file() or os.name == "nt":
        assert convert.fontconfig_file() is None
    else:
        assert convert.fontconfig_file() == convert.FONTCONFIG_ALIASES
        assert convert.soffice_env()["FONTCONFIG_FILE"] == str(convert.FONTCONFIG_ALIASES)


@pytest.mark.parametrize("name,family", [
    ("바탕", "Noto Serif CJK KR"), ("宋体", "Noto Serif CJK SC"), ("新細明體", "Noto Serif CJK TC"),
    ("標楷體", "Noto Serif CJK TC"), ("맑은 고딕", "Noto Sans CJK KR"),
    ("微软雅黑", "Noto Sans CJK SC"), ("微軟正黑體", "Noto Sans CJK TC"),
])
def test_fc_match_with_the_alias_file(name: str, family: str) -> None:
    fc_match = shutil.which("fc-match")
    if fc_match is None or not convert.SYSTEM_FONTCONFIG.is_file():
        pytest.skip("fontconfig (fc-match, /etc/fonts/fonts.conf) is not installed")
    env = {**os.environ, "FONTCONFIG_FILE": str(convert.FONTCONFIG_ALIASES)}
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                            check=False, env=env).stdout
    if family not in listed:
        if os.environ.get("CI"):
            pytest.fail(f"{family} is not installed; .ci/run installs fonts-noto-cjk")
        pytest.skip(f"{family} is not installed (fonts-noto-cjk)")
    out = subprocess.run([fc_match, "-f", "%{family}", name], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stderr == ""  # fontconfig parsed the file without warnings
    assert family in out.stdout.split(","), out.stdout


# ---- errors that need no LibreOffice -------------------------------------------------

def test_missing_soffice_exit_4_and_nothing_written(runner: CliRunner, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no" / "soffice"
    monkeypatch.setenv("DOCGEN_SOFFICE", str(missing))
    out = tmp_path / "out"
    result = runner.invoke(main, ["render", "minutes", str(SAMPLES / "minutes" / "en.yaml"),
                                  "-o", str(out), "-f", "docx,pdf"])
    assert result.exit_code == 4, result.output
    assert "DOCGEN_SOFFICE" in result.stderr and str(missing) in result.stderr
    assert "soffice" in result.stderr
    assert not out.exists() or not any(out.iterdir())  # not even the .docx is left


def test_soffice_not_installed_says_how_to_install(runner: CliRunner, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, no libreoffice
    out = tmp_path / "out"
    result = runner.invoke(main, ["render", "invoice", str(SAMPLES / "invoice" / "ko.yaml"),
                                  "-o", str(out), "-f", "pdf"])
    assert result.exit_code == 4, result.output
    assert "apt-get install libreoffice-writer fonts-noto-cjk" in result.stderr
    assert "brew install --cask libreoffice" in result.stderr
    assert "DOCGEN_SOFFICE" in result.stderr
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(OutputError) as info:
        to_pdf([tmp_path / "a.docx"], tmp_path / "pdf")
    assert info.value.code == "no_soffice" and info.value.exit_code == 4


def test_unstartable_soffice_is_exit_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    fake = tmp_path / "soffice"
    fake.write_text("not a program")
    fake.chmod(0o644)  # exists, cannot be executed
    monkeypatch.setenv("DOCGEN_SOFFICE", str(fake))
    with pytest.raises(OutputError) as info:
        to_pdf([tmp_path / "a.docx"], tmp_path / "pdf")
    assert info.value.code == "no_soffice" and str(fake) in str(info.value)
    assert not (tmp_path / "pdf").exists()


def test_find_soffice_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$DOCGEN_SOFFICE, then PATH, then the installers' folders (macOS, Windows)."""
    installed = tmp_path / "Applications" / "soffice"
    installed.parent.mkdir()
    installed.write_text("")
    monkeypatch.setattr(convert, "_well_known", lambda: [installed])
    monkeypatch.delenv("DOCGEN_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert convert.find_soffice() == str(installed)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(tmp_path / "mine"))
    assert convert.find_soffice() is None  # a wrong $DOCGEN_SOFFICE is not second-guessed


def test_no_documents_and_duplicate_names(tmp_path: Path) -> None:
    assert to_pdf([], tmp_path / "pdf") == []
    with pytest.raises(ValueError):
        to_pdf([tmp_path / "a" / "x.docx", tmp_path / "b" / "x.docx"], tmp_path / "pdf")


def test_default_timeout_scales_with_files() -> None:
    assert convert.default_timeout(1) == 70.0
    assert convert.default_timeout(20) == 260.0


# ---- real conversions ----------------------------------------------------------------

def _expected(kind_name: str, code: str) -> dict[str, Any]:
    kind = kinds.get(kind_name)
    assert kind is not None
    data = yaml.safe_load((SAMPLES / kind_name / f"{code}.yaml").read_text(encoding="utf-8"))
    ctx = build_context(data, kind.schema, locale=DocLocale.parse(code), compute=kind.compute)
    client = data["client"]["name"] if isinstance(data["client"], dict) else data["client"]
    return {"data": data, "ctx": ctx, "client": client}


@pytest.mark.parametrize("code", CJK_LOCALES)
@pytest.mark.parametrize("kind_name", ["minutes", "invoice"])
def test_builtin_samples_to_pdf(kind_name: str, code: str, soffice: str, pdftotext: str,
                                tmp_path: Path, system_fonts: None) -> None:
    paths = render_file(kind_name=kind_name, file=SAMPLES / kind_name / f"{code}.yaml",
                        out_dir=tmp_path, formats=("docx", "pdf"), name=f"{kind_name}_{code}")
    pdf = tmp_path / f"{kind_name}_{code}.pdf"
    assert paths == [tmp_path / f"{kind_name}_{code}.docx", pdf]
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(pdftotext, pdf)
    exp = _expected(kind_name, code)
    assert _compact(TITLES[(kind_name, code)]) in text
    assert _compact(exp["client"]) in text
    if kind_name == "minutes":
        assert _compact(exp["data"]["title"]) in text
        assert _compact(exp["data"]["attendees"][0]["name"]) in text
    else:
        words = exp["ctx"]["amount_words"]
        assert words and _compact(words) in text, words
        assert _compact(exp["data"]["request_number"]) in text
    assert "sans" in _embedded_styles(pdf)  # the templates' 맑은 고딕 / 微软雅黑 / 微軟正黑體


def test_serif_names_embed_noto_serif(soffice: str, tmp_path: Path, profile: Path,
                                      system_fonts: None) -> None:
    """With docgen's alias file, Ming/Song/Batang names embed Noto *Serif* CJK and
    Gothic/Hei names Noto *Sans* CJK; all documents go through one soffice call and
    come back one PDF each, in order."""
    wanted = SERIF + SANS
    docs = [_font_docx(tmp_path / f"f{i:02d}.docx", font, lang)
            for i, (font, lang) in enumerate(wanted)]
    pdfs = to_pdf(docs, tmp_path / "pdf", profile_dir=profile)
    assert pdfs == [tmp_path / "pdf" / f"f{i:02d}.pdf" for i in range(len(wanted))]
    got = {font: _embedded_styles(pdf) for (font, _), pdf in zip(wanted, pdfs)}
    assert got == {**{f: {"serif"} for f, _ in SERIF}, **{f: {"sans"} for f, _ in SANS}}
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [p.name for p in pdfs]


def test_serif_names_fall_back_to_sans_without_the_aliases(soffice: str, tmp_path: Path,
                                                           profile: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Baseline (DOMAIN.md §6.2): with the plain system fontconfig, LibreOffice gives
    바탕 / 宋体 / 新細明體 / 標楷體 Noto *Sans* CJK — the serif style is lost. This is
    why docgen ships the alias file. (ASCII "SimSun" is one of the few names
    fontconfig knows as serif; it is not used here.)"""
    if not convert.SYSTEM_FONTCONFIG.is_file():
        pytest.skip("no system fontconfig configuration")
    monkeypatch.setenv("FONTCONFIG_FILE", str(convert.SYSTEM_FONTCONFIG))  # the user's wins
    baseline = [("바탕", "ko-KR"), ("宋体", "zh-CN"), ("新細明體", "zh-TW"), ("標楷體", "zh-TW")]
    docs = [_font_docx(tmp_path / f"b{i}.docx", font, lang)
            for i, (font, lang) in enumerate(baseline)]
    pdfs = to_pdf(docs, tmp_path / "pdf", profile_dir=profile)
    assert [_embedded_styles(p) for p in pdfs] == [{"sans"}] * len(baseline)


def test_unconvertible_document_is_a_convert_error(soffice: str, tmp_path: Path,
                                                   profile: Path) -> None:
    good = _font_docx(tmp_path / "good.docx", "바탕", "ko-KR")
    corrupt = tmp_path / "corrupt.docx"  # a Word file cut short: not a readable zip
    corrupt.write_bytes(good.read_bytes()[:3000])
    later = _font_docx(tmp_path / "later.docx", "宋体", "zh-CN")
    out = tmp_path / "pdf"
    with pytest.raises(ConversionError) as info:
        to_pdf([good, corrupt, later], out, profile_dir=profile)
    exc = info.value
    assert isinstance(exc, OutputError) and exc.exit_code == 4
    assert exc.code == "convert"
    assert exc.location is not None and exc.location.file == str(corrupt)
    assert str(corrupt) in str(exc) and "could not be loaded" in str(exc)  # LibreOffice's words
    assert exc.failed == [corrupt]
    assert exc.converted == [out / "good.pdf", out / "later.pdf"]  # the others did convert
    with pytest.raises(ConversionError) as alone:
        to_pdf([corrupt], tmp_path / "none", profile_dir=profile)
    assert alone.value.converted == [] and not (tmp_path / "none").exists()


def test_timeout_kills_libreoffice(soffice: str, tmp_path: Path) -> None:
    own = tmp_path / "profile"  # a cold profile: starting alone takes longer than this
    docs = [_font_docx(tmp_path / f"t{i}.docx", "바탕", "ko-KR") for i in range(3)]
    with pytest.raises(ConversionError) as info:
        to_pdf(docs, tmp_path / "pdf", timeout=0.2, profile_dir=own)
    assert info.value.code == "convert_timeout" and info.value.exit_code == 4
    assert info.value.location is not None and info.value.location.file == str(docs[0])
    assert "0.2" in str(info.value)
    assert not _running(own), _running(own)
    # The profile a killed process left behind still works.
    (pdf,) = to_pdf(docs[:1], tmp_path / "again", profile_dir=own)
    assert pdf.is_file()
    assert not _running(own)


def test_terminated_worker_takes_libreoffice_along(soffice: str, tmp_path: Path) -> None:
    """Pool.terminate() sends SIGTERM to a worker: its soffice (own session) dies too."""
    if os.name == "nt" or shutil.which("pgrep") is None:
        pytest.skip("POSIX signals and pgrep")
    import signal
    import sys
    import time

    first = _font_docx(tmp_path / "w00.docx", "바탕", "ko-KR")
    for i in range(1, 40):
        shutil.copy(first, tmp_path / f"w{i:02d}.docx")
    own = tmp_path / "profile"
    script = ("import sys; from pathlib import Path; from docgen.convert import to_pdf; "
              "to_pdf(sorted(Path(sys.argv[1]).glob('w*.docx')), Path(sys.argv[1]) / 'pdf', "
              "profile_dir=Path(sys.argv[2]))")
    worker = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(own)],
                              cwd=str(Path(__file__).resolve().parent.parent))
    try:
        deadline = time.monotonic() + 30
        while not _running(own) and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # well inside the conversion of 40 files
        if worker.poll() is not None:
            pytest.skip("LibreOffice finished before it could be interrupted")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == -signal.SIGTERM
    finally:
        if worker.poll() is None:
            worker.kill()
    time.sleep(0.2)
    assert not _running(own), _running(own)


def test_profile_is_reused_and_nothing_keeps_running(soffice: str, tmp_path: Path,
                                                     profile: Path) -> None:
    doc = _font_docx(tmp_path / "p.docx", "맑은 고딕", "ko-KR")
    to_pdf([doc], tmp_path / "one", profile_dir=profile)
    assert (profile / "user").is_dir()  # LibreOffice made its profile there, not in ~
    to_pdf([doc], tmp_path / "two", profile_dir=profile, timeout=120)
    assert (tmp_path / "two" / "p.pdf").is_file()
    assert not _running(profile)


def test_soffice_version(soffice: str) -> None:
    version = convert.soffice_version()
    assert version is not None
    assert "LibreOffice" in version or "Collabora" in version, version


def test_pdf_is_a_real_pdf_of_the_docx(soffice: str, pdftotext: str, tmp_path: Path,
                                       profile: Path) -> None:
    doc = _font_docx(tmp_path / "zh.docx", "新細明體", "zh-TW")
    assert zipfile.is_zipfile(doc)
    (pdf,) = to_pdf([doc], tmp_path, profile_dir=profile)
    assert pdf == tmp_path / "zh.pdf"
    assert _compact(TEXT["zh-TW"]) in _pdf_text(pdftotext, pdf)
