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
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

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
