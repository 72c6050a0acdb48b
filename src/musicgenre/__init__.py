"""musicgenre: say which of ten genres a piece of music belongs to.

Quick use::

    import musicgenre
    p = musicgenre.classify("song.mp3")
    print(p.genre, p.probabilities)
"""

from musicgenre.genres import GENRES
from musicgenre.version import __version__

__all__ = ["GENRES", "classify", "load_model", "__version__"]


def __getattr__(name: str):
    # classify/load_model live in inference; import lazily so `import musicgenre` stays light.
    if name in ("classify", "load_model"):
        from musicgenre import inference

        return getattr(inference, name)
    raise AttributeError(f"module 'musicgenre' has no attribute {name!r}")
