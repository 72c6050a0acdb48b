"""The ten GTZAN genres, in the order every model's outputs use."""

GENRES: tuple[str, ...] = (
    "blues", "classical", "country", "disco", "hiphop",
    "jazz", "metal", "pop", "reggae", "rock",
)

#: One colour per genre (matplotlib tab10), so every figure and the web page agree.
GENRE_COLOURS: dict[str, str] = dict(zip(GENRES, (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)))


def genre_index(genre: str) -> int:
    """Position of ``genre`` in :data:`GENRES` (raises ValueError for an unknown name)."""
    return GENRES.index(genre)
