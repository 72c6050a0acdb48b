"""Genre colours: the ten keep theirs everywhere, other names get distinct ones in turn."""

from musicgenre.genres import GENRE_COLOURS, GENRES, OTHER_COLOURS, genre_colours


def test_the_ten_keep_their_colours_and_others_get_the_next_free_ones():
    assert genre_colours(GENRES) == GENRE_COLOURS
    mixed = genre_colours(("drone", "rock", "hum"))
    assert mixed == {"drone": OTHER_COLOURS[0], "rock": GENRE_COLOURS["rock"], "hum": OTHER_COLOURS[1]}
    many = genre_colours([f"g{i}" for i in range(12)])
    assert many["g10"] == OTHER_COLOURS[0] and len(set(list(many.values())[:10])) == 10
