"""The embedded broker (no Redis configured): kombu's filesystem transport, with every
message written atomically.

kombu writes a message straight under its final name, so a worker polling the folder can move
and read it before the write is complete, decode an empty or cut payload and lose its consumer
(json.JSONDecodeError; seen in the browser tests). Here a message is written under a name the
readers skip (`.part`) and renamed into place: os.replace is atomic on one filesystem.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        # kombu's naming: readers sort by it (milliseconds first) and match ".{queue}.msg".
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        try:
            with open(path + ".part", "wb") as part:
                part.write(str_to_bytes(dumps(payload)))
            os.replace(path + ".part", path)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def filesystem_options(folder: Path) -> dict[str, Any]:
    """CELERY_BROKER_TRANSPORT_OPTIONS for a broker in `folder` (its sub-folders created).
    In and out are the SAME folder: that is what makes it one shared queue."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
