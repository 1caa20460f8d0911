"""What the second factor does when other contexts announce events."""

from ..identity.signals import password_changed
from .trusted_devices import forget_all


def _forget_devices(sender, *, user_id: int, **extra) -> None:
    # A new password must also end "skip the second step" trust granted under the old one.
    forget_all(user_id)


def connect_receivers() -> None:
    """Subscribe once (blinker ignores a repeated connect of the same receiver)."""
    password_changed.connect(_forget_devices)
