"""The engine: the models and the rules that score a vignette.

The points cards and their calibration, the decision tree, the reference ladder and the
synthetic generator. Modules here import from :mod:`scoring.contract` and
:mod:`scoring.results` only, never from ``assess``, the analysis or the faces.
"""
