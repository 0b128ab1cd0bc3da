"""docs/index.md links every page of docs/, and every link in it resolves."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_docs_index_links_every_page_and_nothing_missing():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#]+\.md)\)", index))
    pages = {path.name for path in DOCS.glob("*.md")} - {"index.md"}
    assert pages - linked == set(), f"pages the index does not link: {sorted(pages - linked)}"
    assert {name for name in linked if not (DOCS / name).is_file()} == set()
    assert "conditions.md" in linked
