"""Words the ledger reports print (headers, bucket and state names), in the run's language.

Shared by the text and the workbook reports so both say the same thing.
"""
from __future__ import annotations

from ..i18n.locale import DocLocale
from ..messages import N_, tr
from .aging import BUCKETS

_BUCKET_LABELS = (N_("0–30 days"), N_("31–45 days"), N_("46–60 days"), N_("over 60 days"))
assert len(_BUCKET_LABELS) == len(BUCKETS)

# Column headers of the receivables report, by field.
_HEADERS = {
    "number": N_("Invoice"),
    "job_number": N_("Job"),
    "client": N_("Client"),
    "ae": N_("AE"),
    "currency": N_("Currency"),
    "issue_date": N_("Issued"),
    "due_date": N_("Due"),
    "age_days": N_("Age (days)"),
    "past_due_days": N_("Days past due"),
    "bucket": N_("Age bucket"),
    "total": N_("Total"),
    "paid": N_("Paid"),
    "outstanding": N_("Outstanding"),
    "count": N_("Invoices"),
}

_STATES = {
    "opened": N_("opened"),
    "briefed": N_("briefed"),
    "delivered": N_("delivered"),
    "signed": N_("signed"),
    "invoiced": N_("invoiced"),
    "paid": N_("paid"),
}

_STATUSES = {"issued": N_("issued"), "void": N_("void")}


def bucket_label(locale: DocLocale, index: int) -> str:
    return tr(locale, _BUCKET_LABELS[index])


def bucket_labels(locale: DocLocale) -> list[str]:
    return [tr(locale, text) for text in _BUCKET_LABELS]


def header(locale: DocLocale, name: str) -> str:
    return tr(locale, _HEADERS[name])


def state_label(locale: DocLocale, state: str) -> str:
    return tr(locale, _STATES[state]) if state in _STATES else state


def status_label(locale: DocLocale, status: str) -> str:
    return tr(locale, _STATUSES[status]) if status in _STATUSES else status


def unnamed(locale: DocLocale) -> str:
    """What a group without a name (an invoice with no AE) is called."""
    return tr(locale, N_("(none)"))
