"""Writes of the imports app: record an upload, preview it, confirm it.

Small files run inside the request; files above ``IMPORT_BACKGROUND_ROWS`` data rows (2,000 by
default) run as a Celery task, reporting progress through the cache so the job page's progress
bar survives a reload. Either way the job row records who, when, the file's name, size and
SHA-256, the counts, every error and a downloadable error report. The stored files are deleted
``IMPORT_FILE_RETENTION_DAYS`` after the job finished (``import_files_purge``, daily by beat);
the job row and its error list stay.
"""

import hashlib
import io
import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.text import clean_text
from imports.engine.export import write_error_report
from imports.engine.pipeline import Importer, ImportResult
from imports.engine.reader import ImportFileError, check_size, count_rows
from imports.models import ImportJob

logger = logging.getLogger(__name__)
ERRORS_KEPT = 20_000


# A background job still "running" this long after it was queued or started lost its worker
# for good (Celery's hard time limit is CELERY_TASK_TIME_LIMIT; a killed worker's message is
# redelivered first, thanks to acks_late). Long enough for a queue of a few large files.
STALE_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
# A job run inside a request or a command has no worker to come back: past a request's longest
# possible life (gunicorn's timeout is far shorter) its process is gone.
STALE_FOREGROUND_AFTER = timedelta(minutes=30)


def background_threshold() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", 2000)


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_job_create(
    *,
    user,
    entity: str,
    upload,
    file_name: str,
    skip_invalid: bool = False,
    ignore_unknown: bool = False,
    source: str = ImportJob.Source.WEB,
) -> ImportJob:
    """Record an upload. A file over the size limit is recorded as failed and not stored."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    job = ImportJob(
        entity=entity,
        user=user,
        source=source,
        file_name=os.path.basename(file_name)[:255] or "upload",
        file_size=size,
        skip_invalid=skip_invalid,
        ignore_unknown=ignore_unknown,
    )
    try:
        check_size(size)
    except ImportFileError as error:
        _fail(job, str(error))
        return job
    job.checksum = _sha256(upload)
    extension = os.path.splitext(file_name)[1].lower()[:8]
    job.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    job.save()
    return job


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save()


def import_job_start(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Preview (``dry_run``) or write the job's file: inline when small, in Celery when large."""
    if job.status == ImportJob.Status.FAILED and not job.file:
        return job
    try:
        with job.file.open("rb") as handle:
            rows = count_rows(handle.read(), filename=job.file_name)
    except Exception:  # noqa: BLE001 - the run itself reports the problem and records it
        rows = 0
    job.background = rows > background_threshold()
    job.status = ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.IMPORTING
    job.rows_total = rows
    job.started_at = timezone.now()  # when this run was asked for; the stale check reads it
    job.save(update_fields=["background", "status", "rows_total", "started_at"])
    if job.background:
        cache.set(job.progress_key, {"stage": "queued", "done": 0, "total": rows}, 6 * 3600)
        transaction.on_commit(lambda: _enqueue(job.pk, dry_run))
        return job
    return import_job_run(job=job, dry_run=dry_run)


def _enqueue(job_id: int, dry_run: bool) -> None:
    from imports.tasks import run_import_job  # noqa: PLC0415 - tasks import this module

    try:
        result = run_import_job.delay(job_id, dry_run)
    except Exception as error:  # noqa: BLE001 - the broker is down: end the job, say why
        logger.exception("could not queue import job %s", job_id)
        ImportJob.objects.filter(pk=job_id, status__in=ImportJob.RUNNING).update(
            status=ImportJob.Status.FAILED,
            message=_("任务队列暂不可用，无法在后台执行导入，未写入任何数据，请稍后重试：%(e)s")
            % {"e": error},
            finished_at=timezone.now(),
        )
        cache.delete(ImportJob(pk=job_id).progress_key)
        return
    # Eager runs have finished by now and saved the job; only note the id of a queued task.
    ImportJob.objects.filter(pk=job_id, status__in=ImportJob.RUNNING).update(
        task_id=result.id or ""
    )


def import_job_confirm(*, job: ImportJob, user, skip_invalid: bool | None = None) -> ImportJob:
    """Write a previewed job, on behalf of the user who uploaded it."""
    if user != job.user and not getattr(user, "is_admin", False):
        raise PermissionDenied(_("只能确认自己上传的导入。"))
    if job.status != ImportJob.Status.PREVIEWED:
        raise PermissionDenied(
            _("该导入当前不能确认（状态：%(s)s）。") % {"s": job.get_status_display()}
        )
    if not job.file:
        raise PermissionDenied(_("该导入的文件已超过保留期限被删除，不能再确认，请重新上传。"))
    if skip_invalid is not None:
        job.skip_invalid = skip_invalid
        job.save(update_fields=["skip_invalid"])
    return import_job_start(job=job, dry_run=False)


def import_job_run(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Run the pipeline on the job's stored file and record the outcome. The ``ImportResult`` is
    left on ``job.result`` for callers that print it (the management command).

    Whatever stops the run (a file the pipeline cannot read, a fault while it runs or while its
    outcome and error report are stored), the job ends recorded as failed with a Chinese reason,
    never left "running": the run and its recording sit in a savepoint, so a database error
    cannot leave the transaction unusable for writing the failure."""
    job.started_at = timezone.now()
    job.status = ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.IMPORTING
    job.save(update_fields=["started_at", "status"])
    last = {"done": -1}

    def progress(stage, done, total):
        if done - last["done"] >= 500 or stage != last.get("stage") or done == total:
            last.update(done=done, stage=stage)
            cache.set(job.progress_key, {"stage": stage, "done": done, "total": total}, 6 * 3600)

    try:
        with transaction.atomic():
            result = _run(job, dry_run=dry_run, progress=progress)
            _record(job, result, dry_run=dry_run)
    except BaseException as error:  # noqa: BLE001 - a job must end recorded, never "running"
        logger.exception("import job %s failed", job.pk)
        if isinstance(error, SoftTimeLimitExceeded):
            reason = _(
                "导入超过后台任务的时间上限（%(m)d分钟），已终止，未写入任何数据。请拆分文件后重新导入。"
            ) % {"m": settings.CELERY_TASK_SOFT_TIME_LIMIT // 60}
        elif isinstance(error, Exception):
            reason = _("导入过程中发生意外错误，未写入任何数据：%(e)s") % {
                "e": clean_text(str(error))[:300] or type(error).__name__
            }
        else:  # Ctrl-C on the command, the worker shutting down: recorded, then let through
            reason = _("导入被中断，未写入任何数据，请重新导入。")
        result = ImportResult(entity=job.entity, file_name=job.file_name, file_error=reason)
        import_job_fail(job_id=job.pk, message=reason)
        cache.delete(job.progress_key)
        if not isinstance(error, Exception):
            raise
        job.refresh_from_db()
    cache.delete(job.progress_key)
    job.result = result
    return job


def _run(job: ImportJob, *, dry_run: bool, progress) -> ImportResult:
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        if not dry_run and job.checksum and hashlib.sha256(data).hexdigest() != job.checksum:
            raise ImportFileError(_("文件在预览之后被改动，请重新上传。"))
        importer = Importer(
            job.entity,
            user=job.user,
            skip_invalid=job.skip_invalid,
            ignore_unknown=job.ignore_unknown,
            file_name=job.file_name,
            progress=progress,
        )
        return importer.run(data, dry_run=dry_run)
    except ImportFileError as error:
        return ImportResult(entity=job.entity, file_name=job.file_name, file_error=str(error))


def import_job_fail(*, job_id: int, message: str) -> None:
    """End a job that stopped abnormally: failed, with ``message``, without its partial
    outcome. Only a job still running is changed; one recorded meanwhile keeps its record."""
    ImportJob.objects.filter(pk=job_id, status__in=ImportJob.RUNNING).update(
        status=ImportJob.Status.FAILED,
        message=message,
        written=False,
        finished_at=timezone.now(),
    )


def _record(job: ImportJob, result: ImportResult, *, dry_run: bool) -> None:
    job.sheet_name = result.sheet_name[:100]
    job.header_row = result.header_row
    job.rows_total = result.total
    job.new_count = result.new
    job.changed_count = result.changed
    job.unchanged_count = result.unchanged
    job.invalid_count = result.invalid
    job.written = result.written
    job.message = result.file_error
    job.errors = [error.as_dict() for error in result.errors[:ERRORS_KEPT]]
    job.notices = list(result.notices)
    if len(result.errors) > ERRORS_KEPT:
        job.notices.append(
            _("错误共%(n)d条，页面只保存前%(k)d条，完整列表见错误报告。")
            % {"n": len(result.errors), "k": ERRORS_KEPT}
        )
    job.changes = result.changes
    job.preview = result.preview
    if result.file_error:
        job.status = ImportJob.Status.FAILED
    elif dry_run:
        job.status = ImportJob.Status.PREVIEWED
    elif result.written:
        job.status = ImportJob.Status.DONE
    else:
        job.status = ImportJob.Status.REJECTED
    if result.errors or result.file_error:
        buffer = io.BytesIO()
        write_error_report(result, buffer)
        stem = os.path.splitext(job.file_name)[0][:60]
        job.error_report.save(
            f"{stem}_错误报告_{job.pk}.xlsx", ContentFile(buffer.getvalue()), save=False
        )
    job.finished_at = timezone.now()
    job.save()


def import_jobs_fail_stale(*, now=None) -> int:
    """Turn jobs nobody will finish into failed ones, saying so. Run whenever the import pages
    are opened; a job marked failed here that a worker picks up later is skipped.

    Background jobs lost their worker after ``STALE_AFTER``; a job run inside a request (or by
    the command) that is still "running" after ``STALE_FOREGROUND_AFTER`` lost its process (a
    killed web worker), and so did one still "pending" that no run ever started."""
    now = now or timezone.now()
    since = Coalesce("started_at", "created_at")
    stale = Q(background=True, since__lt=now - STALE_AFTER) | Q(
        background=False, since__lt=now - STALE_FOREGROUND_AFTER
    )
    return (
        ImportJob.objects.filter(status__in=ImportJob.RUNNING)
        .alias(since=since)
        .filter(stale)
        .update(
            status=ImportJob.Status.FAILED,
            message=_(
                "导入长时间未完成（处理进程中断或任务队列不可用），任务已终止，未写入任何数据，请重新上传。"
            ),
            finished_at=now,
        )
    )


# The job's stored files, deleted when the retention period has passed.
STORED_FILE_FIELDS = ("file", "error_report")
PURGE_BATCH = 500


@dataclass(frozen=True)
class PurgedFile:
    job_id: int
    job_file_name: str  # the name it was uploaded under
    kind: str  # which of STORED_FILE_FIELDS
    name: str  # its name in the storage (under MEDIA_ROOT)
    size: int | None  # None: already gone from the storage


@dataclass
class FilePurge:
    cutoff: datetime
    dry_run: bool
    files: list[PurgedFile] = field(default_factory=list)

    @property
    def jobs(self) -> int:
        return len({entry.job_id for entry in self.files})

    @property
    def size(self) -> int:
        return sum(entry.size or 0 for entry in self.files)


def import_files_purge(*, days: int | None = None, dry_run: bool = False, now=None) -> FilePurge:
    """Delete the uploaded file and error report of every import that finished more than
    ``days`` (default ``IMPORT_FILE_RETENTION_DAYS``) ago and clear the job's file fields. The
    rows stay: their counts and error lists are the audit trail. Jobs still queued or running
    are never touched; a file already missing from the storage is listed with no size.

    A file is deleted only after the transaction that stopped its row naming it has committed,
    so a rollback never leaves a row pointing at a deleted file."""
    if days is None:
        days = settings.IMPORT_FILE_RETENTION_DAYS
    purge = FilePurge(cutoff=(now or timezone.now()) - timedelta(days=days), dry_run=dry_run)
    expired = (
        ImportJob.objects.exclude(status__in=ImportJob.RUNNING)
        .filter(finished_at__lt=purge.cutoff)
        .exclude(file="", error_report="")
        .only("pk", "file_name", *STORED_FILE_FIELDS)
        .order_by("pk")
    )
    last_pk = 0
    while True:
        # Batches keep each transaction (and its row locks) short on the first run over years
        # of imports; locking the rows keeps a confirm of an old preview from racing the purge.
        with transaction.atomic():
            batch = list(expired.filter(pk__gt=last_pk).select_for_update()[:PURGE_BATCH])
            if not batch:
                break
            last_pk = batch[-1].pk
            doomed = []
            for job in batch:
                for name in STORED_FILE_FIELDS:
                    stored = getattr(job, name)
                    if stored.name:
                        purge.files.append(_purged_file(job, name, stored))
                        doomed.append((stored.storage, stored.name))
            if not dry_run:
                ImportJob.objects.filter(pk__in=[job.pk for job in batch]).update(
                    **dict.fromkeys(STORED_FILE_FIELDS, "")
                )
                transaction.on_commit(lambda doomed=doomed: _delete_stored(doomed))
    return purge


def _purged_file(job: ImportJob, kind: str, stored) -> PurgedFile:
    try:
        size = stored.storage.size(stored.name)
    except OSError:
        size = None
    return PurgedFile(job.pk, job.file_name, kind, stored.name, size)


def _delete_stored(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)  # a file already gone is no error
        except OSError:
            # The row no longer names it: an orphan on disk, not a broken record.
            logger.warning("could not delete the import file %s", name, exc_info=True)
