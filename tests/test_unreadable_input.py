"""Unreadable input (issue 4): every mistake an AE makes in a data file is reported at
once, at the parser's line and column, in a sentence that says what to change — in the
user's language, with exit code 1, no traceback and nothing written."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
from click.testing import CliRunner, Result

from docgen.cli import main
from docgen.errors import InputError
from docgen.inputs import read_data, read_record


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes
    code: str
    line: Optional[int]  # None: the message is about the whole file
    column: Optional[int]
    words: tuple[str, ...]  # key English words of the message
    suffix: str = ".yaml"
    quoted: tuple[str, ...] = ()  # values from the input the message may quote
    generic: bool = False  # an unknown parser message, passed on in parentheses


def _u(text: str) -> bytes:
    return text.encode("utf-8")


CASES = [
    # --- YAML ---------------------------------------------------------------------------
    Case("yaml-unclosed-list", _u("title: [Kickoff\n  date: 2026-11-27\n"), "syntax", 2, 7,
         ("'[' on line 1", "not closed", "']'")),
    Case("yaml-unclosed-list-at-end", _u("title: Kickoff\nagenda: [budget, media\n"), "syntax",
         3, 1, ("'[' on line 2", "not closed")),
    Case("yaml-unclosed-mapping", _u("client: {name: Hanil\ndate: 2026-11-27\n"), "syntax", 2, 5,
         ("'{' on line 1", "not closed", "'}'")),
    Case("yaml-no-space-after-colon", _u("title:Kickoff\ndate: 2026-11-27\n"), "syntax", 2, 5,
         ("space is missing after ':' on line 1",)),
    Case("yaml-no-space-after-colon-last", _u("date: 2026-11-27\ntitle:Kickoff\nx\n"), "syntax",
         2, 1, ("space is missing after ':' on line 2",)),
    Case("yaml-colon-in-value", _u("date: 2026-11-27\ntitle: Kickoff: phase 2\n"), "syntax", 2, 15,
         ("contains ': '", "quotes")),
    Case("yaml-indented-field", _u("title: Kickoff\n  date: 2026-11-27\n"), "syntax", 2, 7,
         ("indented more", "same indentation")),
    Case("yaml-tab-indent", _u("title: Kickoff\nattendees:\n\t- name: Kim\n"), "syntax", 3, 1,
         ("tab", "spaces")),
    Case("yaml-tab-after-colon", _u("title:\tKickoff\n"), "syntax", 1, 7, ("tab", "spaces")),
    Case("yaml-unclosed-double-quote", _u('title: "Kickoff\ndate: 2026-11-27\n'), "syntax", 1, 8,
         ("quote", "never closed")),
    Case("yaml-unclosed-single-quote", _u("title: 'Kickoff\ndate: 2026-11-27\n"), "syntax", 1, 8,
         ("quote", "never closed")),
    Case("yaml-missing-colon", _u("title: Kickoff\ndate 2026-11-27\nattendees: []\n"), "syntax",
         2, 1, ("not 'field: value'", "add ':'")),
    Case("yaml-full-width-colon", _u("title: Kickoff\nclient：한일\n"), "syntax", 2, 1,
         ("full-width colon", "half-width")),
    Case("yaml-dash-without-space", _u("agenda:\n  - budget\n  -media\n"), "syntax", 3, 3,
         ("space after '-'",)),
    Case("yaml-list-on-the-field-line", _u("title: Kickoff\nattendees: - Kim\n"), "syntax", 2, 12,
         ("list cannot start on the line of its field",)),
    Case("yaml-reserved-tag-character", _u("title: !중요 회의\n"), "syntax", 1, 8,
         ("cannot start with '!'",)),
    Case("yaml-list-item-misaligned", _u("attendees:\n  - name: Kim\n - name: Lee\n"), "syntax",
         3, 2, ("list item", "not aligned")),
    Case("yaml-field-misaligned", _u("client:\n  name: Hanil\n legal_name: Hanil Co\n"), "syntax",
         3, 2, ("not aligned", "indentation")),
    Case("yaml-field-among-list-items", _u("attendees:\n  - name: Kim\n  role: PM\n"), "syntax",
         3, 3, ("not aligned",)),
    Case("yaml-duplicate-key", _u("title: A\ndate: 2026-11-27\ntitle: B\n"), "duplicate_key", 3, 1,
         ("'title' appears twice", "line 1"), quoted=("title",)),
    Case("yaml-duplicate-nested-key", _u("client:\n  name: A\n  name: B\n"), "duplicate_key", 3, 3,
         ("'client.name' appears twice", "line 2"), quoted=("client.name",)),
    Case("yaml-undefined-alias", _u("title: *boss\n"), "syntax", 1, 8,
         ("'*boss'", "quotes"), quoted=("boss",)),
    Case("yaml-reserved-first-character", _u("title: @home visit\n"), "syntax", 1, 8,
         ("cannot start with '@'", "quotes")),
    Case("yaml-text-after-quote", _u('title: "Kickoff" meeting\n'), "syntax", 1, 18,
         ("follows the closing", "quotes")),
    Case("yaml-apostrophe-in-single-quotes", _u("title: 'Kim's visit'\n"), "syntax", 1, 13,
         ("follows the closing",)),
    Case("yaml-text-after-list", _u("title: [a, b] extra\n"), "syntax", 1, 15,
         ("follows the closing ']'",)),
    Case("yaml-backslash-in-double-quotes", _u('attachments:\n  - "C:\\docs\\deck.pptx"\n'),
         "syntax", 2, 9, ("'\\d'", "not a valid escape")),
    Case("yaml-second-document", _u("title: A\n---\ntitle: B\n"), "syntax", 2, 1,
         ("second document", "'---'")),
    Case("yaml-control-character", _u("title: Kick\x0boff\n"), "syntax", 1, 12,
         ("control character", "U+000B")),
    Case("yaml-unknown-parser-message", _u("a: &x 1\nb: &x 2\n"), "syntax", 2, 4,
         ("syntax", "duplicate anchor"), generic=True),
    # --- whole-file problems -----------------------------------------------------------
    Case("empty", b"", "empty", None, None, ("empty",)),
    Case("blank-lines", b"  \n\n\t\n", "empty", None, None, ("empty",)),
    Case("comments-only", _u("# minutes of 11/27\n# (to do)\n"), "empty", None, None,
         ("empty", "comments")),
    Case("document-marker-only", _u("---\n"), "empty", None, None, ("empty",)),
    Case("euc-kr", "title: 주간 회의록\nclient: 한일광고\n".encode("cp949"), "encoding",
         None, None, ("EUC-KR", "UTF-8")),
    Case("gbk", "title: 周例会会议纪要\nclient: 上海广告\n".encode("gbk"), "encoding", None, None,
         ("GBK", "UTF-8")),
    Case("big5", "title: 週會會議紀錄\nclient: 臺北廣告\n".encode("big5"), "encoding", None, None,
         ("Big5", "UTF-8")),
    Case("utf-16-bom", "title: 회의\n".encode("utf-16"), "encoding", None, None,
         ("UTF-16", "UTF-8")),
    Case("utf-16-be-bom", b"\xfe\xff" + "title: x\n".encode("utf-16-be"), "encoding", None, None,
         ("UTF-16", "UTF-8")),
    Case("utf-16-no-bom", "title: Kickoff\n".encode("utf-16-le"), "encoding", None, None,
         ("UTF-16", "UTF-8")),
    Case("latin-1", "title: café\n".encode("cp1252"), "encoding", 1, 11, ("not UTF-8",)),
    Case("nul-bytes", b"\x00\x01\x02PK\x03\x04", "binary", None, None, ("not a text file",)),
    Case("garbage", bytes(range(1, 256)) * 8, "binary", None, None, ("not a text file",)),
    Case("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "binary", None, None,
         ("not a text file",)),
    Case("single-value", _u("meeting with Hanil\n"), "not_a_record", 1, 1, ("single value",)),
    Case("no-spaces-after-colons", _u("title:Kickoff\ndate:2026-11-27\n"), "not_a_record", 1, 1,
         ("space after each ':'",)),
    Case("full-width-colons", _u("title：会议\ndate：2026-11-27\n"), "not_a_record", 1, 1,
         ("full-width colon",)),
    Case("unknown-extension", _u("title: x\n"), "file_type", None, None, ("'.txt'", ".yaml"),
         suffix=".txt", quoted=(".txt",)),
    # --- JSON ---------------------------------------------------------------------------
    Case("json-trailing-comma-object", _u('{"title": "A",\n}'), "syntax", 1, 14,
         ("remove the ','", "'}'"), suffix=".json"),
    Case("json-trailing-comma-list", _u('{"agenda": ["a", "b",]}'), "syntax", 1, 21,
         ("remove the ','", "']'"), suffix=".json"),
    Case("json-single-quoted-name", _u("{'title': 'A'}"), "syntax", 1, 2,
         ("double quotes", "single quotes"), suffix=".json"),
    Case("json-single-quoted-value", _u('{"title": \'A\'}'), "syntax", 1, 11,
         ("double quotes", "single quotes"), suffix=".json"),
    Case("json-missing-comma", _u('{"title": "A"\n "date": "2026-11-27"}'), "syntax", 2, 2,
         ("',' is missing",), suffix=".json"),
    Case("json-missing-colon", _u('{"title" "A"}'), "syntax", 1, 10, ("':' is missing",),
         suffix=".json"),
    Case("json-unterminated-string", _u('{"title": "A'), "syntax", 1, 11, ("no closing",),
         suffix=".json"),
    Case("json-line-break-in-string", _u('{"title": "A\n"}'), "syntax", 1, 13,
         ("line ends inside text",), suffix=".json"),
    Case("json-extra-data", _u('{"title": "A"}\n{"title": "B"}'), "syntax", 2, 1,
         ("more data after the end",), suffix=".json"),
    Case("json-extra-brace", _u('{"title": "A"}}'), "syntax", 1, 15, ("extra '}'",),
         suffix=".json"),
    Case("json-tab-in-string", _u('{"title": "A\tB"}'), "syntax", 1, 13, ("tab inside text",),
         suffix=".json"),
    Case("json-control-character", _u('{"title": "A\x07B"}'), "syntax", 1, 13,
         ("control character", "U+0007"), suffix=".json"),
    Case("json-invalid-escape", _u('{"file": "C:\\docs"}'), "syntax", 1, 13,
         ("'\\d'", "not a valid escape"), suffix=".json"),
    Case("json-invalid-u-escape", _u('{"file": "C:\\users"}'), "syntax", 1, 14,
         ("'\\u'", "not a valid escape"), suffix=".json"),
    Case("json-missing-value", _u('{"title": }'), "syntax", 1, 11, ("value is missing",),
         suffix=".json"),
    Case("json-unquoted-text", _u('{"title": Kickoff}'), "syntax", 1, 11, ("double quotes",),
         suffix=".json"),
    Case("json-python-true", _u('{"final": True}'), "syntax", 1, 11, ("lower case",),
         suffix=".json"),
    Case("json-unquoted-name", _u("{title: 1}"), "syntax", 1, 2, ("field name", "double quotes"),
         suffix=".json"),
    Case("json-unclosed", _u('{"agenda": ["a", "b"'), "syntax", 1, 21, ("ends too early",),
         suffix=".json"),
    Case("json-comment", _u('{"title": "A" // first\n}'), "syntax", 1, 15, ("comments",),
         suffix=".json"),
    Case("json-duplicate-key", _u('{\n\t"title": "A",\n\t"title": "B"\n}'), "duplicate_key", 3, 2,
         ("'title' appears twice", "line 2"), suffix=".json", quoted=("title",)),
    Case("json-single-value", _u('"Kickoff"'), "not_a_record", 1, 1, ("single value",),
         suffix=".json"),
]


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"input{case.suffix}"
    path.write_bytes(case.data)
    return path


def _prefix(path: Path, case: Case) -> str:
    if case.line is None:
        return f"{path}: "
    return f"{path}:{case.line}:{case.column}: "


def _validate(runner: CliRunner, path: Path, *options: str) -> Result:
    return runner.invoke(main, ["validate", "minutes", str(path), *options],
                         catch_exceptions=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reader_names_the_mistake_and_where(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case)
    with pytest.raises(InputError) as info:
        read_data(path)
    err = info.value
    assert err.code == case.code
    assert err.location is not None
    assert (err.location.line, err.location.column) == (case.line, case.column)
    for word in case.words:
        assert word in err.message, err.message
    assert err.exit_code == 1


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_prints_file_line_column_and_exits_1(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case)
    runner = CliRunner()
    result = _validate(runner, path, "-l", "en")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # one problem, one line
    assert lines[0].startswith(_prefix(path, case)), lines[0]
    for word in case.words:
        assert word in lines[0]
    problems = json.loads(_validate(runner, path, "-l", "en", "--json").stdout)
    assert [(p["code"], p["line"]) for p in problems] == [(case.code, case.line)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_render_writes_nothing(tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "minutes", str(path), "-o", str(out), "-l", "en"],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _prefix(path, case) in result.stderr
    assert not out.exists()


_SYNTAX_WORDS = re.compile(r"'(?:true|false|null)'|\.(?:yaml|yml|json)(?![A-Za-z])")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_korean_message_is_korean(tmp_path: Path, case: Case) -> None:
    """No English left in the Korean sentence, except what it quotes from the input (and
    the parser's own detail for a message docgen does not know)."""
    path = _write(tmp_path, case)
    runner = CliRunner()
    english = _validate(runner, path, "-l", "en").stderr.strip()
    korean = _validate(runner, path, "-l", "ko").stderr.strip()
    assert korean != english
    assert korean.startswith(_prefix(path, case))
    text = korean[len(_prefix(path, case)):]
    if case.generic:
        text = text.split("(")[0]
    for value in case.quoted:
        text = text.replace(value, "")
    text = _SYNTAX_WORDS.sub("", text)
    assert not re.search(r"[A-Za-z]{4,}", text), korean
    assert re.search(r"[\uac00-\ud7a3]", text), korean


def test_utf8_bom_is_accepted(tmp_path: Path, runner: CliRunner) -> None:
    sample = runner.invoke(main, ["sample", "minutes", "-l", "ko"]).output
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + sample.encode("utf-8"))
    result = _validate(runner, path)
    assert result.exit_code == 0, result.output
    data, source = read_data(path)
    assert data["locale"] == "ko" and source.locate(("locale",)).column == 1


def test_bom_keeps_columns(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + _u("title: [Kickoff\n  date: 2026-11-27\n"))
    with pytest.raises(InputError) as info:
        read_data(path)
    location = info.value.location
    assert location is not None and (location.line, location.column) == (2, 7)


def test_a_list_is_not_one_record_for_render(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- title: A\n- title: B\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_record(path)
    assert info.value.code == "not_a_record" and "list of 2" in info.value.message
    out = tmp_path / "out"
    result = runner.invoke(main, ["render", "minutes", str(path), "-o", str(out), "-l", "en"])
    assert result.exit_code == 1 and f"{path}:1:1: " in result.stderr
    assert "list of 2" in result.stderr and not out.exists()
    # validate takes a list: each record is checked on its own
    assert "list of" not in _validate(runner, path, "-l", "en").stderr


def test_tab_indented_json_keeps_its_line_map(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "tabs.json"
    path.write_text('{\n\t"title": "Kickoff",\n\t"date": "2026-02-30",\n\t"attendees": []\n}\n',
                    encoding="utf-8")
    result = _validate(runner, path, "-l", "en", "--json")
    by_path = {p["path"]: p for p in json.loads(result.stdout)}
    assert by_path["date"]["line"] == 3


def test_several_files_each_reported(tmp_path: Path, runner: CliRunner) -> None:
    """validate reads on past an unreadable file and reports every file's problem."""
    paths = []
    for case in CASES[:3]:
        path = tmp_path / f"{case.id}{case.suffix}"
        path.write_bytes(case.data)
        paths.append(path)
    result = runner.invoke(main, ["validate", "minutes", *map(str, paths), "-l", "en"])
    assert result.exit_code == 1
    for path, case in zip(paths, CASES[:3]):
        assert _prefix(path, case) in result.stderr
