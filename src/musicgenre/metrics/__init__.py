"""Scores of predictions against labels: accuracy and F1 with bootstrap intervals (``classification``), and
probability calibration: temperature, reliability, the "uncertain" threshold (``calibration``).

Pure numpy on arrays of genre indices and probabilities; used by training (model selection), evaluation and
reports alike, so it sits low, beside ``features`` and ``datasets``.
"""
