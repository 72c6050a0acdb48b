"""Audio features: librosa-style feature families, the ``kaggle30`` table recipe (reference and fast),
a recipe registry and batch extraction with a per-file cache.

Import the submodules directly (``from musicgenre.features.kaggle30 import kaggle30_features``);
this package module stays light so that ``import musicgenre.features`` does not load librosa.
"""
