"""The explorer app: ``notebooks/explorer.ipynb`` served by Voilà.

Voilà runs the notebook in a fresh kernel for each visitor and shows only its outputs (the
widgets), never its code. The server listens on 127.0.0.1 only: the app is for the person
at this computer, not for the network.

Where the notebook comes from
-----------------------------
In a source checkout the app serves ``notebooks/explorer.ipynb``, the same file people open
in JupyterLab, so an edit there shows up in the app at once. A wheel has no ``notebooks/``
folder, so the package ships a copy as package data, ``scoring/notebooks/explorer.ipynb``;
a test keeps the two byte-identical. A copy was preferred to generating the notebook at run
time because the shipped file is then exactly the one that was reviewed and tested.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from scoring._paths import PACKAGE_DIR, project_root

__all__ = ["EXPLORER_NOTEBOOK", "PACKAGED_EXPLORER", "explorer_notebook", "voila_command", "serve"]

EXPLORER_NOTEBOOK = "explorer.ipynb"
#: The copy shipped inside the package, for installs without a checkout.
PACKAGED_EXPLORER = PACKAGE_DIR / "notebooks" / EXPLORER_NOTEBOOK


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


def voila_command(port: int = 8866, open_browser: bool = True, notebook: Path | None = None) -> list[str]:
    """The command line that serves the explorer with Voilà.

    Parameters
    ----------
    port : int
        TCP port on 127.0.0.1.
    open_browser : bool
        Whether Voilà opens the app in the default browser.
    notebook : Path, optional
        Defaults to :func:`explorer_notebook`.
    """
    notebook = explorer_notebook() if notebook is None else notebook
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--theme=light",
        # Code stays hidden and errors show as a message, not a traceback, to visitors.
        "--strip_sources=True",
        "--show_tracebacks=False",
    ]
    if not open_browser:
        command.append("--no-browser")
    return command


def kernel_environment() -> dict[str, str]:
    """The environment for Voilà and its kernels.

    The package's parent folder goes first on PYTHONPATH so that each visitor's kernel
    imports the same zaro as the command that started the server, even from a checkout
    that was never installed.
    """
    env = dict(os.environ)
    parent = str(PACKAGE_DIR.parent)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = parent + (os.pathsep + existing if existing else "")
    return env


def serve(port: int = 8866, open_browser: bool = True) -> int:
    """Run the Voilà server in the foreground until it stops; return its exit code.

    On POSIX the current process becomes the Voilà server (``exec``), so signals such as
    Ctrl-C or a test's ``terminate()`` reach the server itself and no orphan is left behind.
    """
    try:
        import voila  # noqa: F401  (only to give a clear message when it is missing)
    except ImportError:
        raise RuntimeError("the app needs Voilà and the widget packages: pip install 'zaro[notebooks]'") from None
    command = voila_command(port=port, open_browser=open_browser)
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
