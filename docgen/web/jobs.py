"""Background jobs of the web pages: a batch or a mail run, each in its own process.

A job is a folder under the server's work dir with a random, unguessable name, bound
to the user who started it (anyone else gets 404, as for a job that never existed).
The run itself happens in a fresh Python process (``python -m docgen.web.jobs``), for three reasons that
must stay true:

* the CLI's code runs unchanged — ``run_batch`` forks its own worker pool, which is
  only safe from a single-threaded process, never from inside the web server;
* ``warnings`` (how docgen reports what it changed) are process-global: a process per
  run keeps one user's warnings out of another's page;
* a crash or a hung LibreOffice ends one job, not the server.

The child speaks through two files in the job folder: ``progress.json`` (phase,
done, total — rewritten atomically, read by the page's poll) and ``outcome.pickle``
(:class:`Outcome`, written once at the end). One job runs at a time per user; many
users' jobs run side by side. Jobs are removed after their download, and any job
older than :data:`MAX_AGE` seconds is removed (killed first if still running).
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import pickle
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from starlette.exceptions import HTTPException

from ..errors import DocgenError, DocgenWarning, Problem, ValidationFailed
from ..messages import N_

if TYPE_CHECKING:
    from ..profile import Profile

MAX_AGE = 3600.0  # seconds a job (and its files) is kept
PROGRESS = "progress.json"
OUTCOME = "outcome.pickle"
SPEC = "spec.pickle"
PHASES = ("queued", "checking", "rendering", "packing", "sending", "done", "failed")


@dataclass
class Outcome:
    """How a job ended: what it made (``archive``: a file in the job folder), its
    problems (validation errors, or the one error that stopped it, each located), the
    warnings, and whatever else the page shows (``detail``)."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    archive: Optional[str] = None
    # "validation" (the problems, nothing written), "error" (one docgen error),
    # "internal" (a bug: the detail has the text)
    failure: Optional[str] = None
    exit_code: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


class Progress:
    """The child's side of ``progress.json``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / PROGRESS
        self.counts = (0, 0)

    def __call__(self, phase: str, done: Optional[int] = None,
                 total: Optional[int] = None) -> None:
        """The run is in ``phase``; the counts stay as they were unless given."""
        self.counts = (self.counts[0] if done is None else done,
                       self.counts[1] if total is None else total)
        tmp = self.path.with_name(f".{PROGRESS}.{os.getpid()}")
        tmp.write_text(json.dumps({"phase": phase, "done": self.counts[0],
                                   "total": self.counts[1]}), encoding="utf-8")
        os.replace(tmp, self.path)


Task = Callable[[dict[str, Any], Path, Progress], Outcome]


def _child(folder: Path) -> None:
    """The job process: run the task ``spec.pickle`` names and leave its outcome."""
    progress = Progress(folder)
    spec = pickle.loads((folder / SPEC).read_bytes())  # written by our own server
    module, name = str(spec.pop("task")).split(":")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DocgenWarning)
            try:
                run: Task = getattr(importlib.import_module(module), name)
                outcome = run(spec, folder, progress)
            except ValidationFailed as exc:
                outcome = Outcome(False, list(exc.problems), failure="validation",
                                  exit_code=exc.exit_code)
            except DocgenError as exc:
                outcome = Outcome(False, [Problem.from_error(exc, location=exc.location)],
                                  failure="error", exit_code=exc.exit_code)
        seen: set[str] = set()
        for w in caught:  # the same warning from many documents is said once
            if isinstance(w.message, DocgenWarning) and str(w.message) not in seen:
                seen.add(str(w.message))
                outcome.warnings.append(Problem.from_warning(w.message))
    except Exception as exc:  # a bug: said as one, never a traceback on the page
        outcome = Outcome(False, failure="internal", exit_code=70,
                          detail={"error": f"{type(exc).__name__}: {exc}"})
    progress("done" if outcome.ok else "failed")
    tmp = folder / f".{OUTCOME}.tmp"
    tmp.write_bytes(pickle.dumps(outcome))
    os.replace(tmp, folder / OUTCOME)


@dataclass
class Job:
    """One run, as the server sees it."""

    id: str
    owner: int  # the user's id
    task: str
    folder: Path
    label: str  # what the page calls it (the uploaded file's name)
    created: float
    meta: dict[str, Any] = field(default_factory=dict)
    process: Optional["subprocess.Popen[bytes]"] = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def active(self) -> bool:
        """Not started yet, or running and not finished (its outcome not written)."""
        return self.process is None or (self.running and not (self.folder / OUTCOME).is_file())

    def progress(self) -> dict[str, Any]:
        """``{phase, done, total}``; a child that died without an outcome has failed."""
        try:
            state = json.loads((self.folder / PROGRESS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {"phase": "queued", "done": 0, "total": 0}
        if not self.running and self.outcome() is None and self.process is not None:
            state["phase"] = "failed"
        return {"phase": str(state.get("phase", "queued")), "done": int(state.get("done", 0)),
                "total": int(state.get("total", 0))}

    def outcome(self) -> Optional[Outcome]:
        """The outcome once the run has ended (a lost child: an internal failure)."""
        path = self.folder / OUTCOME
        if path.is_file():
            found = pickle.loads(path.read_bytes())  # written by our own child process
            assert isinstance(found, Outcome)
            return found
        if self.process is not None and self.process.poll() is not None:
            return Outcome(False, failure="internal", exit_code=70,
                           detail={"error": f"the job process ended with exit code "
                                            f"{self.process.returncode}"})
        return None


class Busy(HTTPException):
    """The user already has a job running (one at a time per user)."""

    def __init__(self, job: Job) -> None:
        super().__init__(status_code=409, detail=N_("You already have a job running; wait "
                                                    "for it to finish."))
        self.job = job


class JobRunner:
    """Every job of one server; thread-safe (handlers run in a thread pool)."""

    def __init__(self, root: Path, *, max_age: float = MAX_AGE) -> None:
        self.root = root
        self.max_age = max_age
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new(self, owner: int, task: str, label: str, *, exclusive: bool = True,
            **meta: Any) -> Job:
        """A job folder for ``owner`` (not started: the handler puts the upload in
        ``job.folder / "input"`` first); :class:`Busy` when one of theirs runs and the
        new one is ``exclusive`` (a batch or mail run; issuing one document is not)."""
        self.sweep()
        with self._lock:
            for job in self._jobs.values():
                if exclusive and job.meta.get("exclusive", True) and job.owner == owner \
                        and job.active:
                    raise Busy(job)
            meta["exclusive"] = exclusive
            job_id = secrets.token_urlsafe(18)
            folder = self.root / "jobs" / job_id
            (folder / "input").mkdir(parents=True)
            job = Job(job_id, owner, task, folder, label, time.time(), dict(meta))
            self._jobs[job_id] = job
        return job

    def start(self, job: Job, spec: dict[str, Any]) -> None:
        """Run the job's task with ``spec`` (picklable) in its own Python process, in a
        session of its own (a LibreOffice it starts is stopped with it)."""
        (job.folder / SPEC).write_bytes(pickle.dumps({**spec, "task": job.task}))
        package_root = str(Path(__file__).resolve().parents[2])  # docgen importable as here
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
        with (job.folder / "stderr.txt").open("wb") as err:  # for DOCGEN_DEBUG-style looks
            job.process = subprocess.Popen(
                [sys.executable, "-m", "docgen.web.jobs", str(job.folder)], cwd=job.folder,
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                start_new_session=True)

    def get(self, owner: int, job_id: str) -> Job:
        """The job ``job_id`` of ``owner``: 404 for someone else's, as for none."""
        self.sweep()
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise HTTPException(status_code=404)
        return job

    def owned(self, owner: int, task: Optional[str] = None) -> list[Job]:
        """``owner``'s jobs, newest first (only of ``task`` when given)."""
        self.sweep()
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.owner == owner
                    and (task is None or j.task == task)]
        return sorted(jobs, key=lambda j: j.created, reverse=True)

    def discard(self, job: Job) -> None:
        """Forget ``job`` and remove its files (killing its process if it still runs)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        if job.process is not None:
            if job.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if hasattr(os, "killpg"):  # its LibreOffice too
                        os.killpg(job.process.pid, signal.SIGKILL)
                    else:
                        job.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                job.process.wait(5)
        shutil.rmtree(job.folder, ignore_errors=True)

    def sweep(self, now: Optional[float] = None) -> None:
        """Remove the jobs older than ``max_age`` and reap finished processes."""
        moment = time.time() if now is None else now
        with self._lock:
            old = [j for j in self._jobs.values() if moment - j.created > self.max_age]
        for job in old:
            self.discard(job)

    def close(self) -> None:
        """Stop every job and remove every file (the server is stopping)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self.discard(job)


# --- the tasks (run in the job process) -------------------------------------------------

def _profile(spec: dict[str, Any]) -> "Profile":
    from ..profile import Profile

    found = spec.get("profile")
    return found if isinstance(found, Profile) else Profile()


def _zip(target: Path, files: list[Path]) -> None:
    """``files`` in one zip at ``target`` (by their names: they share one folder)."""
    import zipfile

    tmp = target.with_name(f".{target.name}.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, f.name)
    os.replace(tmp, target)


def batch_task(spec: dict[str, Any], folder: Path, progress: Progress) -> Outcome:
    """``docgen batch KIND FILE`` with the form's options, run in the upload's folder
    so every message names the file as the user knows it (``weekly.xlsx:업무!C4``) and
    the manifest says the same; the outputs and manifest.json zipped."""
    from ..api import check_formats, get_kind
    from ..batch import MANIFEST, run_batch

    profile = _profile(spec)
    os.chdir(folder / "input")
    out = folder / "out"
    progress("checking")
    refused = _unseen_clients(spec, profile, _NOT_YOURS_BATCH)
    if refused:
        raise ValidationFailed(refused)

    def rendered(done: int, total: int) -> None:
        progress("rendering", done, total)

    result = run_batch(kind=get_kind(str(spec["kind"]), profile), data=str(spec["file"]),
                       out_dir=out, formats=check_formats(list(spec.get("formats") or ["docx"])),
                       locale=spec.get("locale"), group_by=spec.get("group_by"),
                       sheet=spec.get("sheet"), name=spec.get("name"),
                       jobs=int(spec.get("jobs") or 2), profile=profile, progress=rendered)
    count = len(result.written)
    progress("packing", count, count)
    archive = f"{Path(str(spec['file'])).stem}.zip"
    _zip(folder / archive, [*result.written, out / MANIFEST])
    return Outcome(True, problems=list(result.problems), archive=archive,
                   detail={"files": [p.name for p in result.written]})


_NOT_YOURS_BATCH = N_("{client} is not one of your clients: you can make documents only "
                      "for your own clients")
_NOT_YOURS_MAIL = N_("{client} is not one of your clients: you can mail only your own clients")


def _unseen_clients(spec: dict[str, Any], profile: "Profile",
                    message: str = _NOT_YOURS_MAIL) -> list[Problem]:
    """A problem for each record of a client the user may not see (an AE makes and
    mails documents only for their own clients), at the record's place."""
    from ..api import get_kind
    from ..batch import check_data
    from ..pack import client_display_name
    from . import security

    user = spec.get("user")
    if not isinstance(user, security.User) or user.clients is None:
        return []
    kind = get_kind(str(spec["kind"]), profile)
    checked = check_data(kind, str(spec["file"]), group_by=spec.get("group_by"),
                         sheet=spec.get("sheet"), profile=profile)
    problems = []
    for src, _ in checked.valid:
        client = client_display_name(src.record.data.get("client")) or ""
        if not security.may_see_client(user, client):
            problems.append(Problem("client", "client_not_yours", message,
                                    location=src.origin, record=src.record.index,
                                    params={"client": client}))
    return problems


def mail_task(spec: dict[str, Any], folder: Path, progress: Progress) -> Outcome:
    """``docgen send weekly FILE`` (drafts, or ``--smtp``; ``--due``): drafts zipped,
    or what happened to each message."""
    from ..api import get_kind
    from ..mail.run import send_reports

    profile = _profile(spec)
    os.chdir(folder / "input")
    progress("checking")
    refused = _unseen_clients(spec, profile)
    if refused:
        raise ValidationFailed(refused)
    smtp = bool(spec.get("smtp"))
    drafts = folder / "drafts"
    progress("sending" if smtp else "rendering")
    report = send_reports(
        kind=get_kind(str(spec["kind"]), profile), data=str(spec["file"]), profile=profile,
        out_dir=Path(str(spec["log_dir"])) if smtp else drafts,
        attach=list(spec.get("attach") or ["pdf"]), group_by=spec.get("group_by"),
        sheet=spec.get("sheet"), smtp=smtp, due=bool(spec.get("due")),
        sender_factory=spec.get("sender_factory"))
    results: list[dict[str, Any]] = []

    def add(state: str, planned: Any, error: Optional[DocgenError] = None) -> None:
        results.append({"state": state, "client": planned.client, "period": planned.period,
                        "recipients": list(planned.recipients),
                        "problem": Problem.from_error(error) if error is not None else None})

    for p in report.sent:
        add("sent", p)
    for p, exc in report.failed:
        add("failed", p, exc)
    for p in report.unconfirmed:
        add("unconfirmed", p)
    for p in report.not_attempted:
        add("not_attempted", p)
    for p in report.already_sent:
        add("already_sent", p)
    for p in report.not_due:
        add("not_due", p)
    archive = None
    if report.drafts:
        archive = "drafts.zip"
        _zip(folder / archive, list(report.drafts))
    ok = not (report.failed or report.unconfirmed or report.not_attempted)
    return Outcome(ok, archive=archive, failure=None if ok else "mail", exit_code=0 if ok else 4,
                   detail={"results": results, "drafts": [p.name for p in report.drafts],
                           "smtp": smtp, "log": report.log})


if __name__ == "__main__":  # the job process: python -m docgen.web.jobs FOLDER
    if sys.path and sys.path[0] in ("", os.getcwd()):
        sys.path.pop(0)  # never import from the job's folder (it holds the upload)
    from docgen.web import jobs as _module  # pickles name docgen.web.jobs, not __main__

    _module._child(Path(sys.argv[1]))


def issue_task(spec: dict[str, Any], folder: Path, progress: Progress) -> Outcome:
    """``docgen render KIND FILE --issue`` for a record posted from the form: the number
    taken, the files rendered with it, archived and recorded (all or nothing), the
    files left in the job folder for download."""
    from ..api import fonts_for, get_kind, load_templates, prepare
    from ..inputs import Record, SourceMap
    from ..ledger.issuing import default_checks, issue_prepared, ledger_for

    profile = _profile(spec)
    kind = get_kind(str(spec["kind"]), profile)
    progress("checking")
    ready = prepare(kind, Record(dict(spec["record"]), SourceMap("")), locale=spec.get("locale"),
                    profile=profile)
    formats = list(spec.get("formats") or ["docx"])
    templates = load_templates(kind, formats, spec.get("template"), ready.locale)
    ledger = ledger_for(profile, issue=True)
    assert ledger is not None
    progress("rendering")
    try:
        row, paths = issue_prepared(ledger, ready, templates, formats=formats,
                                    out=folder / "out", fonts=fonts_for(profile),
                                    base_dir=None, checks=default_checks(ledger))
    finally:
        ledger.close()
    from ..ledger.numbering import shown

    return Outcome(True, detail={
        "number": shown(str(row["number"]), int(row["revision"] or 0)),
        "job_number": row.get("job_number"), "client": row.get("client"),
        "files": [p.name for p in paths]})
