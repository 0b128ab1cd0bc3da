"""A case page states the card's risk once, with where it comes from, and names each red flag once.

A red-flag vignette's risk is the flat red-flag figure, not the risk table's row for its
points total: the page must say so, and must not also present its band as the answer.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.engine.calibration import risk_table
from scoring.engine.card import load_card
from scoring.wording import risk_percent

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _visible(path: Path) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.fixture(scope="module")
def red_flag_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("case")
    result = CliRunner().invoke(main, ["report", "--case", str(EXAMPLES / "red_flag.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return _visible(out / "cases" / "red-flag-tongue.html")


def test_the_red_flag_risk_names_its_source_and_matches_the_cards_table(red_flag_page):
    # The case is 61: its risk is the red-flag risk of the 50–64 band in the card's table.
    table = risk_table(load_card("default"), population="community")
    flat = risk_percent(table.attrs["red_flag_risk_by_age_band"]["50–64"])
    assert (
        f"{flat} chance of a serious cause in adults who notice twitching (default card 2.0): "
        f"{flat} for anyone aged 50–64 with a red flag; the points total is not used." in red_flag_page
    )
    # Stated once: the whole population's figure does not appear beside it.
    assert f"{risk_percent(table.attrs['red_flag_risk'])} for anyone" not in red_flag_page
    assert "from the calibrated points total" not in red_flag_page
    assert "Points card: 12 points, not used: a red flag decides." in red_flag_page
    assert "(not used: a red flag decides)" in red_flag_page


def test_each_red_flag_is_named_once_in_the_policies(red_flag_page):
    assert "trouble swallowing" not in red_flag_page
    assert red_flag_page.count("Red flag: twitching of the tongue") == 1
    assert "Card red flag" not in red_flag_page
