"""Figures (matplotlib, Agg, no pyplot) and the self-contained HTML report.

Each builder takes arrays/dataclasses and returns a :class:`matplotlib.figure.Figure`; save it with
:func:`musicgenre.visualization.style.save_figure`. Import the module you need: this package module stays light.

Data:

* ``clips``: ``Clip``, ``load_clip``, ``genre_examples`` (one decoded example per genre of a dataset folder).
* ``analysis``: ``MelImage``/``mel_image``, ``ClipFeatures``/``clip_features`` (via ``musicgenre.features``).
* ``experiment``: ``load_experiment(folder) -> ExperimentRun`` (tolerates missing files, lists them).

Figures:

* ``waveforms.plot_waveforms``, ``spectrograms.plot_spectrogram`` / ``plot_spectrograms``,
  ``feature_images.plot_features``.
* ``results``: ``plot_learning_curves``, ``plot_confusion``, ``plot_per_genre``, ``plot_leaderboard``,
  ``SEED_REFERENCES``.
* ``experiment_figures.experiment_figures(run)``: every figure of a folder, named.
* ``timeline``: ``plot_timeline(prediction)``, ``save_figure``.
* ``style``: genre colours, font sizes, ``new_figure``, ``save_figure``, ``figure_png``.

Reports:

* ``report``: ``report_html`` (pure) and ``write_report``.
* ``library_report``: ``library_report_html`` (pure) and ``write_library_report``: the page of a predictions
  file. ``library_summary`` (shares, confidence, review, disagreeing windows) and ``library_map`` (PCA of tags)
  feed it.
"""
