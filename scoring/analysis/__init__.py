"""Analysis built on assessments: explanations (counterfactuals, sweeps) and comparisons.

Computes tables and dataclasses; drawing them is the job of :mod:`scoring.plots`.
"""
