"""``image()`` in hostile hands (issue 15, point 4): the containment in the data's
folder does not depend on the working directory (docgen run from ``/``), symbolic
links cannot leave the folder, only regular files are read (a FIFO does not hang the
render) and a picture is size-limited. Real processes, from cwd ``/``.

Issue 16, point 7: a path the data gives (``fill``'s ``pic``, signoff's
``signature_image``) that cannot be used is the data's error: exit 1 at the field
(file and line), nothing written; a path a template writes itself stays a template
error (exit 3). ``signature_image`` is held to the same folder through validate,
render and batch, and through the API (``base_dir``)."""
from __future__ import annotations

import json
import os
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Callable

import pytest
import yaml

from docgen.render.images import MAX_IMAGE_BYTES
from tests.support import REPO, plain_docx

PY = sys.executable
TIMEOUT = 120


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (grey pixels), made by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def env(locale: str = "en") -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
    e.update(DOCGEN_LOCALE=locale, PYTHONPATH=str(REPO))
    return e


def fill(tmp: Path, picture: str, locale: str = "en") -> tuple[subprocess.CompletedProcess[str],
                                                               Path]:
    """``docgen fill`` from cwd ``/`` with absolute paths: a template placing the data's
    ``pic`` and a data file in ``tmp/data``."""
    data_dir = tmp / "data"
    data_dir.mkdir(exist_ok=True)
    template = tmp / "pic.docx"
    template.write_bytes(plain_docx("Logo: {{ image(pic, 20) }}"))
    data = data_dir / "record.yaml"
    data.write_text(yaml.safe_dump({"pic": picture}), encoding="utf-8")
    out = tmp / "out.docx"
    done = subprocess.run([PY, "-m", "docgen", "fill", str(template), str(data), "-o", str(out)],
                          cwd="/", env=env(locale), capture_output=True, text=True,
                          timeout=TIMEOUT)
    return done, out


def media(docx_path: Path) -> list[str]:
    with zipfile.ZipFile(docx_path) as zf:
        return [n for n in zf.namelist() if n.startswith("word/media/")]


def test_a_picture_next_to_the_data_is_embedded_from_cwd_root(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logo.png").write_bytes(png())
    done, out = fill(tmp_path, "logo.png")
    assert done.returncode == 0, done.stderr
    assert len(media(out)) == 1
    out.unlink()
    done, out = fill(tmp_path, str(tmp_path / "data" / "logo.png"))  # absolute, inside
    assert done.returncode == 0, done.stderr
    assert len(media(out)) == 1


def test_an_absolute_path_outside_the_data_folder_is_refused_from_cwd_root(
        tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "x.png").write_bytes(png())
    done, out = fill(tmp_path, str(outside / "x.png"))
    assert done.returncode == 1, (done.returncode, done.stderr)  # the data's path: its error
    assert "outside the data folder" in done.stderr and str(tmp_path / "data") in done.stderr
    assert f"{tmp_path / 'data' / 'record.yaml'}:1:" in done.stderr  # at the field
    assert "Traceback" not in done.stderr and not out.exists()
    done, out = fill(tmp_path, "../secret/x.png")  # the same by climbing out
    assert done.returncode == 1 and "outside the data folder" in done.stderr
    assert not out.exists()


def test_the_template_naming_an_absolute_path_in_a_batch_from_cwd_root(tmp_path: Path) -> None:
    """A template (untrusted) with a literal absolute path, in ``docgen batch`` run from
    ``/``: refused, nothing written."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.png").write_bytes(png())
    sample = subprocess.run([PY, "-m", "docgen", "sample", "weekly", "-l", "en"], env=env(),
                            capture_output=True, text=True, check=True).stdout
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "list.json").write_text(json.dumps([yaml.safe_load(sample)] * 2, default=str),
                                        encoding="utf-8")
    template = tmp_path / "weekly.docx"
    template.write_bytes(plain_docx("{{ image('%s', 20) }}" % (tmp_path / "secret" / "x.png")))
    out = tmp_path / "out"
    done = subprocess.run([PY, "-m", "docgen", "batch", "weekly", str(data_dir / "list.json"),
                           "--template", str(template), "-o", str(out), "--name",
                           "{client}_{week_start}"],
                          cwd="/", env=env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "outside the data folder" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_symlink_leaving_the_data_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.png").write_bytes(png())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logo.png").symlink_to(tmp_path / "secret" / "x.png")
    done, out = fill(tmp_path, "logo.png")
    assert done.returncode == 1, done.stderr
    assert "outside the data folder" in done.stderr and not out.exists()
    assert "record.yaml:1:" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    os.mkfifo(tmp_path / "data" / "x.png")
    started = time.monotonic()
    done, out = fill(tmp_path, "x.png")  # hung for ever before (nobody writes the pipe)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    assert "not a regular file" in done.stderr and not out.exists()
    assert "record.yaml:1:" in done.stderr


def test_a_folder_named_like_a_picture_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data" / "x.png").mkdir(parents=True)
    done, out = fill(tmp_path, "x.png")
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr
    assert not out.exists()


def test_a_picture_over_the_limit_is_refused_in_the_users_language(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    big = tmp_path / "data" / "big.png"
    with big.open("wb") as fh:  # sparse: no 20 MB written to disk
        fh.write(png())
        fh.truncate(MAX_IMAGE_BYTES + 1)
    done, out = fill(tmp_path, "big.png")
    assert done.returncode == 1, done.stderr
    assert "too large for a picture" in done.stderr and "at most 20 MB" in done.stderr
    assert not out.exists()
    done, out = fill(tmp_path, "big.png", locale="ko")
    assert done.returncode == 1 and "20MB" in done.stderr.replace(" ", ""), done.stderr
    assert "too large" not in done.stderr  # said in Korean


# --- issue 16, point 7: signature_image (a path the data gives) ----------------------------

def signoff_record(signature: str) -> dict[str, object]:
    sample = subprocess.run([PY, "-m", "docgen", "sample", "signoff", "-l", "en"], env=env(),
                            capture_output=True, text=True, check=True).stdout
    rec: dict[str, object] = yaml.safe_load(sample)
    stages = rec["stages"]
    assert isinstance(stages, list)
    stages[0]["signature_image"] = signature
    return rec


def signoff_file(tmp: Path, signature: str) -> Path:
    """``tmp/data/record.yaml``, its first stage signed with ``signature``; a real
    picture ``tmp/secret/x.png`` outside the data folder."""
    (tmp / "data").mkdir(exist_ok=True)
    (tmp / "secret").mkdir(exist_ok=True)
    (tmp / "secret" / "x.png").write_bytes(png())
    data = tmp / "data" / "record.yaml"
    data.write_text(yaml.safe_dump(signoff_record(signature), allow_unicode=True,
                                   sort_keys=False), encoding="utf-8")
    return data


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "docgen", *args], cwd="/", env=env(), capture_output=True,
                          text=True, timeout=TIMEOUT)


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in text)


ESCAPES: dict[str, Callable[[Path], str]] = {
    "absolute outside": lambda tmp: str(tmp / "secret" / "x.png"),
    "climbing out": lambda tmp: "../secret/x.png",
    "climbing far": lambda tmp: "../../../../../../../../.." + str(tmp / "secret" / "x.png"),
    "an absolute system file": lambda tmp: "/etc/hostname",
    "a device": lambda tmp: "/dev/zero",
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_a_signature_outside_the_data_folder_is_refused_by_validate_and_render(
        tmp_path: Path, case: str) -> None:
    data = signoff_file(tmp_path, ESCAPES[case](tmp_path))
    where = f"{data}:{line_of(data, 'signature_image')}:"
    done = cli("validate", "signoff", str(data))
    assert done.returncode == 1, done.stderr
    assert where in done.stderr and "outside the data folder" in done.stderr, done.stderr
    assert str(tmp_path / "data") in done.stderr and "Traceback" not in done.stderr
    out = tmp_path / "out"
    done = cli("render", "signoff", str(data), "-f", "docx,xlsx", "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert where in done.stderr and "stages[0].signature_image" in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_symlinked_signature_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    data = signoff_file(tmp_path, "sign.png")
    (tmp_path / "data" / "sign.png").symlink_to(tmp_path / "secret" / "x.png")
    done = cli("render", "signoff", str(data), "-o", str(tmp_path / "out"))
    assert done.returncode == 1, done.stderr
    assert "outside the data folder" in done.stderr and "record.yaml" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    # a symlinked folder leading out is the same
    (tmp_path / "data" / "sign.png").unlink()
    (tmp_path / "data" / "signs").symlink_to(tmp_path / "secret")
    data = signoff_file(tmp_path, "signs/x.png")
    done = cli("validate", "signoff", str(data))
    assert done.returncode == 1 and "outside the data folder" in done.stderr, done.stderr


def test_a_symlink_staying_inside_the_folder_is_fine(tmp_path: Path) -> None:
    data = signoff_file(tmp_path, "link.png")
    (tmp_path / "data" / "signs").mkdir()
    (tmp_path / "data" / "signs" / "kim.png").write_bytes(png())
    (tmp_path / "data" / "link.png").symlink_to(tmp_path / "data" / "signs" / "kim.png")
    out = tmp_path / "out"
    done = cli("render", "signoff", str(data), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (made,) = out.iterdir()
    assert media(made) and len(media(made)) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_signature_that_is_a_fifo_or_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    data = signoff_file(tmp_path, "sign.png")
    os.mkfifo(tmp_path / "data" / "sign.png")
    started = time.monotonic()
    done = cli("render", "signoff", str(data), "-o", str(tmp_path / "out"))
    assert time.monotonic() - started < 60
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr
    assert f"{data}:{line_of(data, 'signature_image')}:" in done.stderr
    os.unlink(tmp_path / "data" / "sign.png")
    (tmp_path / "data" / "sign.png").mkdir()
    done = cli("validate", "signoff", str(data))
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr


def test_a_signature_next_to_the_data_renders_from_cwd_root(tmp_path: Path) -> None:
    """The relative path is the data file's folder's, not the working directory's
    (``/``); an absolute path inside the folder is fine too."""
    for signature in ("signs/kim.png", str(tmp_path / "data" / "signs" / "kim.png"),
                      "signs/../signs/kim.png"):
        data = signoff_file(tmp_path, signature)
        (tmp_path / "data" / "signs").mkdir(exist_ok=True)
        (tmp_path / "data" / "signs" / "kim.png").write_bytes(png())
        out = tmp_path / f"out{len(signature)}"
        done = cli("render", "signoff", str(data), "-f", "docx,xlsx", "-o", str(out))
        assert done.returncode == 0, (signature, done.stderr)
        docx_file = next(out.glob("*.docx"))
        assert len(media(docx_file)) == 1
        with zipfile.ZipFile(next(out.glob("*.xlsx"))) as zf:
            assert any(n.startswith("xl/media/") for n in zf.namelist())


def test_a_batch_with_one_escaping_signature_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "data" / "signs").mkdir(parents=True)
    (tmp_path / "data" / "signs" / "ok.png").write_bytes(png())
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.png").write_bytes(png())
    records = [signoff_record(str(tmp_path / "secret" / "x.png") if i == 3 else "signs/ok.png")
               for i in range(5)]
    for i, rec in enumerate(records):
        rec["job_number"] = f"NL-2026-{i:04d}"
    data = tmp_path / "data" / "list.json"
    data.write_text(json.dumps(records, default=str, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    done = cli("batch", "signoff", str(data), "-o", str(out), "-f", "docx,xlsx")
    assert done.returncode == 1, done.stderr
    assert str(data) in done.stderr and "outside the data folder" in done.stderr
    assert "stages[0].signature_image" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())
    # --keep-going: the four others are written, with their pictures; the bad one is not
    done = cli("batch", "signoff", str(data), "-o", str(out), "--keep-going")
    assert done.returncode == 1, done.stderr
    made = sorted(out.glob("*.docx"))
    assert len(made) == 4 and all(len(media(p)) == 1 for p in made)


def test_the_api_resolves_a_signature_in_base_dir_else_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Data without a file: ``base_dir`` is the data folder (default: the working
    directory), and the same containment holds."""
    import docgen

    (tmp_path / "here" / "signs").mkdir(parents=True)
    (tmp_path / "here" / "signs" / "kim.png").write_bytes(png())
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "x.png").write_bytes(png())
    rec = signoff_record("signs/kim.png")
    monkeypatch.chdir("/")
    assert not [p for p in docgen.validate_record("signoff", rec, base_dir=tmp_path / "here")
                if p.is_error]
    files = docgen.render_record("signoff", rec, base_dir=tmp_path / "here")
    with zipfile.ZipFile(__import__("io").BytesIO(files["docx"])) as zf:
        assert len([n for n in zf.namelist() if n.startswith("word/media/")]) == 1
    missing = docgen.validate_record("signoff", rec)  # relative to cwd "/": not there
    assert [p.path for p in missing if p.is_error] == ["stages[0].signature_image"]
    monkeypatch.chdir(tmp_path / "here")
    assert not [p for p in docgen.validate_record("signoff", rec) if p.is_error]
    for escape in (str(tmp_path / "secret" / "x.png"), "../secret/x.png"):
        bad = signoff_record(escape)
        problems = [p for p in docgen.validate_record("signoff", bad, base_dir=tmp_path / "here")
                    if p.is_error]
        assert len(problems) == 1 and "outside the data folder" in problems[0].text("en")
        with pytest.raises(docgen.ValidationFailed):
            docgen.render_record("signoff", bad, base_dir=tmp_path / "here")


def test_a_device_node_inside_the_folder_is_refused_unread(tmp_path: Path) -> None:
    """A character device (``/dev/zero``'s numbers) named sign.png in the data folder:
    refused as not a regular file, never read (reading /dev/zero never ends)."""
    data = signoff_file(tmp_path, "sign.png")
    try:
        os.mknod(tmp_path / "data" / "sign.png", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here (not root)")
    started = time.monotonic()
    done = cli("render", "signoff", str(data), "-o", str(tmp_path / "out"))
    assert time.monotonic() - started < 60
    assert done.returncode == 1 and "not a regular file" in done.stderr, done.stderr
    assert f"{data}:{line_of(data, 'signature_image')}:" in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
