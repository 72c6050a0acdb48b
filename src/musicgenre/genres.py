"""The ten GTZAN genres, in the order the shipped models' outputs use (models of your own genres name theirs)."""

GENRES: tuple[str, ...] = (
    "blues",
    "classical",
    "country",
    "disco",
    "hiphop",
    "jazz",
    "metal",
    "pop",
    "reggae",
    "rock",
)

#: One colour per genre (matplotlib tab10), so every figure and the web page agree.
GENRE_COLOURS: dict[str, str] = dict(
    zip(
        GENRES,
        (
            "#1f77b4",
            "#ff7f0e",
            "#2ca02c",
            "#d62728",
            "#9467bd",
            "#8c564b",
            "#e377c2",
            "#7f7f7f",
            "#bcbd22",
            "#17becf",
        ),
        strict=True,
    )
)


#: Colours for genres outside the ten (matplotlib tab20's lighter shades), in the order they appear.
OTHER_COLOURS = (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)


def genre_colours(genres: tuple[str, ...] | list[str]) -> dict[str, str]:
    """A colour per name of ``genres``: the ten's own, others from :data:`OTHER_COLOURS` in turn (cycling)."""
    others = [g for g in genres if g not in GENRE_COLOURS]
    return {g: GENRE_COLOURS.get(g) or OTHER_COLOURS[others.index(g) % len(OTHER_COLOURS)] for g in genres}
