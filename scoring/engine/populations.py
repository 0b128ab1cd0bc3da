"""TEMPORARY local stand-in (untracked) until the populations branch lands."""
from __future__ import annotations
from dataclasses import dataclass
from typing import Any
TRAINING_POPULATION = "enriched"
DEFAULT_POPULATION = "community"
class PopulationError(ValueError):
    pass
@dataclass(frozen=True)
class Population:
    id: str
    label: str
    description: str
    is_default: bool
    prior: dict
    def prevalence(self, outcome: Any) -> float:
        from scoring.engine.risk import load_outcomes
        o = load_outcomes()[outcome] if isinstance(outcome, str) else outcome
        return float(sum(self.prior[c] for c in o.causes))
_P = {
 "enriched": Population("enriched","the enriched learning mix","", False, {"benign_lifestyle":0.86,"electrolyte_metabolic_drug":0.07,"peripheral_neuropathy":0.05,"central_ms_like":0.015,"motor_neuron_like":0.005}),
 "community": Population("community","adults who notice twitching","", True, {"benign_lifestyle":0.955,"electrolyte_metabolic_drug":0.03,"peripheral_neuropathy":0.012,"central_ms_like":0.002,"motor_neuron_like":0.001}),
}
def load_populations(path=None):
    return dict(_P)
def load_population(p):
    if isinstance(p, Population):
        return p
    if p is None:
        return _P[DEFAULT_POPULATION]
    if p not in _P:
        raise PopulationError(f"unknown population {p!r}; use one of {', '.join(_P)}")
    return _P[p]
