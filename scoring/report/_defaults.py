"""The artefacts a build needs (data, tree, calibration): made when missing, never replaced."""

from __future__ import annotations


def ensure_defaults(*, progress: bool = True) -> list[str]:
    """Make sure the default data, tree and card calibration exist; rebuild what is missing.

    Nothing that exists is touched. Returns one line per artefact saying where it is and
    whether it was made now.
    """
    from scoring._paths import MODELS_DIR
    from scoring.data import default_dataset_path, write_dataset
    from scoring.engine.card import load_card
    from scoring.engine.tree import TREE_FILE, fit_default_tree

    lines = []
    data_path = default_dataset_path()
    if data_path is None:
        lines.append("data: no source checkout; the default vignettes (seed 7) are regenerated in memory when needed")
    elif data_path.is_file():
        lines.append(f"data: {data_path} (present)")
    else:
        files = write_dataset(data_path, progress=progress)
        lines.append(f"data: wrote {files.csv} and {files.meta.name} (n={files.n}, seed={files.seed})")
    tree_path = MODELS_DIR / TREE_FILE
    if tree_path.is_file():
        lines.append(f"tree: {tree_path} (present)")
    else:
        # The tree is fitted on its own seeded sample of the enriched mix, not on the data file.
        skops_path, record_path = fit_default_tree(progress=progress).save()
        lines.append(f"tree: fitted and wrote {skops_path} and {record_path}")
    card = load_card()
    if card.calibration is None:
        from scoring.engine.calibration import fit_calibration

        fit_calibration(card, save=True)
        lines.append(f"calibration: fitted for card '{card.name}' and saved next to its card file")
    else:
        lines.append(f"calibration: card '{card.name}' {card.version} (present)")
    return lines
