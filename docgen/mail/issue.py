"""With ``[ledger]``, every report ``docgen send`` attaches is an issued document.

A report that goes to a client must be the one the ledger holds: numbered (the
kind's ``x-number-field``, weekly ``document_number``), archived and recorded, exactly
as ``docgen render --issue`` / ``batch --issue`` make it — through the same ledger
API (:meth:`Ledger.chunk <docgen.ledger.store.Ledger.chunk>`, the same cross-document
checks, the same template hash), never a draft and never a document without its
number.

Which document a report is (so that reruns take no second number):

* the ledger's issued documents of the kind for the report's client and week (a
  weekly's issue date is its week's Monday) are compared by **record hash**: the
  archived record is the input record with its number in the number field, so the
  report's record with a candidate's number put in hashes the same exactly when it
  is that document's content. A match is **the same document**: attached from the
  archive as issued (a format not archived yet is made from the archived Word file or
  the record with its number, and added to the archive);
* no match but documents exist for that client and week: the record changed — it is
  issued as the **next revision** of the latest (``WKR-2026-0007-R1``), the ledger's
  own rule for a record carrying an issued number;
* nothing for that client and week: the **next number** of the series.

The records are issued :data:`~docgen.ledger.batch_issue.ISSUE_CHUNK` per
transaction; the ``mail_sent`` row of each report (``issued``, with the document's id
and number) is written in the same transaction, so a number is never taken without
the row that says which e-mail carries it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RowMapping

    from ..kinds import Kind
    from ..ledger.store import Ledger
    from ..profile import Profile
    from ..template import Template
    from .run import Planned
    from .sentlog import LedgerSent, SentEntry


@dataclass
class Handed:
    """The issued document one message carries."""

    document_id: int
    number: str  # as the document shows it
    files: dict[str, bytes]  # by attached format
    new: bool  # issued by this run (a number or revision taken)


class Issuer:
    """Finds or issues the document of each report (see the module docstring)."""

    def __init__(self, ledger: "Ledger", kind: "Kind", profile: "Profile",
                 templates: Mapping[str, "Template"], attach: Sequence[str]) -> None:
        from ..api import fonts_for
        from ..ledger.issuing import default_checks, number_field, templates_sha256

        self.ledger, self.kind, self.profile = ledger, kind, profile
        self.templates, self.attach = templates, list(attach)
        self.field = number_field(kind)
        self.checks = default_checks(ledger)
        self.template_sha256 = templates_sha256(templates)
        self.fonts = fonts_for(profile)

    # --- which document ------------------------------------------------------------

    def _given(self, p: "Planned") -> str:
        value = p.source.record.data.get(self.field) if self.field else None
        return str(value or "").strip()

    def identify(self, conn: "Connection", p: "Planned"
                 ) -> tuple[Optional["RowMapping"], Optional["RowMapping"]]:
        """(the issued document with this record's content, the latest issued document
        of the report's client and week); either may be ``None``."""
        from ..ledger import numbering
        from ..ledger.store import canonical_json, client_key

        data = p.source.record.data
        week = p.context.get("week_start")
        rows = [r for r in self.ledger.documents(
            kind=self.kind.name, client_key=client_key(data.get("client")), status="issued",
            conn=conn) if r["issue_date"] == week]
        given = self._given(p)
        if given:  # a record carrying its number: that number's documents only
            base = numbering.split(given)[0]
            rows = [r for r in rows if r["number"] == base]
        for row in reversed(rows):
            shown = numbering.shown(row["number"], row["revision"])
            candidate = {**data, self.field: shown} if self.field else dict(data)
            if hashlib.sha256(canonical_json(candidate)).hexdigest() == row["record_sha256"]:
                return row, rows[-1]
        return None, (rows[-1] if rows else None)

    # --- issuing ---------------------------------------------------------------------

    def hand_over(self, todo: Sequence["Planned"], store: "LedgerSent",
                  reset: Mapping[str, bool]) -> dict[str, Handed]:
        """Each report's issued document (found or issued now), its ``mail_sent`` row
        written with it; by the report's key. ``reset``: the keys whose row goes
        (back) to ``issued``."""
        from ..ledger.batch_issue import ISSUE_CHUNK

        out: dict[str, Handed] = {}
        found: dict[str, tuple[Optional["RowMapping"], Optional["RowMapping"]]] = {}
        with self.ledger.reading() as conn:
            for p in todo:
                found[p.key] = self.identify(conn, p)
        same = [p for p in todo if found[p.key][0] is not None]
        if same:
            with self.ledger.connection() as conn:
                for p in same:
                    row = found[p.key][0]
                    assert row is not None
                    handed = self._archived(conn, p, row)
                    self._note(p, handed)
                    store.hand(conn, self._entry(p), reset=reset.get(p.key, True))
                    out[p.key] = handed
        fresh = [p for p in todo if found[p.key][0] is None]
        for start in range(0, len(fresh), ISSUE_CHUNK):
            part = fresh[start:start + ISSUE_CHUNK]
            out.update(self._issue(part, {p.key: found[p.key][1] for p in part}, store,
                                   reset))
        return out

    def _issue(self, part: Sequence["Planned"], latest: Mapping[str, Optional["RowMapping"]],
               store: "LedgerSent", reset: Mapping[str, bool]) -> dict[str, Handed]:
        from ..api import render_templates
        from ..ledger import numbering
        from ..ledger.issuing import located_checks
        from .run import _pdfs

        out: dict[str, Handed] = {}
        with self.ledger.chunk(durable=True) as batch:
            planned = []
            rendered: list[dict[str, bytes]] = []
            for p in part:
                data = dict(p.source.record.data)
                before = latest.get(p.key)
                if self.field and not self._given(p) and before is not None:
                    # a changed report of a week already issued: the ledger's revision
                    data[self.field] = numbering.shown(before["number"], before["revision"])
                doc = batch.plan(self.kind.name, data, number_field=self.field,
                                 checks=located_checks(self.checks, p.source.record.source),
                                 facts=p.context, locale=p.locale.code,
                                 template_sha256=self.template_sha256)
                if self.field:
                    p.context[self.field] = doc.shown
                rendered.append(self._render(p, doc.shown, render_templates))
                planned.append(doc)
            if "pdf" in self.attach:
                for files, pdf in zip(rendered, _pdfs([r["docx"] for r in rendered])):
                    files["pdf"] = pdf
            for p, doc, files in zip(part, planned, rendered):
                attached = {fmt: files[fmt] for fmt in self.attach}
                batch.add_files(doc, {fmt: (f"{p.stem}.{fmt}", batch.put(blob), len(blob))
                                      for fmt, blob in attached.items()})
            batch.finish()  # the rows get their ids
            for p, doc, files in zip(part, planned, rendered):
                assert doc.id is not None
                handed = Handed(doc.id, doc.shown, {fmt: files[fmt] for fmt in self.attach},
                                True)
                self._note(p, handed)
                store.hand(batch.conn, self._entry(p), reset=reset.get(p.key, True))
                out[p.key] = handed
        return out

    def _render(self, p: "Planned", shown: str, render: Any) -> dict[str, bytes]:
        file = p.source.record.source.file
        base = str(Path(file).parent) if file else "."
        files: dict[str, bytes] = render(self.templates, p.context, p.locale, fonts=self.fonts,
                                         base_dir=base, number=shown)
        return files

    def _archived(self, conn: "Connection", p: "Planned", row: "RowMapping") -> Handed:
        """The issued document's files from the archive; formats not archived yet are
        made (PDF from the archived Word file, else from the record with its number)
        and added to the archive and its files."""
        from ..api import render_templates
        from ..ledger import numbering
        from ..ledger.schema import files as files_table
        from .run import _pdfs

        shown = numbering.shown(row["number"], row["revision"])
        if self.field:
            p.context[self.field] = shown
        archive = self.ledger.archive
        have = {f["format"]: archive.get(f["sha256"])
                for f in self.ledger.files_of(row["id"], conn=conn)}
        missing = [fmt for fmt in self.attach if fmt not in have]
        if missing:
            need = [fmt for fmt in missing if fmt != "pdf"]
            if "pdf" in missing and "docx" not in have:
                need.append("docx")
            made = self._render(p, shown, render_templates) if need else {}
            templates = self.templates
            for fmt in need:
                if fmt not in templates:
                    made.pop(fmt, None)
            if "pdf" in missing:
                (made["pdf"],) = _pdfs([have.get("docx") or made["docx"]])
            from ..ledger.store import put_object
            for fmt in missing:
                blob = made[fmt]
                conn.execute(files_table.insert().values(
                    document_id=row["id"], format=fmt, name=f"{p.stem}.{fmt}",
                    sha256=put_object(archive, blob), size=len(blob)))
                have[fmt] = blob
        return Handed(int(row["id"]), shown, {fmt: have[fmt] for fmt in self.attach}, False)

    def _note(self, p: "Planned", handed: Handed) -> None:
        p.number, p.document_id = handed.number, handed.document_id

    def _entry(self, p: "Planned") -> "SentEntry":
        from .sentlog import ISSUED, SentEntry
        return SentEntry(key=p.key, state=ISSUED, kind=self.kind.name, client=p.client,
                         period=p.period, record_sha256=p.sha256, recipients=p.recipients,
                         document_number=p.number, document_id=p.document_id)


__all__ = ["Issuer", "Handed"]
