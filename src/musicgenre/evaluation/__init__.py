"""Protocols (fault-filtered, k-fold, holdout), metrics with bootstrap intervals, leaderboards, experiments.

``load_table_study(csv)`` / ``load_audio_study(folder)`` -> :class:`StudyData`; ``run_experiment(data, out, config)``
writes an Experiment folder; ``fit_all(data, model)`` + ``save_onnx`` build a shippable Model file.
"""

from musicgenre.evaluation.data import AudioConfig, StudyData, View, load_audio_study, load_table_study
from musicgenre.evaluation.experiment import ExperimentConfig, applicable_models, run_experiment
from musicgenre.evaluation.protocols import PROTOCOLS, Fold, fault_filtered, holdout, kfold, make_folds
from musicgenre.evaluation.shipping import export_all, fit_all
from musicgenre.metrics.classification import bootstrap_interval, confusion, macro_f1, per_genre, summarise

__all__ = [
    "PROTOCOLS",
    "AudioConfig",
    "ExperimentConfig",
    "Fold",
    "StudyData",
    "View",
    "applicable_models",
    "bootstrap_interval",
    "confusion",
    "export_all",
    "fault_filtered",
    "fit_all",
    "holdout",
    "kfold",
    "load_audio_study",
    "load_table_study",
    "macro_f1",
    "make_folds",
    "per_genre",
    "run_experiment",
    "summarise",
]
