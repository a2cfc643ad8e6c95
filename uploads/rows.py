"""Reading a stored row: its cells by template column (the upload's mapping applied)."""

from __future__ import annotations

from uploads.models import Upload, UploadRow


def row_values(upload: Upload, row: UploadRow) -> dict[str, str]:
    return {key: cell for key, cell in zip(upload.keys, row.cells, strict=False) if key}


def row_utid(upload: Upload, row: UploadRow) -> str:
    return row_values(upload, row).get("utid", "").strip().upper()
