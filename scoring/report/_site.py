"""Writing a built site to disk: the manifest, atomic page writes, stale-file clean-up.

Every failure to write (a read-only folder, a file where a folder should be) becomes a
one-line :class:`ReportError` naming the folder, never an ``OSError`` traceback.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from scoring._outputs import OutputError, real_folder
from scoring._outputs import write_file as write_bytes
from scoring.report._errors import ReportError, unwritable
from scoring.report._provenance import Provenance

MANIFEST_NAME = "manifest.json"


def manifest(files: Mapping[str, bytes], provenance: Provenance) -> bytes:
    """A listing of every file with size and SHA-256: a rebuild can be checked at a glance."""
    listing = {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in sorted(files.items())
    }
    record = {"built_with": provenance.to_dict(), "files": listing}
    return (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8")


def listed_files(out: Path) -> set[str]:
    """The files the site in ``out`` lists in its manifest (empty when there is no built site)."""
    path = out / MANIFEST_NAME
    if not path.is_file():
        return set()
    try:
        return set(json.loads(path.read_text(encoding="utf-8")).get("files", {}))
    except (json.JSONDecodeError, AttributeError, OSError, UnicodeDecodeError):
        return set()


def write_file(target: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``target`` unless it already holds exactly that.

    Written to a hidden temporary made for this write, then renamed, so a page is never seen
    half-written, and a file or symbolic link planted at any name (the temporary's or the
    page's) is never written through: a link at the page's name is replaced by the page.
    Without ``overwrite`` an existing ``target`` is refused (:class:`OutputError`).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_symlink() and target.is_file() and target.read_bytes() == data:
        return
    write_bytes(target, data, overwrite=overwrite, role="--out")


def _remove_stale(out: Path, names: set[str]) -> None:
    for name in sorted(names):
        stale = out / name
        if stale.is_file() and not stale.is_symlink() and out.resolve() in stale.resolve().parents:
            stale.unlink()
            try:
                stale.parent.rmdir()  # only succeeds when the folder is now empty
            except OSError:
                pass


def write_site(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` under ``out``; remove files an earlier build wrote that are gone now.

    Only files listed in the previous build's manifest are ever deleted, so pointing
    ``--out`` at a folder with other content never loses that content. Unchanged files are
    not rewritten.

    Raises
    ------
    ReportError
        If ``out`` cannot be written to (naming the folder).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        previous = listed_files(out)
        written = []
        for name, data in sorted(files.items()):
            real_folder(out, Path(name).parent)  # a linked folder inside the site is never written through
            write_file(out / name, data)
            written.append(out / name)
        _remove_stale(out, previous - set(files) - {MANIFEST_NAME})
    except OutputError as exc:
        if isinstance(exc.__cause__, OSError):  # the folder refused a new file
            raise unwritable(out, exc.__cause__) from None
        raise ReportError(str(exc)) from None
    except OSError as exc:
        raise unwritable(out, exc) from None
    return written


def refuse_to_replace_site_page(out: Path, name: str) -> None:
    """Refuse to write ``name`` into ``out`` when it is one of a built site's own pages.

    Replacing it would leave the site's index and ``manifest.json`` describing the old
    page. A page the site does not list (a new case) may be added next to it.

    Raises
    ------
    ReportError
        Naming the page, the site, and the ways out.
    """
    if name in listed_files(out):
        raise ReportError(
            f"{str(out / name)!r} is a page of the report site in {str(out)!r} (listed in its {MANIFEST_NAME}); "
            "replacing it would leave the site's index and manifest describing the old page. "
            "Write the case elsewhere (--out OTHER), give it another vignette_id, or rebuild the site (zaro report)."
        )
