"""Learning the genres of a user's own library from the files that already carry one (``musicgenre learn``,
``label --learn``, ``beet musicgenre --learn``).

``vocabulary`` merges spellings into one name per genre; ``collect`` reads genres and artists and chooses the
tracks that teach; ``learn`` embeds them, fits the shipped kind of head with artist-grouped CV and writes the
Model file; ``report`` writes its card and report. It sits above ``tagging`` (it reads tags) and uses
``training`` and ``backbones`` below it.
"""

from musicgenre.learning.collect import CollectConfig, LabelledFile, TrainingSet, choose_tracks, read_library
from musicgenre.learning.learn import LearnConfig, Learned, LearnError, learn
from musicgenre.learning.vocabulary import build_vocabulary, genre_key

__all__ = [
    "CollectConfig",
    "LabelledFile",
    "LearnConfig",
    "LearnError",
    "Learned",
    "TrainingSet",
    "build_vocabulary",
    "choose_tracks",
    "genre_key",
    "learn",
    "read_library",
]
