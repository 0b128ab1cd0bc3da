"""The data sheet of zaro's synthetic vignettes (Gebru et al. 2021), generated from the definitions.

What the data are for, what a vignette holds, how the generator makes them (and how many of its
numbers are sourced and how many assumed, per population), how they are labelled, what they are
not for, and how they are distributed and kept. The fixed prose is in ``definitions/model_card.toml``.
"""

from __future__ import annotations

from typing import Any

from scoring.evaluate._model_card import _bullets, _outcome_label, _prose, _table
from scoring.wording import NOTICE, percent

__all__ = ["data_sheet_markdown"]


def _tag_counts(population: Any) -> tuple[int, int]:
    """How many tagged entries of a population's merged parameters are sourced, and how many assumed."""
    entries = population.params.entries()
    sourced = sum(1 for entry in entries if entry.sourced)
    return sourced, len(entries) - sourced


def _composition(evaluation: Any | None) -> list[str]:
    from scoring.contract.schema import FIELDS
    from scoring.engine.populations import load_populations
    from scoring.engine.synth import CAUSES

    populations = load_populations()
    labels = next(iter(populations.values())).params.cause_labels
    rows = [[labels.get(cause, cause), *[percent(p.prior[cause], 2) for p in populations.values()]] for cause in CAUSES]
    required = [spec.name for spec in FIELDS if spec.default is None]
    lines = [
        "## Composition",
        "",
        "Each vignette is one invented adult: their answers to the questionnaire (the vignette contract, "
        f"scoring/definitions/fields.toml: {len(FIELDS)} fields, of which {len(required)} are required: "
        f"{', '.join(required)}), the hidden cause the generator drew (`latent_cause`), the reference ladder's "
        "triage (`triage`) and a short narrative written from the same answers. Generated vignettes have no "
        "missing values. The share of each hidden cause, by population:",
        "",
        *_table(["Hidden cause", *[f"{p.label} ({p.id})" for p in populations.values()]], rows),
    ]
    if evaluation is not None:
        lines += [
            f"The evaluation sample: {evaluation.n:,} vignettes of the {evaluation.population} population, seed "
            f"{evaluation.seed}; {evaluation.n_outcome:,} have a {_outcome_label(evaluation)}.",
            "",
        ]
    return lines


def _collection() -> list[str]:
    from scoring._paths import DEFAULT_N_VIGNETTES, DEFAULT_SEED
    from scoring.engine.populations import load_populations
    from scoring.engine.synth import GENERATOR_VERSION

    rows = []
    for population in load_populations().values():
        sourced, assumed = _tag_counts(population)
        rows.append(
            [f"{population.label} ({population.id})", " ".join(population.description.split()), sourced, assumed]
        )
    return [
        "## Collection process",
        "",
        f"Nothing was collected: every vignette is drawn by zaro's generator (version {GENERATOR_VERSION}). For "
        "each one it draws a hidden cause from the population's prior, then every answer from that cause's "
        "distributions, independently given the cause (scoring/definitions/generator.toml; the community's "
        "differences in populations.toml). Every number carries a tag: a source ('S: ...') or 'assumed' with the "
        "reasoning (docs/clinical.md, sections 4 and 5).",
        "",
        *_table(["Population", "Who they are", "Sourced entries", "Assumed entries"], rows),
        f"The shipped data set is {DEFAULT_N_VIGNETTES:,} vignettes of the learning mix, seed {DEFAULT_SEED} "
        "(data/vignettes.csv); any other sample is made on demand from its size, seed and population.",
        "",
        "## Preprocessing and labelling",
        "",
        "Answers are rounded the way a person reports them (whole years, weeks to a tenth, whole milligrams of caffeine, a whole stress level, sleep to the half hour); "
        "the triage label is the reference ladder (scoring/definitions/triage.toml) applied to the rounded, "
        "observable answers, so it is exact; the hidden cause is never shown to a model. Every row passes the "
        "vignette contract's validation.",
        "",
    ]


def data_sheet_markdown(evaluation: Any | None = None) -> str:
    """The data sheet of zaro's synthetic vignettes, as Markdown.

    Motivation, composition (the fields, the hidden causes and their share in each
    population), the collection process (the generator, its version, how many of each
    population's numbers are sourced and how many assumed), preprocessing and labelling,
    uses and what the data are not for, distribution and maintenance, and the notice.

    Parameters
    ----------
    evaluation : Evaluation, optional
        Adds the evaluation sample's size, seed and outcome count.

    Returns
    -------
    str

    Examples
    --------
    >>> text = data_sheet_markdown()
    >>> text.splitlines()[0]
    "# Data sheet: zaro's synthetic vignettes"
    """
    prose = _prose().data_sheet
    lines = [f"# {prose.title}", "", f"> **Not a medical device.** {NOTICE}", ""]
    lines += ["## Motivation", "", prose.motivation, ""]
    lines += _composition(evaluation)
    lines += _collection()
    lines += ["## Uses", "", *_bullets(prose.uses), "Not for:", "", *_bullets(prose.not_for)]
    lines += ["## Distribution", "", prose.distribution, ""]
    lines += ["## Maintenance", "", prose.maintenance, ""]
    return "\n".join(lines)
