"""A stand-in Tango client for the staff-console tests: records calls, raises on demand.

Only the methods the console's services call are here. The real client's HTTP behaviour is
tested in tests/tango/ (responses + the simulator); these tests are about our side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from tango.types import Credential, ResendResult, Reward

REWARD = Reward(
    credentials=(
        Credential(label="Redemption link", value="https://rewards.example/r/XYZ-123", type="url"),
        Credential(label="Security code", value="9876-5432", type="text"),
    ),
    redemption_instructions="Open the link.",
)


@dataclass
class FakeTango:
    calls: list[tuple[str, tuple, dict]] = field(default_factory=list)
    # method name -> an exception to raise, or a list consumed one call at a time (None = ok)
    errors: dict[str, Any] = field(default_factory=dict)
    reward: Reward | None = REWARD
    line_item_state: dict[str, Any] = field(default_factory=dict)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))
        planned = self.errors.get(name)
        if isinstance(planned, list):
            planned = planned.pop(0) if planned else None
        if planned is not None:
            raise planned

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]

    def resend_line_item(self, reference_line_item_id: str, **kwargs: Any) -> ResendResult:
        self._call("resend_line_item", reference_line_item_id, **kwargs)
        return ResendResult(
            id=957800 + len(self.calls),
            created_at=timezone.now(),
            email=kwargs.get("new_email"),
            mobile_number=kwargs.get("new_mobile_number"),
            delivery_method=kwargs.get("new_delivery_method") or "EMAIL",
        )

    def resend_order(self, reference_order_id: str, **kwargs: Any) -> ResendResult:
        self._call("resend_order", reference_order_id, **kwargs)
        return ResendResult(
            id=957900 + len(self.calls),
            created_at=timezone.now(),
            email=kwargs.get("new_email"),
            mobile_number=kwargs.get("new_mobile"),
            delivery_method="EMAIL",
        )

    def get_order(self, reference_order_id: str) -> Any:
        self._call("get_order", reference_order_id)
        return SimpleNamespace(reference_order_id=reference_order_id, reward=self.reward)

    def get_line_item(self, reference_line_item_id: str) -> Any:
        self._call("get_line_item", reference_line_item_id)
        state = {
            "status": "COMPLETE",
            "reward_status": "ACTIVE",
            "can_cancel": True,
            "can_freeze": True,
            **self.line_item_state,
        }
        return SimpleNamespace(reward=self.reward, **state)

    def cancel_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        self._call("cancel_line_item", reference_line_item_id, **kwargs)
        self.line_item_state.update(
            status="CANCELLED", reward_status="CANCELLED", can_cancel=False, can_freeze=False
        )

    def freeze_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        self._call("freeze_line_item", reference_line_item_id, **kwargs)
        self.line_item_state.update(reward_status="FROZEN")

    def unfreeze_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        self._call("unfreeze_line_item", reference_line_item_id, **kwargs)
        self.line_item_state.update(reward_status="ACTIVE")
