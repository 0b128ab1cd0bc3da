"""The tables of docs/world.md, generated from the definitions so the document cannot drift.

docs/world.md holds prose written by hand and, between :data:`BEGIN` and :data:`END`, the tables
:func:`render_world_tables` writes from ``generator.toml``, ``populations.toml`` and
``world_targets.toml``. :func:`write_world_tables` puts them in place (``python -m
scoring.engine.synth._world_doc``), and a test checks that the document holds what it renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoring._paths import project_root
from scoring.engine.synth._params import BOOL_FIELDS, CAUSES, load_generator_params
from scoring.engine.synth._populations import population_by_name, read_populations
from scoring.engine.synth._targets import read_world_targets

__all__ = ["BEGIN", "END", "render_world_tables", "write_world_tables", "world_doc_path"]

BEGIN = "<!-- BEGIN generated world tables: python -m scoring.engine.synth._world_doc -->"
END = "<!-- END generated world tables -->"

_SHORT = {
    "benign_lifestyle": "benign",
    "electrolyte_metabolic_drug": "electrolyte",
    "peripheral_neuropathy": "neuropathy",
    "central_ms_like": "MS-like",
    "motor_neuron_like": "MND-like",
}


def world_doc_path() -> Path:
    """docs/world.md in the source checkout."""
    root = project_root()
    if root is None:
        raise FileNotFoundError("docs/world.md is in the source checkout only; run this from a clone")
    return root / "docs" / "world.md"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _entry(raw: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = raw
    for part in path.split("."):
        node = node[part]
    return node


def _values(entry: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_number(v)}" for k, v in entry.items() if k not in ("tag", "counts"))


def _counts(entry: dict[str, Any]) -> str:
    counts = entry.get("counts")
    return f"{counts[0]} of {counts[1]}" if counts else ""


def render_world_tables() -> str:
    """The generated part of docs/world.md, as Markdown (without the markers)."""
    raw = load_generator_params().raw
    community = population_by_name("community", read_populations())
    lines: list[str] = []

    lines += ["### Course and asking (learning mix; the community's own numbers beside them)", ""]
    rows = []
    for path in (
        "course.benign_persistent",
        "course.transient_weeks",
        "asking.weeks",
        "asking.prompt_delay_weeks",
    ):
        entry = _entry(raw, path)
        own = _entry(community.params.raw, path)
        beside = _values(own) if own != entry else "same"
        tag = community.tags.get(path, "")
        rows.append([f"`{path}`", _values(entry), entry["tag"], beside, tag])
    prompting = raw["asking"]["prompting"]
    rows.append(["`asking.prompting`", ", ".join(prompting["fields"]), prompting["tag"], "same", ""])
    lines += _table(["entry", "learning mix", "tag", "community", "community tag"], rows)

    lines += ["### Worry: how strongly each answer moves with the latent trait", ""]
    rows = [[f"`{name}`", _number(e["value"]), e["tag"]] for name, e in raw["worry"]["loading"].items()]
    lines += _table(["answer", "loading", "tag"], rows)

    lines += ["### Signs over time: share at first notice, share once the course has run", ""]
    rows = []
    for name in BOOL_FIELDS:
        for cause in CAUSES:
            entry = raw["flags"][name][cause]
            if "p_onset" in entry:
                rows.append(
                    [
                        f"`{name}`",
                        _SHORT[cause],
                        _number(entry["p_onset"]),
                        _number(entry["p"]),
                        _number(entry["weeks"]),
                        entry["tag"],
                    ]
                )
    lines += _table(["answer", "cause", "at first notice", "once the course has run", "median weeks", "tag"], rows)

    lines += ["### Persistent benign fasciculation: how its people answer (true shares)", ""]
    rows = []
    for name, entry in raw["bfs"]["flags"].items():
        rows.append([f"`flags.{name}`", _values(entry), _counts(entry), entry["tag"]])
    for key, entry in raw["bfs"].items():
        if key != "flags":
            rows.append([f"`{key}`", _values(entry), _counts(entry), entry["tag"]])
    lines += _table(["entry", "numbers", "counts", "tag"], rows)

    lines += ["### Answers that err", ""]
    rows = [
        [f"`{name}`", _number(e["false_yes"]), _number(e["false_no"]), e["tag"]]
        for name, e in raw["answer_errors"].items()
    ]
    lines += _table(["answer", "false yes", "false no", "tag"], rows)

    lines += ["### Published figures the world must reproduce (`world_targets.toml`)", ""]
    rows = []
    for t in read_world_targets():
        low, high = t.bounds()
        span = f"{_number(low)} to {_number(high)}".replace("-inf to ", "at most ").replace(" to inf", " or more")
        rows.append([t.id, t.what, t.population, _number(t.expected), span, t.tag])
    lines += _table(["target", "figure", "population", "published", "the world must give", "tag"], rows)
    return "\n".join(lines).rstrip() + "\n"


def write_world_tables(path: Path | None = None) -> Path:
    """Put the generated tables between the markers of docs/world.md; return its path."""
    path = world_doc_path() if path is None else Path(path)
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path}: the markers {BEGIN!r} and {END!r} are missing; add them where the tables go")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n\n{render_world_tables()}\n{END}{tail}", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_world_tables())
