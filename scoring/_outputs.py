"""Outputs that never lose a file: hidden temporaries, atomic and exclusive publication, owned folders.

Every command that writes goes through this module, with one set of rules:

* An output is written to a hidden temporary in its own folder (a name starting with
  ``.`` and ending in ``.tmp``, made with ``O_EXCL``, so a planted file or link of that
  name is never written through) and appears by one rename when complete.
* An existing output is refused unless ``overwrite``; without it the final name is taken
  with a hard link, which fails if anything (a file, a link, another run's output) got
  there first, so two runs writing one output cannot both succeed.
* With ``overwrite`` the rename replaces the name itself: a symbolic link there is
  replaced, never followed.
* While a run writes an output it holds an advisory lock (``.<name>.lock.tmp`` next to it):
  a second run gets a one-line error at once instead of racing it.
* A folder output (``zaro evaluate --out DIR``) records the files it wrote in its
  ``manifest.json``; ``overwrite`` replaces only a folder whose every file is listed
  there, and never the current folder, a folder holding the current folder or an input,
  or a symbolic link.

Failures to write (a full disk, a file-size limit, a read-only folder) become one
:class:`OutputError` naming the output and the fix.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: publication stays exclusive, without the early lock
    fcntl = None  # type: ignore[assignment]

#: The file a folder output lists its files in (relative names, sizes and SHA-256).
MANIFEST_NAME = "manifest.json"

#: OS errors that mean "this output cannot be written here", and what to do about each.
_WRITE_FAILURES = {
    errno.ENOSPC: ("no space left on the device", "free some space or choose another folder"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space or choose another folder"),
    errno.EFBIG: ("the file is larger than this process may write", "raise the file size limit (ulimit -f)"),
    errno.EROFS: ("the folder is on a read-only file system", "choose a folder you can write to"),
    errno.EACCES: ("permission denied", "choose a folder you can write to"),
    errno.EPERM: ("operation not permitted", "choose a folder you can write to"),
}
#: The same failures as other libraries word them (DuckDB and Arrow raise them without an errno).
_FAILURE_TEXTS = {
    "no space left on device": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
    "file too large": errno.EFBIG,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
}


class OutputError(ValueError):
    """An output that cannot be written or replaced; the message names it and says how to fix it."""


def write_failure(exc: BaseException, target: str | os.PathLike[str]) -> OutputError | None:
    """The one-line :class:`OutputError` for a failed write of ``target``, or None if ``exc`` is not one.

    Recognises a full disk, an exceeded quota, a file-size limit (``EFBIG``), a read-only
    file system and a denied permission, by errno or by the wording other libraries use.

    Examples
    --------
    >>> str(write_failure(OSError(errno.ENOSPC, "No space left on device"), "out.csv"))
    'cannot write out.csv: no space left on the device; free some space or choose another folder'
    """
    code = getattr(exc, "errno", None)
    if code not in _WRITE_FAILURES:
        text = str(exc).lower()
        code = next((found for words, found in _FAILURE_TEXTS.items() if words in text), None)
    if code is None:
        return None
    reason, fix = _WRITE_FAILURES[code]
    return OutputError(f"cannot write {target}: {reason}; {fix}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def hidden_temporary(target: str | os.PathLike[str], *, folder: bool = False) -> Path:
    """A new hidden file (or folder) next to ``target``: ``.<name>.<random>.tmp``, never looking finished.

    It is created exclusively (``O_EXCL``), so an existing file or symbolic link is never
    reused, and gets the permissions a new file would get.

    Raises
    ------
    OutputError
        The folder is missing or cannot be written to, naming it.
    """
    target = Path(target)
    make = tempfile.mkdtemp if folder else tempfile.mkstemp
    try:
        made = make(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {(exc.strerror or str(exc)).lower()} in the folder {target.parent}; "
            "choose another folder"
        ) from exc
    if isinstance(made, tuple):
        os.close(made[0])
        made = made[1]
    os.chmod(made, (0o777 if folder else 0o666) & ~_umask())
    return Path(made)


@contextmanager
def output_lock(target: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the lock of ``target`` (``.<name>.lock.tmp`` next to it) while the block runs.

    Raises
    ------
    OutputError
        Another run holds it ("is being written by another run"), or the folder cannot be
        written to.
    """
    target = Path(target)
    lock = target.parent / f".{target.name}.lock.tmp"
    if fcntl is None:  # pragma: no cover
        yield
        return
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666 & ~_umask())
        except OSError as exc:
            failure = write_failure(exc, target)
            if failure is not None:
                raise failure from None
            raise OutputError(
                f"cannot write {target}: cannot make its lock file {lock} ({exc.strerror or exc})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                f"{target} is being written by another run now (it holds {lock}); "
                "wait for it to finish, or choose another output"
            ) from None
        try:
            current = os.stat(lock, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        if current is not None and current.st_ino == os.fstat(fd).st_ino:
            break
        os.close(fd)  # the holder removed it as we opened it: take the new one
    try:
        yield
    finally:
        try:
            lock.unlink()
        except OSError:
            pass
        os.close(fd)


def _exists_message(target: Path, role: str) -> str:
    return f"{target} already exists; choose another {role}, or pass --overwrite (overwrite=True) to replace it"


def check_file_output(target: str | os.PathLike[str], role: str, *, overwrite: bool) -> None:
    """Refuse, before any work, an output whose folder is missing, that is a folder, or exists without ``overwrite``.

    A symbolic link counts as existing, whatever it points to (it is replaced, never
    followed, with ``overwrite``).
    """
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {target}: the folder {folder} does not exist; create it or choose another {role}"
        )
    if target.is_dir() and not target.is_symlink():
        raise OutputError(f"cannot write {target}: it is a folder; give a file name for {role}")
    if os.path.lexists(target) and not overwrite:
        raise OutputError(_exists_message(target, role))


def publish(pairs: Sequence[tuple[Path, Path]], *, overwrite: bool, role: str = "output") -> None:
    """Move finished temporaries into place: each ``(temporary, target)``, in the order given.

    Without ``overwrite`` every target is taken exclusively (a hard link of the temporary
    at the final name): if one already exists, the ones taken so far are released and
    nothing is replaced. With ``overwrite`` each target is replaced in one rename (a link
    there is replaced, not followed). The temporaries are gone afterwards either way.

    Raises
    ------
    OutputError
        A target appeared while the run was writing it (without ``overwrite``), or is a folder.
    """
    try:
        if overwrite:
            for _, target in pairs:
                if target.is_dir() and not target.is_symlink():
                    raise OutputError(f"cannot write {target}: it is a folder; give a file name for {role}")
            for partial, target in pairs:
                os.replace(partial, target)
            return
        taken: list[tuple[Path, Path]] = []
        try:
            for partial, target in pairs:
                _take(partial, target, role)
                taken.append((partial, target))
        except BaseException:
            for partial, target in taken:
                try:  # released only if it is still this run's file (the fallback moved the temporary)
                    mine = not partial.exists() or os.path.samefile(partial, target)
                except OSError:
                    mine = False
                if mine:
                    target.unlink(missing_ok=True)
            raise
    finally:
        for partial, _ in pairs:
            partial.unlink(missing_ok=True)


def _take(partial: Path, target: Path, role: str) -> None:
    """Give ``partial`` the name ``target`` only if nothing has it (a link: exclusive on every POSIX file system)."""
    try:
        os.link(partial, target)  # the temporary is a file this run made, never a link
    except FileExistsError:
        raise OutputError(
            f"{target} appeared while this run was writing it (another run?); it was left as it is and this "
            f"run's output was not written: run again with another {role}, or with --overwrite to replace it"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
            raise
        # A file system without hard links: claim the name with an exclusive create, then replace it.
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        except FileExistsError:
            raise OutputError(_exists_message(target, role)) from None
        os.replace(partial, target)


def write_file(target: str | os.PathLike[str], data: bytes, *, overwrite: bool, role: str = "output") -> Path:
    """Write ``data`` to ``target`` through a hidden temporary; see :func:`publish` for ``overwrite``.

    An ``OSError`` (a full disk, a read-only folder) is raised as it is, for the caller to
    word (:func:`write_failure`); the temporary is removed either way.

    Returns
    -------
    Path
        ``target``.
    """
    target = Path(target)
    partial = hidden_temporary(target)
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        publish([(partial, target)], overwrite=overwrite, role=role)
    finally:
        partial.unlink(missing_ok=True)
    return target


def real_folder(root: Path, relative: Path) -> Path:
    """``root / relative`` as a real folder, made as needed; a symbolic link on the way is refused.

    Raises
    ------
    OutputError
        A part of the path below ``root`` is a symbolic link or a file.
    """
    here = root
    for part in relative.parts:
        here = here / part
        if here.is_symlink():
            raise OutputError(
                f"cannot write into {here}: it is a symbolic link (to {os.readlink(here)}), which is never "
                f"followed; remove it, or choose another folder than {root}"
            )
        if not here.exists():
            here.mkdir()
        elif not here.is_dir():
            raise OutputError(
                f"cannot write into {here}: it is a file; remove it, or choose another folder than {root}"
            )
    return here


# --------------------------------------------------------------------------------------
# Folder outputs
# --------------------------------------------------------------------------------------


def folder_manifest(folder: Path, *, exclude: Iterable[str] = ()) -> bytes:
    """The manifest of every file under ``folder``: relative name, size and SHA-256, sorted (the same files, the same bytes)."""
    skip = set(exclude) | {MANIFEST_NAME}
    listing = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not path.is_symlink() and name not in skip:
            data = path.read_bytes()
            listing[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return (json.dumps({"files": listing}, indent=1, sort_keys=True) + "\n").encode("utf-8")


def owned_files(folder: Path) -> set[str]:
    """The files the ``manifest.json`` of ``folder`` lists (empty without a readable one)."""
    path = folder / MANIFEST_NAME
    if path.is_symlink() or not path.is_file():
        return set()
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (json.JSONDecodeError, AttributeError, OSError, UnicodeDecodeError):
        return set()
    return {str(name) for name in files} if isinstance(files, (dict, list)) else set()


def foreign_entries(folder: Path) -> list[str]:
    """What ``folder`` holds that its manifest does not list (links included), as relative names, sorted."""
    owned = owned_files(folder) | {MANIFEST_NAME}
    foreign = []
    for here, folders, files in os.walk(folder, followlinks=False):
        base = Path(here)
        for name in files:
            relative = (base / name).relative_to(folder).as_posix()
            if relative not in owned or (base / name).is_symlink():
                foreign.append(relative)
        for name in list(folders):
            if (base / name).is_symlink():
                foreign.append((base / name).relative_to(folder).as_posix())
                folders.remove(name)
    return sorted(foreign)


def _holds(folder: Path, path: Path) -> bool:
    return folder == path or folder in path.parents


def check_folder_output(
    out: str | os.PathLike[str],
    *,
    overwrite: bool,
    role: str = "--out",
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Refuse, before any work, a folder output that would lose something.

    Refused: a symbolic link, a file, the current folder or one holding it, a folder
    holding an input; a folder with files in it unless ``overwrite``; with ``overwrite``, a
    folder holding any file its ``manifest.json`` does not list.

    Raises
    ------
    OutputError
        Naming the folder, what is wrong and the fix.
    """
    out = Path(out)
    if out.is_symlink():
        raise OutputError(
            f"{role} {out} is a symbolic link (to {os.readlink(out)}); links are never followed or replaced: "
            "give the folder itself, or a new folder"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{role} {out} is a file; give a folder to write into")
    resolved = out.resolve()
    if _holds(resolved, Path.cwd().resolve()):
        raise OutputError(
            f"{role} {out} is the current folder or holds it; give a new folder for the output, e.g. {role} results"
        )
    for source in inputs:
        if _holds(resolved, Path(source).resolve()):
            raise OutputError(f"{role} {out} holds the input {source}; give another folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputError(
            f"{role} {out} exists and is not empty; pass --overwrite to replace a folder zaro wrote, "
            "or give another folder"
        )
    foreign = foreign_entries(out)
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OutputError(
            f"{role} {out} holds files zaro did not write ({shown}; its {MANIFEST_NAME} does not list them), so "
            "--overwrite will not replace it; move them away, or give another folder"
        )


def replace_folder(scratch: Path, out: Path, *, overwrite: bool, role: str = "--out") -> None:
    """Move a finished ``scratch`` folder (next to ``out``) to ``out`` in one rename.

    An empty ``out`` is replaced; one with files only with ``overwrite`` and only when it
    holds nothing but the files its manifest lists (checked again now). The old folder is
    moved aside first, then only its listed files are removed; anything that appeared in it
    meanwhile is kept, in a hidden folder next to ``out`` that the error names.

    Raises
    ------
    OutputError
        As :func:`check_folder_output`, or ``out`` was filled while the run worked.
    """
    if os.path.lexists(out):
        check_folder_output(out, overwrite=overwrite, role=role)
    try:
        os.rename(scratch, out)  # no folder there, or an empty one: replaced in one step
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if not overwrite:
        raise OutputError(
            f"{role} {out} was filled while this run worked; pass --overwrite to replace a folder zaro wrote, "
            "or give another folder"
        ) from None
    aside = hidden_temporary(out, folder=True)
    os.rename(out, aside)  # replaces the empty folder just made
    try:
        os.rename(scratch, out)
    except BaseException:
        os.rename(aside, out)
        raise
    owned = owned_files(aside) | {MANIFEST_NAME}
    for here, _, files in os.walk(aside, topdown=False, followlinks=False):
        base = Path(here)
        for name in files:
            path = base / name
            if path.relative_to(aside).as_posix() in owned and not path.is_symlink():
                path.unlink()
        try:
            base.rmdir()
        except OSError:
            pass
    if aside.exists():
        raise OutputError(
            f"{out} was replaced, but files appeared in the old folder while this run worked; they are kept in {aside}"
        )


@contextmanager
def locked_outputs(targets: Iterable[Path]) -> Iterator[None]:
    """Hold the locks of every target (see :func:`output_lock`) while the block runs."""
    with ExitStack() as stack:
        for target in targets:
            stack.enter_context(output_lock(target))
        yield
