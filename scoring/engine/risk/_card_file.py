"""Write a learned integer score as a points card file that :func:`scoring.engine.card.load_card` reads.

The learned items become ``[[items]]`` (the binary feature's id, label and condition, and
the learned points). The red flags, the urgent advice and the band advice are copied as
data from a base card (the default card unless told otherwise): red flags stay rules
outside the sum. Two bands split the totals at the lowest total whose risk reaches
``review_risk``: below it ``self_care``, from it ``see_doctor``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from scoring._paths import CARDS_DIR, DEFAULT_CARD
from scoring.engine.risk._binary import binary_feature
from scoring.engine.risk._integer_score import IntegerScore
from scoring.engine.risk._outcomes import load_outcomes

__all__ = ["learned_card_text", "write_learned_card"]


def _string(text: str) -> str:
    """A TOML string: multi-line for paragraphs, else one JSON-escaped line (valid TOML)."""
    if "\n" in text.strip() and '"""' not in text and "\\" not in text:
        return '"""\n' + text.strip("\n") + '\n"""'
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def _table(kind: str, entry: dict[str, Any]) -> str:
    lines = [f"[[{kind}]]"]
    for key, value in entry.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else _string(str(value))
        lines.append(f"{key} = {text}")
    return "\n".join(lines)


def _base_card(name_or_path: str | Path) -> dict[str, Any]:
    path = Path(name_or_path) if str(name_or_path).endswith(".toml") else CARDS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise ValueError(
            f"base card {str(name_or_path)!r}: no such card file {path}; give a shipped card name or a path"
        )
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _band_advice(base: dict[str, Any], recommendation: str, base_name: str) -> str:
    for band in base.get("bands", []):
        if band.get("recommendation") == recommendation:
            return str(band["advice"])
    raise ValueError(
        f"base card {base_name!r} has no band recommending {recommendation}, so there is no advice to copy; "
        "use a base card with self_care and see_doctor bands"
    )


def _bands(score: IntegerScore, review_risk: float, target_prevalence: float | None, base: dict, base_name: str):
    if not 0.0 < review_risk < 1.0:
        raise ValueError(f"review_risk must be strictly between 0 and 1, got {review_risk!r}; e.g. 0.03 for 3%")
    table = score.probability_table(target_prevalence)
    reaching = table.loc[table["probability"] >= review_risk, "total"]
    if reaching.empty:
        highest = float(table["probability"].max())
        raise ValueError(
            f"no total reaches review_risk {review_risk:g} (the highest risk is {highest:.4g}), so no band would "
            "recommend see_doctor; lower review_risk"
        )
    start = int(reaching.iloc[0])
    bands = []
    if start > score.min_total:
        bands.append(
            {
                "name": "lower risk",
                "min_points": score.min_total,
                "max_points": start - 1,
                "recommendation": "self_care",
                "advice": _band_advice(base, "self_care", base_name),
            }
        )
    bands.append(
        {
            "name": "higher risk",
            "min_points": start,
            "max_points": score.max_total,
            "recommendation": "see_doctor",
            "advice": _band_advice(base, "see_doctor", base_name),
        }
    )
    return bands, start


def learned_card_text(
    score: IntegerScore,
    *,
    name: str = "learned",
    outcome: str = "serious_cause",
    evidence: str | None = None,
    review_risk: float = 0.03,
    target_prevalence: float | None = None,
    base_card: str | Path = DEFAULT_CARD,
    version: str = "1.0",
) -> str:
    """The card file text for a learned score: what :func:`write_learned_card` writes.

    Parameters
    ----------
    score : IntegerScore
        Fitted on :data:`scoring.engine.risk.BINARY_FEATURES` columns.
    name, outcome, evidence
        As for :func:`write_learned_card`.
    review_risk : float, default 0.03
        Totals whose risk reaches this share recommend ``see_doctor``, lower totals
        ``self_care`` (an assumed cut-off, to be replaced by one chosen from decision curves).
    target_prevalence : float, optional
        Judge ``review_risk`` at this outcome prevalence (prior shift) instead of the fitting one.
    base_card : str or Path, default "default"
        The card whose red flags, urgent advice and band advice are copied as data.
    version : str, default "1.0"
        The card's version.

    Returns
    -------
    str
        TOML in the format of ``scoring/cards/default.toml``, ending in a newline.

    Raises
    ------
    ValueError
        For an unknown outcome, an outcome other than the score's, a ``review_risk`` outside
        (0, 1) or one that no total reaches, or a base card without the bands to copy.
    """
    outcomes = load_outcomes()
    if outcome not in outcomes:
        raise ValueError(f"unknown outcome {outcome!r}; known outcomes: {', '.join(outcomes)}")
    if score.outcome and score.outcome != outcome:
        raise ValueError(f"the score was fitted for outcome {score.outcome!r}, not {outcome!r}; pass outcome=")
    about = outcomes[outcome]
    base = _base_card(base_card)
    bands, start = _bands(score, review_risk, target_prevalence, base, str(base_card))
    where = f"at prevalence {target_prevalence:g}" if target_prevalence is not None else "where it was fitted"
    description = (
        f"A learned risk score for the outcome {outcome} ({about.label.lower()}). {about.description} "
        f"The risk for a total is 1 / (1 + exp(-(total {'-' if score.intercept < 0 else '+'} {abs(score.intercept)}) "
        f"/ {score.multiplier:.6g})) in the "
        f"population it was fitted on (prevalence {score.train_prevalence:.4g}). Totals from {start} reach a "
        f"risk of {review_risk:g} {where} and recommend seeing a doctor. Red flags are copied from the "
        f"{Path(str(base_card)).stem} card and stay rules outside the sum."
    )
    header = [
        f"# zaro points card: {name}, learned from synthetic vignettes (see docs/learned_card.md).",
        "# Written by scoring.engine.risk.write_learned_card; refit rather than edit by hand.",
        "",
        f"name = {_string(name)}",
        f"version = {_string(version)}",
        f"description = {_string(description)}",
        f"urgent_advice = {_string(str(base['urgent_advice']))}",
    ]
    if "tree_urgent_advice" in base:
        header.append(f"tree_urgent_advice = {_string(str(base['tree_urgent_advice']))}")
    tables = []
    for feature_name, points in zip(score.feature_names, score.points):
        feature = binary_feature(feature_name)
        note = evidence or (
            f"Learned: {points:+d} points for {outcome} in a sparse integer logistic score fitted to synthetic "
            "vignettes (FasterRisk method, see docs/learned_card.md) [A]."
        )
        item = {"id": feature.name, "label": feature.label, "condition": feature.condition, "points": points}
        tables.append(_table("items", {**item, "evidence": note}))
    tables += [_table("red_flags", dict(flag)) for flag in base.get("red_flags", [])]
    tables += [_table("bands", band) for band in bands]
    return "\n".join(header) + "\n\n" + "\n\n".join(tables) + "\n"


def write_learned_card(
    score: IntegerScore,
    path: str | Path,
    *,
    name: str = "learned",
    outcome: str = "serious_cause",
    evidence: str | None = None,
    **options: Any,
) -> Path:
    """Write a learned integer score as a points card file.

    Parameters
    ----------
    score : IntegerScore
        Fitted on :data:`scoring.engine.risk.BINARY_FEATURES` columns (its feature names
        must be binary feature ids).
    path : str or Path
        The ``.toml`` file to write (overwritten).
    name : str
        The card's name.
    outcome : str
        The outcome the score predicts (see :func:`scoring.engine.risk.load_outcomes`).
    evidence : str, optional
        Source note for every item; by default one saying how the points were learned.
    **options
        Passed to :func:`learned_card_text`: ``review_risk`` (default 0.03; totals whose
        risk reaches this share recommend ``see_doctor``, lower totals ``self_care``: an
        assumed cut-off, to be replaced by one chosen from decision curves),
        ``target_prevalence`` (judge ``review_risk`` at this prevalence, by prior shift,
        instead of the fitting one), ``base_card`` (default ``"default"``: the card whose
        red flags, urgent advice and band advice are copied) and ``version``.

    Returns
    -------
    Path
        ``path``. The same score and arguments always give the same bytes.
    """
    path = Path(path)
    text = learned_card_text(score, name=name, outcome=outcome, evidence=evidence, **options)
    path.write_bytes(text.encode("utf-8"))
    return path
