"""The explorer app: ``notebooks/explorer.ipynb`` served by Voilà.

Voilà runs the notebook in a kernel of its own for each visitor and shows only its outputs
(the widgets), never its code. The server is for the person at this computer:

- it listens on 127.0.0.1 and answers only requests addressed to a local host name
  (``localhost`` or a loopback address), which stops a web page elsewhere from reaching it
  through DNS rebinding; ``allowed_hosts`` adds names, e.g. for a reverse proxy;
- a few kernels are started and run ahead of time (preheated), so a visitor's page is ready
  within seconds instead of waiting for a kernel to start and run the notebook;
- kernels are capped (``max_kernels``, the preheated ones included) and a visitor's kernel
  is shut down once idle for ``cull_idle_timeout`` seconds, open page or not, so nobody can
  use up the machine by opening pages;
- the page loads nothing from the network (its own template, ``template/``, drops the
  Font Awesome links to a CDN of Voilà's ``lab`` template) and has a ``<main>`` landmark;
- Ctrl-C (SIGINT) and SIGTERM stop it cleanly, kernels included.

The notebook is ``scoring/notebooks/explorer.ipynb``, the same file people open in
JupyterLab (``notebooks/`` in a checkout links to that folder), shipped in the wheel as
package data.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from scoring._paths import PACKAGE_DIR, project_root

__all__ = [
    "EXPLORER_NOTEBOOK",
    "PACKAGED_EXPLORER",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "AppSettings",
    "explorer_notebook",
    "voila_command",
    "kernel_environment",
    "serve",
]

EXPLORER_NOTEBOOK = "explorer.ipynb"
#: The copy shipped inside the package, for installs without a checkout.
PACKAGED_EXPLORER = PACKAGE_DIR / "notebooks" / EXPLORER_NOTEBOOK
#: A Jupyter data folder holding the app's Voilà template (``voila/templates/zaro``).
TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
TEMPLATE_NAME = "zaro"


@dataclass(frozen=True)
class AppSettings:
    """How ``zaro app`` serves the explorer; the defaults suit a laptop.

    Parameters
    ----------
    port : int
        TCP port on 127.0.0.1.
    open_browser : bool
        Whether Voilà opens the app in the default browser.
    pool_size : int
        Kernels started and run ahead of time, so that the next visitors need not wait.
    max_kernels : int
        Kernels at most at once, the preheated ones included (each takes about 200 MB).
        A visitor beyond that gets "503: too many visitors" until an idle kernel is shut down.
    cull_idle_timeout : int
        Seconds without activity after which a visitor's kernel is shut down, even with the
        page still open.
    cull_interval : int
        Seconds between two checks for idle kernels.
    allowed_hosts : tuple of str
        Host names besides ``localhost`` and loopback addresses that requests may be
        addressed to (the ``Host`` header), e.g. the name of a reverse proxy.

    Raises
    ------
    ValueError
        For a value out of range, naming the option, the value and what is allowed.

    Examples
    --------
    >>> AppSettings(pool_size=3, max_kernels=3)
    Traceback (most recent call last):
    ...
    ValueError: --max-kernels: 3 leaves no kernel for visitors beyond the 3 preheated ones (--pool-size); allowed: at least 4. Raise --max-kernels or lower --pool-size.
    """

    port: int = 8866
    open_browser: bool = True
    pool_size: int = 2
    max_kernels: int = 6
    cull_idle_timeout: int = 900
    cull_interval: int = 60
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = [
            ("--port", self.port, 1, 65535),
            ("--pool-size", self.pool_size, 0, 64),
            ("--cull-idle-timeout", self.cull_idle_timeout, 1, 7 * 24 * 3600),
            ("--cull-interval", self.cull_interval, 1, 24 * 3600),
        ]
        for option, value, low, high in checks:
            if not low <= value <= high:
                raise ValueError(f"{option}: got {value}; allowed: a whole number from {low} to {high}.")
        if self.max_kernels <= self.pool_size:
            raise ValueError(
                f"--max-kernels: {self.max_kernels} leaves no kernel for visitors beyond the {self.pool_size} "
                f"preheated ones (--pool-size); allowed: at least {self.pool_size + 1}. "
                "Raise --max-kernels or lower --pool-size."
            )
        for host in self.allowed_hosts:
            if not host or any(c in host for c in "/:@ \t"):
                raise ValueError(
                    f"--allow-host: got {host!r}; allowed: a bare host name such as 'zaro.example.org' "
                    "(no scheme, port or path)."
                )


def explorer_notebook() -> Path:
    """The explorer notebook to serve: the checkout's, else the packaged copy.

    Raises
    ------
    FileNotFoundError
        When neither exists (a broken install), naming both places looked in.
    """
    root = project_root()
    candidates = ([root / "notebooks" / EXPLORER_NOTEBOOK] if root else []) + [PACKAGED_EXPLORER]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "explorer notebook not found; looked in "
        + ", ".join(str(c) for c in candidates)
        + ". Reinstall zaro with its notebooks extra: pip install 'zaro[notebooks]'"
    )


def voila_command(settings: AppSettings | None = None, notebook: Path | None = None) -> list[str]:
    """The command line that serves the explorer with Voilà.

    Parameters
    ----------
    settings : AppSettings, optional
        Port, kernel pool and limits; the defaults when omitted.
    notebook : Path, optional
        Defaults to :func:`explorer_notebook`.

    Returns
    -------
    list of str
        ``python -m scoring.app._server NOTEBOOK --option=value ...``: Voilà with the host
        check and the kernel cap of :mod:`scoring.app._server`.
    """
    settings = AppSettings() if settings is None else settings
    notebook = explorer_notebook() if notebook is None else notebook
    command = [
        sys.executable,
        "-m",
        "scoring.app._server",
        str(notebook),
        f"--port={settings.port}",
        "--Voila.ip=127.0.0.1",
        # One port only: a busy port is an error, not a silent move to another one.
        "--Voila.port_retries=0",
        f"--template={TEMPLATE_NAME}",
        "--theme=light",
        # Code stays hidden and errors show as a message, not a traceback, to visitors.
        "--strip_sources=True",
        "--show_tracebacks=False",
        # Preheated kernels: incompatible with progressive rendering and a prelaunch hook,
        # both of which stay off.
        f"--preheat_kernel={settings.pool_size > 0}",
        f"--pool_size={settings.pool_size}",
        "--VoilaConfiguration.multi_kernel_manager_class=scoring.app._server.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={settings.max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={settings.cull_interval}",
        # An open page does not keep an idle kernel alive: a stranger's tabs cannot hold them.
        "--MappingKernelManager.cull_connected=True",
    ]
    command += [f"--ZaroVoila.local_hostnames={host}" for host in ("localhost", *settings.allowed_hosts)]
    if not settings.open_browser:
        command.append("--no-browser")
    return command


def kernel_environment() -> dict[str, str]:
    """The environment for Voilà and its kernels.

    The package's parent folder goes first on PYTHONPATH so that each visitor's kernel
    imports the same zaro as the command that started the server, even from a checkout
    that was never installed. ``JUPYTER_PATH`` starts with :data:`TEMPLATE_DIR`, where
    Voilà finds the app's template.
    """
    env = dict(os.environ)
    for variable, first in (("PYTHONPATH", PACKAGE_DIR.parent), ("JUPYTER_PATH", TEMPLATE_DIR)):
        existing = env.get(variable)
        env[variable] = str(first) + (os.pathsep + existing if existing else "")
    return env


def serve(settings: AppSettings | None = None) -> int:
    """Run the Voilà server in the foreground until it stops; return its exit code.

    On POSIX the current process becomes the Voilà server (``exec``), so Ctrl-C and SIGTERM
    reach the server itself, which shuts its kernels down, and no orphan is left behind.

    Raises
    ------
    RuntimeError
        When Voilà is not installed, saying which extra installs it.
    """
    try:
        import voila  # noqa: F401  (only to give a clear message when it is missing)
    except ImportError:
        raise RuntimeError("the app needs Voilà and the widget packages: pip install 'zaro[notebooks]'") from None
    command = voila_command(settings)
    env = kernel_environment()
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(command[0], command, env)
    import subprocess

    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
