"""docs/clinical.md is the one list of sources: every citation names a row of it, and no file
of the repository points to a document that the repository does not hold."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLINICAL = ROOT / "docs" / "clinical.md"


def cited_as() -> list[str]:
    """The names in the "cited as" column of the source table of docs/clinical.md §1."""
    text = CLINICAL.read_text(encoding="utf-8")
    section = text.split("## 1.", 1)[1].split("\n## 2.", 1)[0]
    names: list[str] = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`"):
            names += re.findall(r"`([^`]+)`", cells[1])
    return names


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def citations() -> list[tuple[str, str]]:
    """(file, citation) for every named source: ``[S: ...]`` in any text, ``tag = "S: ..."``
    in the generator (up to its first bracket), and every rule's ``source`` in the ladder."""
    found: list[tuple[str, str]] = []
    files = sorted((ROOT / "scoring" / "cards").glob("*.toml")) + sorted(
        (ROOT / "scoring" / "definitions").glob("*.toml")
    )
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for text in _strings(data):
            for inner in re.findall(r"\[S(?: \(lay\))?: ([^\]]+)\]", text):
                found += [(path.name, part.strip()) for part in inner.split(";")]
            if text.startswith("S: "):
                found += [(path.name, part.strip()) for part in text[3:].split("(")[0].split(";")]
        if path.name == "triage.toml":  # the ladder's rules (sensitivity.toml's rules are moves, not claims)
            found += [(path.name, rule["source"]) for rule in data.get("rule", [])]
    return found


def test_the_source_table_is_read():
    names = cited_as()
    assert {"NG42", "NG127", "NHS", "StatPearls", "AAN 2017", "lay article"} <= set(names)


@pytest.mark.parametrize(("where", "citation"), citations())
def test_every_citation_names_a_source_of_docs_clinical(where, citation):
    names = cited_as()
    assert any(name.lower() in citation.lower() for name in names), (
        f"{where}: {citation!r} names no source of docs/clinical.md §1; add the source to its table "
        "or tag the number as assumed"
    )


def test_no_forum_or_wiki_is_cited():
    for where, citation in citations():
        assert not re.search(r"\b(wiki|forum|reddit)", citation, re.IGNORECASE), (where, citation)


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in listed.splitlines() if line]


#: Documents the project was planned with that do not ship in it; a file must not send readers there.
OUTSIDE = re.compile(r"DESIGN\.md|CLINICAL\.md|PITFALLS\.md|STYLE\.md|\bshared/|seed article|/work/")


def test_no_file_refers_to_a_document_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if path.suffix in {".csv", ".skops", ".png", ".svg", ".jpg"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == Path(__file__).name:
            continue  # this file names the patterns it looks for
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_every_docs_path_named_in_the_repository_exists():
    missing = set()
    for path in tracked_files():
        if path.suffix not in {".py", ".toml", ".md", ".j2", ".ipynb", ".json"} or not path.is_file():
            continue
        for name in re.findall(r"\bdocs/[\w./-]+\.md", path.read_text(encoding="utf-8", errors="replace")):
            if not (ROOT / name).is_file():
                missing.add(f"{path.relative_to(ROOT)}: {name}")
    assert sorted(missing) == []
