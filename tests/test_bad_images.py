"""Broken pictures in the data (issue 16, point 5): a truncated PNG, a wrong signature,
a PNG header declaring 100,000 x 100,000 pixels (a decompression bomb of 1 KB), a GIF
or JPEG named .png, an empty file, an SVG with external references, bad CRCs, cut-short
JPEG/GIF/BMP files. Each is bad data: exit 1 at the record's field (file, line,
``stages[0].signature_image``), said in the user's language, nothing written; never a
template error (exit 3) or a traceback. The same through ``fill`` (the data's field),
a template's own path (the picture file named), the profile's logo and the API.

Real processes run from cwd ``/`` (the working directory plays no part)."""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

import docgen
from docgen.errors import InputError
from docgen.render.images import (
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    _Refused,
    image_input_error,
    inspect_image,
)
from docgen.richtext import InlineImage
from tests.support import REPO, plain_docx

PY = sys.executable
TIMEOUT = 120


def chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG; for a large declared size only a few rows of data (no pixel is
    decoded by docgen, so the file stays small: the bomb)."""
    raw = b"".join(b"\x00" + b"\x80" * min(width, 64) for _ in range(min(height, 4)))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# The classic 1x1 transparent GIF.
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def bmp(width: int = 2, height: int = 2, pixels: bool = True) -> bytes:
    """An uncompressed 24-bit BMP (BITMAPINFOHEADER); ``pixels=False`` leaves out the
    pixel array the headers promise."""
    row = (width * 3 + 3) // 4 * 4
    data = b"\x00" * row * abs(height) if pixels else b""
    header = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(data), 2835, 2835,
                         0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(data), 0, 0, 54) + header + data


def jpeg(width: int = 8, height: int = 8, end: bool = True) -> bytes:
    """The segments docgen walks: SOI, APP0, SOF0 (the size), SOS, scan bytes, EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + sof + sos + b"\x12\x34" * 8 + (b"\xff\xd9" if end else b"")


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
       b'<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>')

# name -> (file name, bytes, what the message says)
BROKEN: dict[str, tuple[str, bytes, str]] = {
    "truncated": ("sign.png", png()[:40], "damaged or incomplete PNG"),
    "header only": ("sign.png", png()[:33], "damaged or incomplete PNG"),
    "no IEND": ("sign.png", png()[:-12], "damaged or incomplete PNG"),
    "bad CRC": ("sign.png", png()[:-4] + b"\x00\x00\x00\x00", "damaged or incomplete PNG"),
    "wrong magic": ("sign.png", b"\x89PNX\r\n\x1a\n" + png()[8:], "not a PNG, JPEG, GIF or BMP"),
    "bomb": ("sign.png", png(100_000, 100_000), "100000 x 100000 pixels"),
    "too wide": ("sign.png", png(MAX_IMAGE_SIDE + 1, 1), f"{MAX_IMAGE_SIDE + 1} x 1 pixels"),
    "too many pixels": ("sign.png", png(15_000, 15_000), "15000 x 15000 pixels"),
    "gif named png": ("sign.png", GIF, "GIF image but its name ends in .png"),
    "jpeg named png": ("sign.png", jpeg(), "JPEG image but its name ends in .png"),
    "empty": ("sign.png", b"", "not a PNG, JPEG, GIF or BMP"),
    "svg": ("sign.png", SVG, "not a PNG, JPEG, GIF or BMP"),
    "svg named svg": ("sign.svg", SVG, "not a PNG, JPEG, GIF or BMP"),
    "cut-short jpeg": ("sign.jpg", jpeg(end=False), "damaged or incomplete JPEG"),
    "jpeg bomb": ("sign.jpg", jpeg(65_000, 65_000), "65000 x 65000 pixels"),
    "cut-short gif": ("sign.gif", GIF[:-5], "damaged or incomplete GIF"),
    "bmp without pixels": ("sign.bmp", bmp(pixels=False), "damaged or incomplete BMP"),
    "bmp bomb": ("sign.bmp", bmp(50_000, 50_000, pixels=False), "50000 x 50000 pixels"),
}


def env(locale: str = "en") -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("DOCGEN_")}
    e.update(DOCGEN_LOCALE=locale, PYTHONPATH=str(REPO))
    return e


def run(*args: str, locale: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "docgen", *args], cwd="/", env=env(locale),
                          capture_output=True, text=True, timeout=TIMEOUT)


def signoff(tmp: Path, picture: str, blob: bytes, name: str = "record.yaml") -> Path:
    """A signoff record in ``tmp/data`` whose first stage's signature is ``picture``
    (written with ``blob``); the signature_image line is line 1 of a stage."""
    data_dir = tmp / "data"
    (data_dir / "signs").mkdir(parents=True, exist_ok=True)
    (data_dir / "signs" / picture).write_bytes(blob)
    rec = yaml.safe_load(run("sample", "signoff", "-l", "en").stdout)
    rec["stages"][0]["signature_image"] = f"signs/{picture}"
    path = data_dir / name
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def field_line(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def nothing_in(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# --- the checker itself ---------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(BROKEN))
def test_inspect_image_refuses_each_broken_file(case: str) -> None:
    name, blob, said = BROKEN[case]
    with pytest.raises(_Refused) as caught:
        inspect_image(blob, name)
    assert said.replace("PNG, JPEG", "PNG, JPEG") in str(caught.value), str(caught.value)


@pytest.mark.parametrize("name, blob, ext, size", [
    ("a.png", png(4, 3), "png", (4, 3)),
    ("a.gif", GIF, "gif", (1, 1)),
    ("a.bmp", bmp(2, 2), "bmp", (2, 2)),
    ("a.jpg", jpeg(8, 6), "jpeg", (8, 6)),
    ("no-suffix", GIF, "gif", (1, 1)),  # no type in the name: the content says it
    ("local.gif", b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)  # a local colour table only
     + b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0x80) + b"\x00" * 3 + b"\xff" * 3
     + b"\x02\x02D\x01\x00;", "gif", (1, 1)),
    ("top-down.bmp", bmp(3, -2)[:54] + b"\x00" * 24, "bmp", (3, 2)),
    ("big.png", png(MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS // MAX_IMAGE_SIDE), "png",
     (MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS // MAX_IMAGE_SIDE)),  # at the limit: accepted
])
def test_whole_pictures_are_accepted(name: str, blob: bytes, ext: str,
                                     size: tuple[int, int]) -> None:
    data = inspect_image(blob, name)
    assert (data.ext, data.px_width, data.px_height) == (ext, *size)


def test_the_samples_logo_and_python_docx_agree_on_the_size() -> None:
    from docx.image.image import Image

    blob = (REPO / "samples" / "logo.png").read_bytes()
    data, info = inspect_image(blob, "logo.png"), Image.from_blob(blob)
    assert (data.px_width, data.px_height) == (info.px_width, info.px_height)


def test_the_bomb_is_refused_from_its_header_at_once() -> None:
    """No pixel is decoded: a 1 KB file declaring 10^10 pixels is refused in
    milliseconds (decoding it would take 10 GB)."""
    blob = png(100_000, 100_000)
    assert len(blob) < 2048
    started = time.perf_counter()
    for _ in range(100):
        with pytest.raises(_Refused):
            inspect_image(blob, "x.png")
    assert time.perf_counter() - started < 1.0


# --- through the CLI: validate, render, batch ------------------------------------------------

@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_signature_is_the_datas_error_at_its_field(tmp_path: Path, case: str) -> None:
    picture, blob, said = BROKEN[case]
    data = signoff(tmp_path, picture, blob)
    line = field_line(data, "signature_image")
    out = tmp_path / "out"
    done = run("render", "signoff", str(data), "-f", "docx,xlsx", "-o", str(out))
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert f"{data}:{line}:" in done.stderr, done.stderr
    assert "stages[0].signature_image" in done.stderr and said in done.stderr, done.stderr
    assert "template error" not in done.stderr and "Traceback" not in done.stderr
    assert nothing_in(out)


def test_validate_reports_the_broken_signature(tmp_path: Path) -> None:
    data = signoff(tmp_path, "sign.png", png()[:40])
    done = run("validate", "signoff", str(data))
    assert done.returncode == 1, done.stderr
    line = field_line(data, "signature_image")
    assert f"{data}:{line}:" in done.stderr and "damaged or incomplete PNG" in done.stderr
    done = run("validate", "signoff", str(data), "--json")
    problem, = json.loads(done.stdout)
    assert problem["path"] == "stages[0].signature_image" and problem["code"] == "image"


def test_the_message_is_in_the_users_language(tmp_path: Path) -> None:
    data = signoff(tmp_path, "sign.png", png(100_000, 100_000))
    for locale, words in (("ko", "픽셀"), ("zh-CN", "像素"), ("zh-TW", "像素")):
        done = run("render", "signoff", str(data), "-o", str(tmp_path / "out"), "-l", locale,
                   locale=locale)
        assert done.returncode == 1, done.stderr
        assert words in done.stderr and "too large" not in done.stderr, done.stderr
        assert "100000 x 100000" in done.stderr and str(MAX_IMAGE_SIDE) in done.stderr


def test_a_batch_with_one_broken_signature_writes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "signs").mkdir(parents=True)
    (data_dir / "signs" / "ok.png").write_bytes(png())
    (data_dir / "signs" / "bomb.png").write_bytes(png(100_000, 100_000))
    rec = yaml.safe_load(run("sample", "signoff", "-l", "en").stdout)
    records = []
    for i in range(4):
        stages = [dict(s) for s in rec["stages"]]
        stages[0]["signature_image"] = "signs/bomb.png" if i == 2 else "signs/ok.png"
        records.append(dict(rec, job_number=f"NL-2026-{i:04d}", stages=stages))
    data = data_dir / "list.json"
    data.write_text(json.dumps(records, default=str, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    done = run("batch", "signoff", str(data), "-o", str(out), "-f", "docx,xlsx")
    assert done.returncode == 1, done.stderr
    assert str(data) in done.stderr and "stages[0].signature_image" in done.stderr
    assert "100000 x 100000 pixels" in done.stderr and "Traceback" not in done.stderr
    assert nothing_in(out)


# --- fill, a template's own path, the profile's logo ---------------------------------------

def fill(tmp: Path, body: str, data: dict[str, Any]) -> tuple[subprocess.CompletedProcess[str],
                                                               Path, Path]:
    (tmp / "data").mkdir(exist_ok=True)
    template = tmp / "pic.docx"
    template.write_bytes(plain_docx(body))
    record = tmp / "data" / "record.yaml"
    record.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp / "out.docx"
    return run("fill", str(template), str(record), "-o", str(out)), record, out


@pytest.mark.parametrize("case", ["truncated", "bomb", "gif named png", "empty", "svg"])
def test_fill_names_the_datas_field(tmp_path: Path, case: str) -> None:
    picture, blob, said = BROKEN[case]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / picture).write_bytes(blob)
    done, record, out = fill(tmp_path, "Logo: {{ image(pic, 20) }}",
                             {"title": "x", "pic": picture})
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert f"{record}:{field_line(record, 'pic:')}:" in done.stderr, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_templates_own_path_to_a_broken_file_names_the_file(tmp_path: Path) -> None:
    """The path is the template's, but the file is what is broken: exit 1, the picture
    named (no data field holds it)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logo.png").write_bytes(png()[:40])
    done, _, out = fill(tmp_path, "{{ image('logo.png', 20) }}", {"title": "x"})
    assert done.returncode == 1, done.stderr
    assert f"{(tmp_path / 'data' / 'logo.png').resolve()}:" in done.stderr, done.stderr
    assert "damaged or incomplete PNG" in done.stderr and not out.exists()


def test_a_broken_logo_in_the_profile_is_said_at_the_profile(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(png(100_000, 100_000))
    toml = (REPO / "samples" / "docgen.toml").read_text(encoding="utf-8")
    config = tmp_path / "docgen.toml"
    config.write_text(toml, encoding="utf-8")
    line = field_line(config, "logo = ")
    data = tmp_path / "rec.yaml"
    data.write_text(run("sample", "signoff", "-l", "en").stdout, encoding="utf-8")
    out = tmp_path / "out"
    done = run("render", "signoff", str(data), "--config", str(config), "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert f"{config}:{line}:" in done.stderr and "100000 x 100000 pixels" in done.stderr
    assert nothing_in(out)


# --- the API ---------------------------------------------------------------------------

def sample_record() -> dict[str, Any]:
    rec: dict[str, Any] = yaml.safe_load(run("sample", "signoff", "-l", "en").stdout)
    return rec


def test_the_api_reports_a_broken_signature_as_a_problem(tmp_path: Path) -> None:
    (tmp_path / "sign.png").write_bytes(png(100_000, 100_000))
    rec = sample_record()
    rec["stages"][0]["signature_image"] = "sign.png"
    problems = docgen.validate_record("signoff", rec, base_dir=tmp_path)
    assert [p.path for p in problems if p.is_error] == ["stages[0].signature_image"]
    assert "100000 x 100000 pixels" in problems[0].text("en")
    with pytest.raises(docgen.ValidationFailed):
        docgen.render_record("signoff", rec, base_dir=tmp_path)


@pytest.mark.parametrize("make", [lambda: png()[:40], lambda: png(100_000, 100_000)])
def test_inline_image_refuses_a_broken_picture_with_a_value_error(
        tmp_path: Path, make: Callable[[], bytes]) -> None:
    (tmp_path / "x.png").write_bytes(make())
    for descriptor in (make(), str(tmp_path / "x.png")):
        with pytest.raises(ValueError) as caught:
            InlineImage(None, descriptor)
        assert "damaged" in str(caught.value) or "pixels" in str(caught.value)


def test_a_template_error_without_a_picture_stays_the_templates() -> None:
    assert image_input_error(docgen.TemplateError("template error: x")) is None
    assert image_input_error(InputError("x")) is None


def test_fill_with_an_excel_template_names_the_datas_field(tmp_path: Path) -> None:
    import openpyxl

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sign.png").write_bytes(png(100_000, 100_000))
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ image(pic, 20) }}"
    template = tmp_path / "pic.xlsx"
    wb.save(template)
    record = tmp_path / "data" / "record.yaml"
    record.write_text(yaml.safe_dump({"title": "x", "pic": "sign.png"}), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    done = run("fill", str(template), str(record), "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert f"{record}:{field_line(record, 'pic:')}:" in done.stderr
    assert "100000 x 100000 pixels" in done.stderr and not out.exists()


def test_the_picture_cache_holds_a_bounded_number_of_bytes(tmp_path: Path) -> None:
    """Validating many records, each with its own large picture, keeps at most
    ``_CACHE_BYTES`` of pictures in memory (the newest), not every file read."""
    from docgen.render import images

    big = png()[:-12] + chunk(b"zTXt", b"c\x00\x00" + b"\x00" * (16 * 1024 * 1024)) + png()[-12:]
    for i in range(6):
        path = tmp_path / f"scan{i}.png"
        path.write_bytes(big[:-12] + chunk(b"tEXt", b"n\x00%d" % i) + big[-12:])
        assert images.image_problem(path, path.name) is None
    held = sum(len(d.blob) for d in images._cache.values())
    assert held <= images._CACHE_BYTES < 6 * len(big)
    assert str(tmp_path / "scan5.png") in {key[0] for key in images._cache}  # the newest
