"""The Voilà server behind ``zaro app``: Voilà with a host check and a cap on kernels.

Run as ``python -m scoring.app._server NOTEBOOK [Voilà options]`` (what
:func:`scoring.app.voila_command` builds); only that process imports this module.

Voilà's own server accepts any ``Host`` header (it sets Jupyter's ``allow_remote_access``),
so a page on another site could reach it through DNS rebinding. :class:`ZaroVoila` restores
Jupyter server's check: requests must be addressed to a loopback address or one of
``local_hostnames``. :class:`CappedKernelManager` refuses a visitor's kernel beyond
``max_kernels``; a preheated kernel that would pass the cap waits for a free place instead.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Bool, Int, List, Unicode
from voila.app import Voila

__all__ = ["CappedKernelManager", "QuietLog", "ZaroVoila", "main"]

#: How often a preheated kernel waiting for a free place looks again (seconds).
_WAIT_SECONDS = 1.0


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager with at most ``max_kernels`` kernels at once."""

    max_kernels = Int(6, config=True, help="Kernels at most at once, preheated ones included.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0
        self._first_checked: dict[str, datetime] = {}

    def _in_use(self) -> int:
        return len(self.list_kernel_ids()) + self._starting

    # The async manager is typed by its sync base class; jupyter_server overrides it the same way.
    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """Start a kernel, or refuse a visitor's with HTTP 503 when ``max_kernels`` run already."""
        preheating = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        while kwargs.get("kernel_id") is None and self._in_use() >= self.max_kernels:
            if not preheating:
                self.log.warning("Refusing a kernel: %d of %d in use", self._in_use(), self.max_kernels)
                raise web.HTTPError(503, reason="Too many visitors at once; try again in a few minutes")
            await asyncio.sleep(_WAIT_SECONDS)
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull an idle kernel, counting idle time from when a visitor got it at the earliest.

        Voilà never asks about kernels still in its preheated pool. A pool kernel last did
        something when it ran the notebook, maybe long before a visitor took it: without this,
        the first check after the hand-over would cull it while the visitor's page loads.
        """
        first_checked = self._first_checked.setdefault(kernel_id, datetime.now(UTC))
        kernel = self._kernels.get(kernel_id)
        if kernel is not None and getattr(kernel, "last_activity", first_checked) < first_checked:
            kernel.last_activity = first_checked
        await super().cull_kernel_if_idle(kernel_id)
        if kernel_id not in self._kernels:
            self._first_checked.pop(kernel_id, None)


class QuietLog(logging.Filter):
    """Drops log lines that say nothing to the person running the app.

    "Notebook explorer.ipynb is not trusted" comes on every visit: the explorer is stored
    without outputs (so without a signature), and Voilà runs it whatever its trust.
    """

    #: The message templates dropped (as the logging call writes them, before formatting).
    QUIET = ("Notebook %s is not trusted",)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.QUIET


class ZaroVoila(Voila):
    """Voilà that answers only requests addressed to this machine (unless told otherwise)."""

    allow_remote_access = Bool(
        False, config=True, help="Accept requests whatever their Host header (turns the DNS-rebinding check off)."
    )
    local_hostnames = List(
        Unicode(), ["localhost"], config=True, help="Host names accepted besides loopback addresses."
    )

    def init_settings(self) -> dict:
        """Voilà's settings with Jupyter server's ``Host`` check turned back on, and a quieter log."""
        quiet = QuietLog()
        for logger in (self.log, logging.getLogger()):
            logger.addFilter(quiet)
            for handler in getattr(logger, "handlers", ()):
                handler.addFilter(quiet)
        settings = super().init_settings()
        settings["allow_remote_access"] = self.allow_remote_access
        settings["local_hostnames"] = list(self.local_hostnames)
        return settings


def main() -> None:
    """Start the server with the command line's options."""
    ZaroVoila.launch_instance()


if __name__ == "__main__":
    main()
