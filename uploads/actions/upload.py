"""Storing an uploaded file: every row, with its deterministic externalRefID, then the dry run.

A file that cannot be read (uploads.reading.BadFile) stores nothing. A stored upload starts
its dry run in the background (uploads.tasks.run_dry_run, enqueued by name after commit).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.jobs import enqueue
from uploads.columns import KEYS
from uploads.models import ColumnMapping, Upload, UploadRow
from uploads.reading import NeedsMapping, ParsedFile, read_file

STORE_BATCH = 2000
# What identifies a reward in a row: every column but the client reference, which is mixed in
# on its own so two rows alike but for it are two rewards.
_CONTENT_KEYS = tuple(key for key in KEYS if key != "client_reference")


def normalised(key: str, value: str) -> str:
    value = " ".join(str(value).split())
    if key in {"utid", "currency", "delivery_method", "address_country"}:
        return value.upper()
    if key in {"account", "recipient_email", "sender_email"}:
        return value.lower()
    if key == "amount":
        try:
            return str(Decimal(value).quantize(Decimal("0.01")))
        except (InvalidOperation, ValueError):
            return value
    return value


def row_external_ref_id(values: dict[str, str]) -> str:
    """The same account, reward, recipient, details and client reference: the same id."""
    content = "\x1f".join(normalised(k, values.get(k, "")) for k in _CONTENT_KEYS)
    reference = normalised("client_reference", values.get("client_reference", ""))
    digest = hashlib.sha256(f"{content}\x1e{reference}".encode()).hexdigest()[:40]
    return f"{settings.TANGO_EXTERNAL_REF_PREFIX}-up-{digest}"


def header_set(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(headers).encode()).hexdigest()


def create_upload(
    *, name: str, data: bytes, actor: Actor, mapping: dict[str, str] | None = None
) -> Upload:
    """Read the file (BadFile: nothing stored), store its rows, start the dry run.

    Headers that differ from the template's raise NeedsMapping, unless a mapping is given
    (then remembered for this header set) or one was remembered for them.
    """
    limit = settings.UPLOAD_MAX_BYTES
    try:
        parsed = read_file(name, data, max_bytes=limit, mapping=mapping)
    except NeedsMapping as exc:
        remembered = ColumnMapping.objects.filter(header_set=header_set(exc.headers)).first()
        if mapping is not None or remembered is None:
            raise
        parsed = read_file(name, data, max_bytes=limit, mapping=remembered.mapping)
    with transaction.atomic():
        if mapping:
            ColumnMapping.objects.update_or_create(
                header_set=header_set(parsed.headers),
                defaults={
                    "headers": parsed.headers,
                    "mapping": mapping,
                    "updated_by": actor.user_or_none,
                },
            )
        return store_upload(name=name, parsed=parsed, actor=actor)


def store_upload(*, name: str, parsed: ParsedFile, actor: Actor) -> Upload:
    with transaction.atomic():
        upload = Upload.objects.create(
            created_by=actor.user_or_none,
            filename=name[:255],
            file_format=parsed.file_format,
            encoding=parsed.encoding,
            headers=parsed.headers,
            keys=parsed.keys,
            total_rows=len(parsed.rows),
        )
        # In slices: bulk_create makes a list of what it is given, and 50,000 rows at once
        # is most of the memory of the upload.
        for start in range(0, len(parsed.rows), STORE_BATCH):
            UploadRow.objects.bulk_create(
                UploadRow(
                    upload=upload,
                    number=parsed.row_numbers[index],
                    cells=parsed.rows[index],
                    external_ref_id=row_external_ref_id(parsed.values(index)),
                )
                for index in range(start, min(start + STORE_BATCH, len(parsed.rows)))
            )
        record(
            actor=actor,
            action=AuditAction.UPLOAD_CREATE,
            obj=upload,
            after={"rows": upload.total_rows, "format": upload.file_format},
            reason=name[:200],
        )
        enqueue("uploads.tasks.run_dry_run", upload_id=upload.pk)
    return upload
