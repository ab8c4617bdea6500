"""The simulator's blueprint, with the routes of every part attached (see the package)."""

from __future__ import annotations

from simulator import api, login, page  # noqa: F401  (their routes attach to bp)
from simulator.blueprint import bp

__all__ = ["bp"]
