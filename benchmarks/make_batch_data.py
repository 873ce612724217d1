"""Inputs of the batch benchmark (``bench_batch.py``): a weekly report template both
docgen and docxtpl can render, and N deterministic weekly records.

The template (python-docx, byte-for-byte deterministic) uses only plain Jinja and
docxtpl's paragraph / table-row tags — no docgen filters, no ``_()`` labels, no
computed fields except ``week_end`` (which the docxtpl side computes itself, as a
docxtpl user would: ``week_start`` + 6 days):

* a header (client name) and a footer (author · week) with variables;
* a title, client, period (``{{ week_start }} ~ {{ week_end }}``) and author lines
  with Korean / Chinese / English labels;
* a ``{%p if summary %}`` block;
* a 7-column task table whose row repeats with ``{%tr for t in tasks %}`` (No., task,
  owner, progress, status — mapped to a label by a dict literal —, due, note);
* a status count line (``selectattr`` … ``length``);
* a ``{%p if issues %}`` block with a ``{%p for %}`` paragraph loop.

The data: record ``i`` is one weekly report of one client account. 25 advertisers
(Korean, Chinese, Taiwanese, English) × 20 brand lines give 500 distinct client
names; weeks cycle through 10 Mondays so that (client, week) stays unique up to
5,000 records (records 500… reuse the accounts with another week). 6–10 tasks per
report, 0–2 issues, a summary (sometimes two lines). Seeded: the same N gives the
same records on every run. No ``& < >`` in the data: docxtpl renders without
autoescaping and would write broken XML.

Files for docgen:

* ``weekly_N.json``: the records as one JSON list;
* ``weekly_N_tasks.xlsx``: one row per task (``client``, ``locale``, ``week_start``,
  ``author``, ``summary``, ``tasks.task`` … ``tasks.note``; dates as Excel dates),
  for ``docgen batch weekly … --group-by client``. A sheet row holds no issues, so
  the records it makes are :func:`sheet_view` of the JSON ones. Grouping by client
  needs one row group per record, so the sheet is only written for N ≤ 500.

Usage::

    python benchmarks/make_batch_data.py DIR [--records 500]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

TEMPLATE_NAME = "weekly_bench_template.docx"
SEED = 20261127

# (name, locale): 25 advertisers
ADVERTISERS = [
    ("한라식품", "ko"), ("서울바이오", "ko"), ("한빛미디어", "ko"), ("다온푸드", "ko"),
    ("한강건설", "ko"), ("누리화장품", "ko"), ("가온모빌리티", "ko"), ("바른제약", "ko"),
    ("上海星辰贸易", "zh-CN"), ("深圳云帆科技", "zh-CN"), ("杭州青禾茶业", "zh-CN"),
    ("成都锦程文旅", "zh-CN"), ("广州南粤乳业", "zh-CN"), ("北京知行教育", "zh-CN"),
    ("台北晨曦設計", "zh-TW"), ("高雄海港物流", "zh-TW"), ("台中森林咖啡", "zh-TW"),
    ("新竹晶片科技", "zh-TW"),
    ("Northline Sports", "en"), ("Blue Harbor Logistics", "en"), ("Maple Leaf Foods Asia", "en"),
    ("Greenway Mobility", "en"), ("Silverline Cosmetics", "en"), ("Harbor Bank", "en"),
    ("Orbit Games", "en"),
]
# 20 brand lines / divisions: (ko, zh-CN, zh-TW, en)
LINES = [
    ("뷰티", "美妆", "美妝", "Beauty"), ("음료", "饮料", "飲料", "Beverages"),
    ("온라인몰", "线上商城", "線上商城", "Online Store"), ("프리미엄", "高端系列", "高端系列", "Premium"),
    ("키즈", "儿童", "兒童", "Kids"), ("스포츠", "运动", "運動", "Sports"),
    ("리테일", "零售", "零售", "Retail"), ("B2B", "企业客户", "企業客戶", "B2B"),
    ("신제품", "新品", "新品", "New Products"), ("멤버십", "会员", "會員", "Membership"),
    ("글로벌", "全球", "全球", "Global"), ("앱", "应用", "應用程式", "App"),
    ("친환경", "环保", "環保", "Green"), ("시즌 한정", "季节限定", "季節限定", "Seasonal"),
    ("헬스케어", "健康", "健康", "Healthcare"), ("여행", "旅游", "旅遊", "Travel"),
    ("금융", "金融", "金融", "Finance"), ("교육", "教育", "教育", "Education"),
    ("게임", "游戏", "遊戲", "Games"), ("브랜드", "品牌", "品牌", "Brand"),
]
_LANG_COL = {"ko": 0, "zh-CN": 1, "zh-TW": 2, "en": 3}

PEOPLE = {
    "ko": ["최유나 (AE 1팀 대리)", "김민수 AE 팀장", "이서연 AE", "박지훈 (기획팀 과장)", "정우성 AE"],
    "zh-CN": ["王伟（客户经理）", "李娜（项目经理）", "刘洋", "陈静（策划）", "张磊"],
    "zh-TW": ["張志明（客戶經理）", "陳怡君", "林家豪（企劃）", "黃雅婷", "吳建宏"],
    "en": ["Sora Lee (Account Executive)", "Daniel Park", "Emily Chen", "Jin-woo Han",
           "Emma Collins"],
}
OWNERS = {
    "ko": ["정태호", "이도윤", "윤성진", "최유나", "강소연 (광고주)", "한지민"],
    "zh-CN": ["王伟", "李娜", "赵敏", "孙浩", "周婷（客户方）", "吴昊"],
    "zh-TW": ["張志明", "陳怡君", "林家豪", "黃雅婷", "李宗翰（客戶方）", "蔡佩珊"],
    "en": ["Tae-ho Jung", "Jin-woo Han", "Sora Lee", "Jun-ho Park (client)", "Mia Wong",
           "Alex Kim"],
}
TASKS = {
    "ko": ["1차 크리에이티브 시안 광고주 보고", "편의점 POP 규격 및 입고 일정 확인",
           "키 비주얼 수정 및 제품 패키지 컷 합성", "온라인 영상 촬영 콘티 작성",
           "법무 검토 요청 (표기 문구)", "영상 촬영 (1일차)", "SNS 카드뉴스 3종 카피 작성",
           "옥외 광고 본계약 및 시안 심의 접수", "검색 광고 키워드 재정비", "인플루언서 섭외 리스트 확정",
           "월간 성과 리포트 작성", "랜딩 페이지 A/B 테스트 설계"],
    "zh-CN": ["第一轮创意提案汇报", "小红书 KOL 合作名单确认", "微信公众号推文排期",
              "线下快闪店场地踏勘", "品牌主视觉修改", "直播带货脚本撰写", "抖音短视频拍摄",
              "媒介投放排期表更新", "月度数据分析报告", "电商详情页改版", "新品发布会流程确认",
              "用户调研问卷设计"],
    "zh-TW": ["第一輪創意提案簡報", "Instagram 貼文排程", "門市 POP 設計定稿",
              "網紅合作名單確認", "品牌主視覺修改", "電視廣告腳本撰寫", "YouTube 短片拍攝",
              "媒體採購排程更新", "月度成效報告", "官網活動頁改版", "記者會流程確認",
              "消費者訪談整理"],
    "en": ["Media plan presentation", "Final hero video delivered to media team",
           "Naver banner adaptations (6 sizes)", "Audience set-up on YouTube and Naver",
           "Meta ad account set-up", "Campaign tracking links and UTM sheet",
           "Pre-launch QA of all placements", "Influencer shortlist review",
           "Monthly performance report", "Landing page copy update", "Press kit translation",
           "Retail display mock-ups"],
}
NOTES = {
    "ko": ["광고주 피드백 반영 중", "촬영 장소 후보 2곳 답사 완료", "원료 성적서 추가 제출 요청받음",
           "예산 승인 대기"],
    "zh-CN": ["客户反馈已收到，修改中", "等待客户法务审核", "预算待审批", "场地已预订"],
    "zh-TW": ["客戶回饋修改中", "等待客戶法務審核", "預算待核准", "場地已預約"],
    "en": ["Waiting for the client's business verification", "Client feedback received",
           "Budget approval pending", "Shoot location confirmed"],
}
SUMMARIES = {
    "ko": ["1차 시안 보고를 마치고 광고주 피드백(B안 선호)을 반영 중.",
           "옥외 광고 지면은 지하철 2호선 스크린도어로 가계약 완료.\n다음 주 본계약 예정.",
           "검색 광고 효율 개선을 위해 키워드를 재정비함. CPC 12% 하락."],
    "zh-CN": ["第一轮创意提案已完成，客户倾向于B方案，正在修改。",
              "小红书投放效果超出预期，互动率提升18%。\n下周开始第二波投放。",
              "线下快闪店选址基本确定，等待客户最终确认。"],
    "zh-TW": ["第一輪創意提案已完成，客戶偏好B案，修改中。",
              "Instagram 互動率較上週提升 12%。\n下週開始第二波投放。",
              "門市 POP 設計已定稿，下週送印。"],
    "en": ["The media plan was presented on Friday and approved with one change.",
           ("Creative adaptations for Naver are in progress.\nThe Meta ad account is still "
            "waiting for verification."),
           "Teaser views are 20% above target after the first week."],
}
ISSUES = {
    "ko": [("법무 검토 지연", "런칭 일정 1주 지연 가능", "광고주 법무팀에 일정 확인 요청"),
           ("촬영 예산 초과 우려", "추가 비용 약 300만 원", "광고주와 범위 조정 협의")],
    "zh-CN": [("客户法务审核延迟", "上线时间可能推迟一周", "请客户加快审核"),
              ("KOL 报价上涨", "预算超支约 8%", "与客户协商调整名单")],
    "zh-TW": [("客戶法務審核延遲", "上線時間可能延後一週", "請客戶加速審核"),
              ("網紅報價上漲", "預算超支約 8%", "與客戶協商調整名單")],
    "en": [("Meta business verification pending", "Meta placements cannot launch on time",
            "Client to escalate with their Meta partner manager"),
           ("Shoot budget at risk", "About 5% over budget", "Agree on a reduced scope")],
}
STATUSES = ("done", "in_progress", "planned", "blocked")
STATUS_LABELS = {"done": "완료 / 已完成 / Done", "in_progress": "진행 중 / 进行中 / In progress",
                 "planned": "예정 / 计划中 / Planned", "blocked": "보류 / 受阻 / Blocked"}
FIRST_MONDAY = dt.date(2026, 9, 7)
N_ACCOUNTS = len(ADVERTISERS) * len(LINES)  # 500 distinct client names
N_WEEKS = 10


def client_name(account: int) -> tuple[str, str]:
    """Client name and locale of account ``account`` (0 ≤ account < 500)."""
    adv, locale = ADVERTISERS[account % len(ADVERTISERS)]
    line = LINES[(account // len(ADVERTISERS)) % len(LINES)][_LANG_COL[locale]]
    return f"{adv} {line}", locale


def make_record(i: int) -> dict[str, Any]:
    """Weekly record ``i`` (deterministic; (client, week) unique for i < 5,000)."""
    rnd = random.Random(SEED * 10_007 + i)
    account = i % N_ACCOUNTS
    name, locale = client_name(account)
    week = (account + i // N_ACCOUNTS) % N_WEEKS
    monday = FIRST_MONDAY + dt.timedelta(weeks=week)
    lang = locale
    tasks = []
    for k in range(rnd.randint(6, 10)):
        status = STATUSES[rnd.randrange(4)]
        task: dict[str, Any] = {
            "task": TASKS[lang][(i + k * 5) % len(TASKS[lang])],
            "status": status,
            "owner": rnd.choice(OWNERS[lang]),
        }
        if status != "planned":
            task["progress"] = 100 if status == "done" else rnd.randrange(10, 95, 5)
        task["due"] = (monday + dt.timedelta(days=rnd.randint(0, 11))).isoformat()
        if rnd.random() < 0.3:
            task["note"] = rnd.choice(NOTES[lang])
        tasks.append(task)
    record: dict[str, Any] = {
        "locale": locale,
        "client": {"name": name},
        "week_start": monday.isoformat(),
        "author": PEOPLE[lang][i % len(PEOPLE[lang])],
        "summary": SUMMARIES[lang][i % len(SUMMARIES[lang])],
        "tasks": tasks,
    }
    n_issues = rnd.choice((0, 1, 1, 2))
    if n_issues:
        record["issues"] = [dict(zip(("issue", "impact", "action"), ISSUES[lang][k]))
                            for k in range(n_issues)]
    return record


def make_records(n: int) -> list[dict[str, Any]]:
    return [make_record(i) for i in range(n)]


def sheet_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the task sheet carries it (no issues)."""
    return {k: v for k, v in record.items() if k != "issues"}


def docxtpl_context(record: dict[str, Any]) -> dict[str, Any]:
    """What the docxtpl side renders: the record plus ``week_end`` computed by hand."""
    ctx = dict(record)
    ctx["week_end"] = (dt.date.fromisoformat(record["week_start"])
                       + dt.timedelta(days=6)).isoformat()
    return ctx


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def write_json(records: list[dict[str, Any]], path: Path) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


SHEET_COLUMNS = ["client", "locale", "week_start", "author", "summary", "tasks.task",
                 "tasks.status", "tasks.owner", "tasks.progress", "tasks.due", "tasks.note"]


def write_task_sheet(records: list[dict[str, Any]], path: Path) -> Path:
    """One row per task, record-level columns repeated on every row of a record."""
    import openpyxl

    names = [r["client"]["name"] for r in records]
    if len(set(names)) != len(names):
        raise ValueError("--group-by client needs one client per record (N <= 500)")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "tasks"
    ws.append(SHEET_COLUMNS)
    for rec in records:
        for t in rec["tasks"]:
            ws.append([rec["client"]["name"], rec["locale"],
                       dt.date.fromisoformat(rec["week_start"]), rec["author"], rec["summary"],
                       t["task"], t["status"], t["owner"], t.get("progress"),
                       dt.date.fromisoformat(t["due"]), t.get("note")])
    for row in ws.iter_rows(min_row=2):
        row[2].number_format = row[9].number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# Template
# ---------------------------------------------------------------------------

_FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)

STATUS_EXPR = ("{{ " + "{" + ", ".join(f'"{k}": "{v}"' for k, v in STATUS_LABELS.items())
               + "}[t.status] }}")
PROGRESS_EXPR = ('{{ t.progress ~ "%" if t.progress is defined and t.progress is not none '
                 'else "—" }}')
COUNT_LINE = " · ".join(
    f'{label.split(" / ")[0]} {{{{ tasks|selectattr("status", "equalto", "{key}")|list|length }}}}'
    for key, label in STATUS_LABELS.items())


def build_template(path: Path) -> Path:
    """Write the benchmark's weekly template to ``path`` (deterministic bytes)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    d.core_properties.created = d.core_properties.modified = _FIXED_TIME
    d.core_properties.author = "docgen benchmark"
    d.core_properties.last_modified_by = "docgen benchmark"
    d.core_properties.revision = 1
    style = d.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK KR")

    sec = d.sections[0]
    sec.header.paragraphs[0].text = "{{ client.name }} — 주간 업무 보고 / 工作周报"
    sec.footer.paragraphs[0].text = "{{ author }} · {{ week_start }}"

    title = d.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("주간 업무 보고 / 工作周报 / Weekly Report")
    run.bold = True
    run.font.size = Pt(16)

    def field_line(label: str, value: str) -> None:
        p = d.add_paragraph()
        p.add_run(label + ": ").bold = True
        p.add_run(value)

    field_line("광고주 / 客户 / Client", "{{ client.name }}")
    field_line("보고 기간 / 报告周期 / Period", "{{ week_start }} ~ {{ week_end }}")
    field_line("작성자 / 填报人 / Reported by", "{{ author }}")

    d.add_paragraph("{%p if summary %}")
    d.add_paragraph().add_run("요약 / 本周概要 / Summary").bold = True
    d.add_paragraph("{{ summary }}")
    d.add_paragraph("{%p endif %}")

    d.add_paragraph().add_run("업무 내역 / 工作事项 / Tasks ({{ tasks|length }})").bold = True
    heads = ["No.", "업무 내용 / 工作内容 / Task", "담당자 / 负责人 / Owner",
             "진행률 / 进度 / Progress", "상태 / 状态 / Status", "기한 / 截止 / Due",
             "비고 / 备注 / Note"]
    cells = ["{{ loop.index }}", "{{ t.task }}", "{{ t.owner }}", PROGRESS_EXPR, STATUS_EXPR,
             "{{ t.due }}", "{{ t.note }}"]
    table = d.add_table(rows=4, cols=len(heads))
    table.style = "Table Grid"
    for c, text in enumerate(heads):
        table.cell(0, c).paragraphs[0].add_run(text).bold = True
    table.cell(1, 0).text = "{%tr for t in tasks %}"
    for c, text in enumerate(cells):
        table.cell(2, c).text = text
    table.cell(3, 0).text = "{%tr endfor %}"

    d.add_paragraph(COUNT_LINE)

    d.add_paragraph("{%p if issues %}")
    d.add_paragraph().add_run("이슈 및 요청 사항 / 问题及需协调事项 / Issues").bold = True
    d.add_paragraph("{%p for i in issues %}")
    d.add_paragraph("{{ loop.index }}. {{ i.issue }} — {{ i.impact }} → {{ i.action }}")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("— 끝 / 完 / End —")

    buf = io.BytesIO()
    d.save(buf)
    # fixed member timestamps and order: same bytes on every run
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, src.read(name))
    path.write_bytes(out.getvalue())
    return path


def build_all(folder: Path, n: int) -> dict[str, Path]:
    """Template, JSON list and (N ≤ 500) task sheet of N records in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    records = make_records(n)
    files = {"template": build_template(folder / TEMPLATE_NAME),
             "json": write_json(records, folder / f"weekly_{n}.json")}
    if n <= N_ACCOUNTS:
        files["xlsx"] = write_task_sheet(records, folder / f"weekly_{n}_tasks.xlsx")
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="write the batch benchmark's template and data")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--records", type=int, default=500)
    args = ap.parse_args(argv)
    for kind, path in build_all(args.folder, args.records).items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
