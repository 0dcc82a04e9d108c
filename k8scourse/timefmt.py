"""Virtual time as Kubernetes shows it: RFC 3339 timestamps and kubectl ages.

The virtual clock starts at 0 s. Objects need wall-clock-looking timestamps,
so second 0 is pinned to a date, the clock's *epoch*. By default it is a fixed
date (``EPOCH``), so every run prints the same times; a cluster served to the
real kubectl from the shell takes the wall clock's date instead
(``Cluster(epoch="now")``), because kubectl computes some ages itself from the
machine's clock. Each function takes the epoch it counts from; a component
asks its clock (``clock.rfc3339(t)``, ``clock.parse_rfc3339(text)``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

#: What virtual second 0 is called in timestamps unless a cluster says otherwise
#: (a fixed, arbitrary date). The course's printers also measure ages from it.
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


class EpochError(ValueError):
    """An epoch that is not a moment timestamps can count from."""


def resolve_epoch(epoch: datetime | str) -> datetime:
    """The epoch a clock counts from: a timezone-aware ``datetime`` in whole seconds (timestamps
    have no fraction), or ``"now"``: the wall clock's current second, rounded down, so that no
    timestamp lies in the future of the machine's clock."""
    if epoch == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    if not isinstance(epoch, datetime):
        raise TypeError(f'epoch must be a datetime or "now", got {type(epoch).__name__}')
    if epoch.tzinfo is None:
        raise EpochError(f"epoch {epoch.isoformat()} has no time zone: give one (e.g. tzinfo=timezone.utc)")
    if epoch.microsecond:
        raise EpochError(f"epoch {epoch.isoformat()} is not a whole second: timestamps count whole seconds")
    return epoch.astimezone(timezone.utc)


def moment(seconds: float, epoch: datetime = EPOCH) -> datetime:
    """The date and time of virtual second ``seconds`` (to the microsecond)."""
    return epoch + timedelta(seconds=seconds)


def rfc3339(seconds: float, epoch: datetime = EPOCH) -> str:
    """``metav1.Time`` as JSON has it: whole seconds, UTC, e.g. ``2025-01-01T00:00:05Z``."""
    return _rfc3339(int(seconds), epoch)


@lru_cache(maxsize=4096)
def _rfc3339(seconds: int, epoch: datetime) -> str:  # many objects share a second: format it once
    return (epoch + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str, epoch: datetime = EPOCH) -> float:
    """Virtual seconds of a timestamp: ``metav1.Time`` or ``MicroTime`` (``...:05.000000Z``)."""
    layout = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in text else "%Y-%m-%dT%H:%M:%SZ"
    instant = datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
    return (instant - epoch).total_seconds()


def human_duration(seconds: float) -> str:
    """kubectl's AGE column (``k8s.io/apimachinery/pkg/util/duration.HumanDuration``).

    Up to a second in the future reads ``0s``: HumanDuration tolerates that
    much clock skew between machines; more is ``<invalid>``."""
    s = int(seconds)  # whole seconds, truncated toward zero as Go's int() does
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24 - 365 * (hours // 24 // 365)
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"
