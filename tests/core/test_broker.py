"""The embedded broker writes each message atomically (core/broker.py)."""

from __future__ import annotations

from queue import Empty

import pytest
from kombu import Connection

from core.broker import filesystem_options


@pytest.fixture
def channel(tmp_path):
    with Connection("filesystem://", transport="core.broker:Transport",
                    transport_options=filesystem_options(tmp_path)) as conn:  # fmt: skip
        yield conn.default_channel


def test_a_message_being_written_is_invisible_to_readers(channel, tmp_path):
    """kombu's own transport writes under the final name: a polling worker could read it
    half-written. Here the final name appears only once the payload is whole."""
    seen_during_write: list[list[str]] = []
    original_replace = __import__("os").replace

    def replace(src, dst):
        seen_during_write.append(sorted(p.name for p in (tmp_path / "queue").iterdir()))
        with pytest.raises(Empty):
            channel._get("celery")  # the unfinished message is skipped
        original_replace(src, dst)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("core.broker.os.replace", replace)
        channel._put("celery", {"body": "x" * 10_000})
    [names] = seen_during_write
    assert len(names) == 1 and names[0].endswith(".celery.msg.part")
    assert channel._get("celery") == {"body": "x" * 10_000}
    assert not list((tmp_path / "queue").iterdir())
