"""Build ``samples/batch/weekly_tasks.xlsx`` and ``.csv``: one task sheet, many clients.

The Monday job's input as an AE keeps it: one row per task, the client in every row,
headers as Korean labels. Render it with::

    docgen batch weekly samples/batch/weekly_tasks.xlsx --group-by 고객사 -o out/

Deterministic: fixed workbook dates and zip timestamps, so the files can be committed.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Font, PatternFill

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stable_zip import normalize_zip  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "samples" / "batch"
HEADER = ["고객사", "언어", "week_start", "작성자", "요약", "업무 내용", "상태", "담당자", "진행률(%)", "기한", "비고"]
ROWS = [
    ("한일식품", "ko", "김하늘", "설 선물세트 캠페인 시안 확정, 매체 집행 준비 중", [
        ("설 선물세트 TV 광고 시안 확정", "done", "박지현", 100, "2026-11-24", ""),
        ("온라인 배너 12종 제작", "in_progress", "이서준", 60, "2026-11-27", "2차 수정 중"),
        ("유튜브 프리롤 집행 계획", "planned", "김민수", 0, "2026-12-02", ""),
        ("편의점 POP 인쇄 견적", "blocked", "최유나", 30, "2026-11-26", "광고주 예산 확정 대기")]),
    ("上海华阳化妆品", "zh-CN", "王磊", "双十二直播预热素材完成，小红书投放进行中", [
        ("双十二直播预热海报", "done", "刘婷", 100, "2026-11-24", ""),
        ("小红书达人投放", "in_progress", "陈晨", 70, "2026-11-28", "已上线 6 篇"),
        ("年终复盘报告", "planned", "王磊", 0, "2026-12-04", "")]),
    ("台北山嵐咖啡", "zh-TW", "林怡君", "冬季新品包裝定稿，門市陳列物製作中", [
        ("冬季新品包裝設計定稿", "done", "張志明", 100, "2026-11-23", ""),
        ("門市陳列物製作", "in_progress", "黃雅婷", 50, "2026-11-30", ""),
        ("社群貼文排程（12 月）", "planned", "林怡君", 0, "2026-12-01", "")]),
    ("Northline Sports Korea", "en", "Sora Lee", "Winter campaign creative approved; paid social live", [
        ("Winter campaign key visual", "done", "Daniel Kim", 100, "2026-11-24", ""),
        ("Paid social flight 1", "in_progress", "Sora Lee", 40, "2026-12-05", "CTR 1.8%"),
        ("Influencer shortlist", "planned", "Emma Collins", 0, "2026-12-03", "")]),
]


def rows() -> list[list[object]]:
    out: list[list[object]] = []
    for client, locale, author, summary, tasks in ROWS:
        for task, status, owner, progress, due, note in tasks:
            out.append([client, locale, dt.date(2026, 11, 23), author, summary, task, status,
                        owner, progress, dt.date.fromisoformat(due), note])
    return out


def build_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "업무"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE4EE")
    for row in rows():
        ws.append(row)
    for col, width in zip("ABCDEFGHIJK", (22, 8, 12, 12, 40, 30, 12, 12, 10, 12, 24)):
        ws.column_dimensions[col].width = width
    for r in range(2, ws.max_row + 1):
        ws[f"C{r}"].number_format = ws[f"J{r}"].number_format = "yyyy-mm-dd"
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue())


def build_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows():
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")  # Excel opens BOM-marked UTF-8 correctly


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    (out / "weekly_tasks.xlsx").write_bytes(build_xlsx())
    (out / "weekly_tasks.csv").write_bytes(build_csv())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
