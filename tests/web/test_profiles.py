"""Several company profiles in one server (``docgen serve --config A --config B``):
the choice on the pages, the documents made with the chosen letterhead, an unknown
choice refused in the user's language, the choice remembered, the CLI's start."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from click.testing import CliRunner

from docgen.profile import load_profile
from docgen.web.settings import profile_choices
from tests.web.support import csrf_token, form_pairs, make_client, replace

SEOUL = '''[company]
name = {{ ko = "한빛애드 서울본사", en = "Hanbit Ad Seoul", zh-CN = "韩光广告首尔总部", zh-TW = "韓光廣告首爾總部" }}
address = "서울특별시 중구 세종대로 110"
phone = "+82 2 1234 5678"
'''
SHANGHAI = '''[company]
name = {{ ko = "한빛애드 상하이", en = "Hanbit Ad Shanghai", zh-CN = "韩光广告上海办事处", zh-TW = "韓光廣告上海辦事處" }}
address = "上海市静安区南京西路 1266 号"
phone = "+86 21 5555 0000"

[defaults]
locale = "zh-CN"
'''


def write_profiles(tmp_path: Path) -> tuple[Path, Path]:
    seoul = tmp_path / "seoul.toml"
    shanghai = tmp_path / "shanghai.toml"
    seoul.write_text(SEOUL.replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    shanghai.write_text(SHANGHAI.replace("{{", "{").replace("}}", "}"), encoding="utf-8")
    return seoul, shanghai


@pytest.fixture
def client(tmp_path: Path) -> Any:
    seoul, shanghai = write_profiles(tmp_path)
    profiles = [load_profile(seoul), load_profile(shanghai)]
    return make_client(tmp_path, profile=profiles[0], profiles=profile_choices(profiles))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.footer):
            parts += [p.text for p in part.paragraphs]
            parts += [c.text for t in part.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def options(html: str) -> dict[str, bool]:
    page = lxml.html.fromstring(html)
    return {o.get("value"): o.get("selected") is not None
            for o in page.xpath("//select[@name='profile']/option")}


def download(client: Any, profile: str, ui: str = "ko") -> Any:
    pairs = replace(form_pairs(client.get(f"/kind/minutes?sample=1&ui={ui}").text),
                    title="프로필 시험")
    return client.post("/kind/minutes/download?format=docx",
                       data=dict(pairs + [("profile", profile)]),
                       headers={"X-CSRF-Token": csrf_token(client)})


def test_keys_come_from_file_names_never_paths(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "docgen.toml").write_text('[company]\nname = "X"\n', "utf-8")
    keys = [c.key for c in profile_choices([load_profile(tmp_path / n / "docgen.toml")
                                            for n in ("a", "b")])]
    assert keys == ["a-docgen", "b-docgen"]
    assert all("/" not in k for k in keys)


def test_the_form_and_the_index_offer_each_profile_by_company_name(client: Any) -> None:
    for path in ("/?ui=ko", "/kind/minutes?ui=ko"):
        html = client.get(path).text
        assert options(html) == {"seoul": True, "shanghai": False}, path
        page = lxml.html.fromstring(html)
        labels = [o.text_content() for o in page.xpath("//select[@name='profile']/option")]
        assert labels == ["한빛애드 서울본사 (seoul.toml)", "한빛애드 상하이 (shanghai.toml)"]
        help_text = page.get_element_by_id("profile-help").text_content()
        assert "첫 번째 프로필" in help_text and "서울본사" in help_text
    # in the form page the select belongs to the document form (it travels with it)
    page = lxml.html.fromstring(client.get("/kind/minutes").text)
    (select,) = page.xpath("//select[@name='profile']")
    assert select.get("form") == "docgen-form"
    # the labels follow the UI language
    assert "Hanbit Ad Shanghai (shanghai.toml)" in client.get("/?ui=en").text


@pytest.mark.parametrize("chosen,other", [("seoul", "shanghai"), ("shanghai", "seoul")])
def test_the_download_has_the_chosen_companys_letterhead(client: Any, chosen: str,
                                                         other: str) -> None:
    names = {"seoul": ("서울본사", "세종대로"), "shanghai": ("상하이", "南京西路")}
    r = download(client, chosen)
    assert r.status_code == 200, r.text[-500:]
    text = docx_text(r.content)
    assert "프로필 시험" in text
    assert any(n in text for n in names[chosen]), text[:800]
    assert not any(n in text for n in names[other]), text[:800]


def test_the_quick_preview_and_validate_use_the_chosen_profile(client: Any) -> None:
    pairs = form_pairs(client.get("/kind/minutes?sample=1&ui=ko").text)
    h = {"X-CSRF-Token": csrf_token(client)}
    r = client.post("/kind/minutes/preview?format=html",
                    data=dict(pairs + [("profile", "shanghai")]), headers=h)
    assert r.status_code == 200
    assert "上海" in r.text or "상하이" in r.text
    v = client.post("/kind/minutes/validate", data=dict(pairs + [("profile", "shanghai")]),
                    headers={**h, "X-Docgen-Fragment": "1"})
    assert v.status_code == 200


@pytest.mark.parametrize("ui,words", [("ko", "알 수 없는 회사 프로필"),
                                      ("zh-CN", "未知的公司配置"), ("en", "unknown company profile")])
def test_an_unknown_profile_is_a_400_in_the_users_language(client: Any, ui: str,
                                                           words: str) -> None:
    client.get(f"/?ui={ui}")
    for value in ("taipei", "../seoul.toml", "/etc/passwd"):
        r = download(client, value, ui)
        assert r.status_code == 400
        assert r.headers["content-type"].startswith("text/html")
        message = lxml.html.fromstring(r.text).get_element_by_id("error-message")
        assert words in message.text_content()
        assert "docgen_profile" not in r.headers.get("set-cookie", "")
    assert client.get("/?profile=nope").status_code == 400


def test_the_choice_is_remembered(client: Any) -> None:
    r = download(client, "shanghai")
    assert r.status_code == 200 and "docgen_profile=shanghai" in r.headers["set-cookie"]
    assert options(client.get("/kind/minutes").text) == {"seoul": False, "shanghai": True}
    assert options(client.get("/").text) == {"seoul": False, "shanghai": True}
    # the index's own choice (a GET form) is remembered too
    client.get("/?profile=seoul")
    assert options(client.get("/kind/minutes").text) == {"seoul": True, "shanghai": False}
    # a post without the field uses the remembered choice
    client.get("/?profile=shanghai")
    pairs = replace(form_pairs(client.get("/kind/minutes?sample=1&ui=ko").text), title="기억")
    r = client.post("/kind/minutes/download?format=docx", data=dict(pairs),
                    headers={"X-CSRF-Token": csrf_token(client)})
    text = docx_text(r.content)
    assert "서울본사" not in text and ("상하이" in text or "南京西路" in text)
    # a stale cookie (a profile this server no longer has) falls back to the primary
    client.cookies.set("docgen_profile", "gone")
    assert options(client.get("/").text) == {"seoul": True, "shanghai": False}


def test_the_issue_button_only_with_the_primary_profile(tmp_path: Path) -> None:
    ledger = ('\n[ledger]\nurl = "sqlite:///{db}"\narchive = "{arc}"\n'
              .format(db=tmp_path / "l.db", arc=tmp_path / "archive"))
    seoul, shanghai = write_profiles(tmp_path)
    seoul.write_text(seoul.read_text("utf-8") + ledger, encoding="utf-8")
    profiles = [load_profile(seoul), load_profile(shanghai)]
    c = make_client(tmp_path, profile=profiles[0], profiles=profile_choices(profiles))
    assert 'id="issue"' in c.get("/kind/minutes").text
    assert 'id="issue"' not in c.get("/kind/minutes?profile=shanghai").text


def test_a_single_profile_shows_no_choice(tmp_path: Path) -> None:
    seoul, _ = write_profiles(tmp_path)
    c = make_client(tmp_path, profile=load_profile(seoul))
    for path in ("/", "/kind/minutes"):
        html = c.get(path).text
        assert "<select" not in html.split('id="profile"')[1].split("</aside>")[0]
        assert 'name="profile"' not in html and "seoul.toml" in html
    assert c.get("/?profile=seoul").status_code == 200
    assert c.get("/?profile=other").status_code == 400
    bare = tmp_path / "bare"
    bare.mkdir()
    assert 'name="profile"' not in make_client(bare).get("/").text  # no profile at all


def test_serve_checks_every_profile_at_start(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.cli import main
    seoul, shanghai = write_profiles(tmp_path)
    broken = tmp_path / "taipei.toml"
    broken.write_text('[company]\nname = "台北"\nfax = 3\n[nonsense]\n', encoding="utf-8")
    started: list[Any] = []

    class Server:
        started = True

        def __init__(self, config: Any) -> None:
            started.append(config.app)

        def run(self) -> None:
            pass

    import uvicorn
    monkeypatch.setattr(uvicorn, "Server", Server)
    monkeypatch.setenv("DOCGEN_LOCALE", "en")
    runner = CliRunner()
    r = runner.invoke(main, ["serve", "--no-browser", "--workers-pdf", "0", "--config",
                             str(seoul), "--config", str(broken)])
    assert r.exit_code == 1 and not started
    assert "taipei.toml" in r.output and "nonsense" in r.output
    assert "Traceback" not in r.output
    assert "taipei.toml:3:1" in r.output and "taipei.toml:4:1" in r.output
    r = runner.invoke(main, ["serve", "--no-browser", "--workers-pdf", "0", "--config",
                             str(seoul), "--config", str(shanghai), "--config", str(seoul)])
    assert r.exit_code == 0, r.output
    (app,) = started
    settings = app.state.settings
    assert [c.key for c in settings.choices()] == ["seoul", "shanghai"]
    assert settings.profile.path == seoul
