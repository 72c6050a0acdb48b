"""Learning the genres of a user's own library from the files that already carry one (``musicgenre learn``,
``label --learn``, ``beet musicgenre --learn``).

``vocabulary`` merges spellings into one name per genre; ``collect`` reads genres and artists and chooses the
tracks that teach; ``learn`` embeds them, fits the shipped kind of head with artist-grouped CV and writes the
Model file (it needs torch: import it from ``musicgenre.learning.learn``); ``report`` writes its card and report.
It sits above ``tagging`` (it reads tags) and uses ``training`` and ``backbones`` below it. This package's own
import is light (no torch), so ``label`` can offer ``--learn`` without loading the network.
"""

from musicgenre.learning.collect import CollectConfig, LabelledFile, TrainingSet, choose_tracks, read_labels
from musicgenre.learning.vocabulary import build_vocabulary, genre_key

__all__ = [
    "CollectConfig",
    "LabelledFile",
    "TrainingSet",
    "build_vocabulary",
    "choose_tracks",
    "genre_key",
    "read_labels",
]
