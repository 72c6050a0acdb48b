"""The library report: one self-contained HTML page giving an overview of a ``predict -o`` output.

Sections: genre shares (bars), the distribution of the top probability, the files to review (uncertain, not
music, failed), the tracks whose windows disagree (a timeline strip each) and a 2-D map of the library (each
track's tags projected, coloured by genre, the file shown on hover). Charts are inline SVG; the map is drawn
by a small inline script from its data as JSON, so 10,000 tracks stay a page of a few hundred kilobytes. Nothing
outside the page is linked: it opens from disk with no server and no network. Long lists are cut to their first
entries (the predictions file holds them all) so the page stays light.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from musicgenre.audio.atomic import write_atomically
from musicgenre.genres import genre_colours
from musicgenre.inference.library import Library, LibraryTrack, read_library, tags_from_cache
from musicgenre.version import __version__
from musicgenre.visualization.html_page import escape, page_start
from musicgenre.visualization.library_map import LibraryMap, library_map
from musicgenre.visualization.library_summary import (
    ConfidenceHistogram,
    Disagreement,
    GenreShare,
    Review,
    confidence_histogram,
    disagreements,
    genre_shares,
    ordered_genres,
    review,
)

#: Entries shown per review list and timeline strips shown; the rest are counted.
MAX_LISTED = 200
MAX_STRIPS = 100

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5rem 2rem 3rem; color: #222; line-height: 1.45; background: #fff; }
h1 { font-size: 1.7rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; }
.totals { display: flex; flex-wrap: wrap; gap: 0.6rem 1.6rem; margin: 0.8rem 0; }
.totals div { font-size: 0.95rem; } .totals b { font-size: 1.4rem; display: block; }
.note { color: #555; font-size: 0.92rem; }
svg text { font-family: inherit; font-size: 12px; fill: #333; }
table { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; font-size: 0.92rem; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }
th { background: #f4f4f4; } td.num { text-align: right; }
td.file { max-width: 34rem; overflow-wrap: anywhere; }
.scroll { max-height: 24rem; overflow-y: auto; border: 1px solid #eee; display: inline-block; max-width: 100%; }
.scroll table { margin: 0; } .scroll th { position: sticky; top: 0; }
details { margin: 0.6rem 0; } summary { cursor: pointer; font-weight: 600; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; margin-right: 0.3rem;
          vertical-align: -1px; }
#map-box { position: relative; max-width: 820px; }
#map { width: 100%; height: auto; border: 1px solid #ddd; background: #fcfcfc; }
#map-tip { position: absolute; pointer-events: none; background: rgba(30,30,30,0.88); color: #fff; padding: 2px 6px;
           border-radius: 3px; font-size: 0.82rem; white-space: nowrap; display: none; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; font-size: 0.9rem; }
footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
"""

#: Draws the map from #map-data into the canvas; the nearest point within 8 px names its file on hover.
MAP_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('map-data').textContent);
  var canvas = document.getElementById('map'), tip = document.getElementById('map-tip');
  var ctx = canvas.getContext('2d'), W = canvas.width, H = canvas.height, pad = 14;
  function xy(p) { return [pad + p[0] / 1000 * (W - 2 * pad), H - pad - p[1] / 1000 * (H - 2 * pad)]; }
  for (var i = 0; i < data.points.length; i++) {
    var p = data.points[i], c = xy(p);
    ctx.fillStyle = data.colours[p[2]]; ctx.globalAlpha = 0.75;
    ctx.beginPath(); ctx.arc(c[0], c[1], data.radius, 0, 6.2832); ctx.fill();
  }
  document.body.setAttribute('data-map-points', String(data.points.length));
  canvas.addEventListener('mousemove', function (event) {
    var box = canvas.getBoundingClientRect(), sx = W / box.width;
    var mx = (event.clientX - box.left) * sx, my = (event.clientY - box.top) * sx, best = -1, bestD = 64 * sx * sx;
    for (var i = 0; i < data.points.length; i++) {
      var c = xy(data.points[i]), d = (c[0] - mx) * (c[0] - mx) + (c[1] - my) * (c[1] - my);
      if (d < bestD) { bestD = d; best = i; }
    }
    if (best < 0) { tip.style.display = 'none'; return; }
    var p = data.points[best];
    tip.textContent = data.prefix + data.files[best] + ' \\u2014 ' + data.genres[p[2]] + ' ' + p[3].toFixed(2);
    var x = event.clientX - box.left;
    tip.style.display = 'block'; tip.style.top = (event.clientY - box.top + 12) + 'px';
    tip.style.left = (x + 12 + tip.offsetWidth > box.width ? Math.max(0, x - 12 - tip.offsetWidth) : x + 12) + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
})();
"""


@dataclass(frozen=True)
class LibraryReport:
    """What :func:`write_library_report` wrote: the page, its size in bytes, how many tracks it covers, whether
    the map was drawn (and from what), and ``(file, reason)`` for files named in the predictions that were not read
    for the embedding cache because they are no regular file (a FIFO, a device, a folder)."""

    path: Path
    size: int
    tracks: int
    map_source: str | None
    skipped: tuple[tuple[str, str], ...] = ()


_e = escape  # the short name the page builders use


def _pct(share: float) -> str:
    return f"{share * 100:.1f}\u00a0%"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def common_prefix(files: Sequence[str]) -> str:
    """The folder all ``files`` share, with its trailing ``/`` (empty when none): written once, not per file."""
    if len(files) < 2:
        return ""
    prefix = os.path.commonprefix(list(files))
    cut = prefix.rfind("/")
    return prefix[: cut + 1] if cut >= 0 else ""


def shares_svg(shares: Sequence[GenreShare], colours: dict[str, str], width: int = 720) -> str:
    """Horizontal bars, most tracks first: the solid part sure, the pale part marked uncertain; count and share
    at the end."""
    row, left, right = 24, 90, 150
    top = max((s.count for s in shares), default=1)
    scale = (width - left - right) / top
    parts = [f'<svg id="shares" width="{width}" height="{row * len(shares) + 8}" role="img" aria-label="genre shares">']
    for i, s in enumerate(shares):
        y = 4 + i * row
        sure, shaky = (s.count - s.uncertain) * scale, s.uncertain * scale
        colour = colours[s.genre]
        parts.append(
            f'<g class="bar" data-genre="{_e(s.genre)}" data-count="{s.count}">'
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{_e(s.genre)}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{sure:.1f}" height="{row - 6}" fill="{colour}"/>'
            f'<rect x="{left + sure:.1f}" y="{y + 2}" width="{shaky:.1f}" height="{row - 6}" fill="{colour}" '
            f'fill-opacity="0.35"/>'
            f'<text x="{left + sure + shaky + 6:.1f}" y="{y + 15}">{s.count} ({_pct(s.share)})</text></g>'
        )
    return "".join(parts) + "</svg>"


def histogram_svg(histogram: ConfidenceHistogram, width: int = 720, height: int = 200) -> str:
    """Columns of tracks per bin of top probability, marked uncertain stacked on top in orange."""
    left, bottom, top_pad = 44, 26, 8
    n = len(histogram.sure)
    most = max((a + b for a, b in zip(histogram.sure, histogram.uncertain, strict=True)), default=0) or 1
    column = (width - left - 10) / n
    scale = (height - bottom - top_pad) / most
    base = height - bottom
    parts = [f'<svg id="confidence" width="{width}" height="{height}" role="img" aria-label="confidence">']
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>')
    parts.append(f'<text x="{left - 6}" y="{top_pad + 10}" text-anchor="end">{most}</text>')
    parts.append(f'<text x="{left - 6}" y="{base}" text-anchor="end">0</text>')
    for i in range(n):
        x = left + i * column
        sure, shaky = histogram.sure[i] * scale, histogram.uncertain[i] * scale
        low, high = histogram.edges[i], histogram.edges[i + 1]
        title = f"{low:.2f}–{high:.2f}: {histogram.sure[i]} sure, {histogram.uncertain[i]} uncertain"
        parts.append(
            f'<g class="bin"><title>{_e(title)}</title>'
            f'<rect x="{x + 1:.1f}" y="{base - sure:.1f}" width="{column - 2:.1f}" height="{sure:.1f}" fill="#1f4e79"/>'
            f'<rect x="{x + 1:.1f}" y="{base - sure - shaky:.1f}" width="{column - 2:.1f}" height="{shaky:.1f}" '
            f'fill="#e07b00"/></g>'
        )
    for k in range(0, n + 1, max(1, n // 5)):
        parts.append(f'<text x="{left + k * column:.1f}" y="{height - 8}" text-anchor="middle">{k / n:.1f}</text>')
    return "".join(parts) + "</svg>"


def strip_svg(item: Disagreement, colours: dict[str, str], width: int = 420, height: int = 16) -> str:
    """A track's timeline as one strip: a coloured block per run of one genre, its time and genre on hover."""
    end = max((r.end_s for r in item.runs), default=0.0) or 1.0
    parts = [f'<svg class="strip" width="{width}" height="{height}" role="img">']
    for run in item.runs:
        x, w = run.start_s / end * width, max((run.end_s - run.start_s) / end * width, 1.0)
        tip = f"{_clock(run.start_s)}–{_clock(run.end_s)} {run.genre}"
        parts.append(
            f'<rect class="run" data-genre="{_e(run.genre)}" x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
            f'fill="{colours.get(run.genre, "#999")}"><title>{_e(tip)}</title></rect>'
        )
    return "".join(parts) + "</svg>"


def _track_rows(tracks: Sequence[LibraryTrack], reason: str, prefix: str) -> tuple[str, str]:
    """Table rows of the first :data:`MAX_LISTED` tracks (names after ``prefix``), and a line counting the rest."""
    rows = []
    for t in tracks[:MAX_LISTED]:
        name = _e(t.file[len(prefix) :])
        if reason == "error":
            error = str(t.error).removeprefix(f"{t.file}: ")  # AudioError names the file: once is enough
            cells = f'<td class="file">{name}</td><td>{_e(error)}</td>'
        else:
            probability = "–" if t.probability is None else f"{t.probability:.2f}"
            cells = f'<td class="file">{name}</td><td>{_e(t.genre)}</td><td class="num">{probability}</td>'
            if reason == "not_music":
                cells += f"<td>{_e(t.not_music)}</td>"
        rows.append(f"<tr>{cells}</tr>")
    more = len(tracks) - MAX_LISTED
    tail = f'<p class="note">… and {more} more (all are in the predictions file).</p>' if more > 0 else ""
    return "".join(rows), tail


def _review_list(key: str, title: str, tracks: Sequence[LibraryTrack], head: str, kind: str, prefix: str) -> str:
    if not tracks:
        return f'<p id="{key}">{_e(title)}: none.</p>'
    rows, tail = _track_rows(tracks, kind, prefix)
    return (
        f'<details id="{key}" open><summary>{_e(title)}: {len(tracks)}</summary>'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>{tail}</details>'
    )


def review_html(found: Review, prefix: str = "") -> str:
    """The three lists of files to look at, names after the library's common folder ``prefix``."""
    head = "<th>file</th><th>genre</th><th>probability</th>"
    return (
        f'<p class="note">Uncertain: {_e(found.rule)}; shakiest first.</p>'
        + _review_list("uncertain", "Uncertain", found.uncertain, head, "uncertain", prefix)
        + _review_list("not-music", "Not music", found.not_music, head + "<th>why</th>", "not_music", prefix)
        + _review_list("failed", "Failed", found.failed, "<th>file</th><th>error</th>", "error", prefix)
    )


def disagreements_html(
    library: Library, found: Sequence[Disagreement], colours: dict[str, str], prefix: str = ""
) -> str:
    """The tracks whose windows disagree, a strip each (the first :data:`MAX_STRIPS`), or why there are none."""
    if not library.has_timeline:
        return (
            '<p id="no-timeline">No windows in this file: run <code>musicgenre predict --timeline -o FILE</code> '
            "to see which tracks change genre along the way.</p>"
        )
    if not found:
        return '<p id="no-disagreement">Every track\'s windows agree on one genre.</p>'
    rows = [
        f'<tr class="disagreement"><td class="file">{_e(d.track.file[len(prefix) :])}</td>'
        f"<td>{_e(d.track.genre)}</td>"
        f'<td class="num">{_pct(d.agreement)}</td><td>{strip_svg(d, colours)}</td></tr>'
        for d in found[:MAX_STRIPS]
    ]
    more = len(found) - MAX_STRIPS
    tail = f'<p class="note">… and {more} more.</p>' if more > 0 else ""
    windowed = sum(1 for t in library.tracks if t.music and t.windows)
    return (
        f'<p class="note">{len(found)} of {windowed} tracks with windows change genre along the way; least '
        "agreement first (windows agreeing with the track's genre). Hover a block for its time.</p>"
        '<div class="scroll"><table><thead><tr><th>file</th><th>genre</th><th>agreement</th><th>timeline</th></tr>'
        "</thead><tbody>" + "".join(rows) + f"</tbody></table></div>{tail}"
    )


def map_data(tracks: Sequence[LibraryTrack], placed: LibraryMap, genres: Sequence[str]) -> dict:
    """The map's JSON: genres and colours, the common folder once, per point ``[x, y, genre, probability]``
    (x, y in 0…1000) and its file name after that folder."""
    index = {g: i for i, g in enumerate(genres)}
    files = [tracks[i].file for i in placed.indices]
    prefix = common_prefix(files)
    points = [
        [int(round(x * 1000)), int(round(y * 1000)), index[tracks[i].genre or ""], round(tracks[i].probability or 0, 2)]
        for i, (x, y) in zip(placed.indices, placed.points.tolist(), strict=True)
    ]
    colours = genre_colours(list(genres))
    return {
        "genres": list(genres),
        "colours": [colours[g] for g in genres],
        "prefix": prefix,
        "radius": 5 if len(points) <= 300 else 4 if len(points) <= 2000 else 3,
        "points": points,
        "files": [f[len(prefix) :] for f in files],
    }


def _script_json(data: dict) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` or ``<!--`` can end or confuse it)."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


def map_html(tracks: Sequence[LibraryTrack], placed: LibraryMap | None, genres: Sequence[str]) -> str:
    if placed is None:
        return (
            '<p id="no-map">No tags to place the tracks by: run <code>musicgenre predict --explain -o FILE</code> '
            "(the musicnn model), or <code>musicgenre embed</code> on the same files to fill the embedding cache.</p>"
        )
    data = map_data(tracks, placed, genres)
    colours = genre_colours(list(genres))
    used = sorted({p[2] for p in data["points"]})
    legend = "".join(
        f'<li><span class="swatch" style="background:{colours[genres[g]]}"></span>{_e(genres[g])}</li>' for g in used
    )
    return (
        f'<p class="note">{len(placed.indices)} tracks placed by a PCA of {_e(placed.source)}; the two axes hold '
        f"{_pct(placed.explained)} of its variance. Tracks near each other have similar tags. Hover a point for "
        "its file.</p>"
        f'<ul class="legend">{legend}</ul>'
        '<div id="map-box"><canvas id="map" width="820" height="560"></canvas><div id="map-tip"></div></div>'
        f'<script type="application/json" id="map-data">{_script_json(data)}</script>'
        f"<script>{MAP_SCRIPT}</script>"
    )


def library_report_html(
    library: Library,
    placed: LibraryMap | None = None,
    title: str | None = None,
    generated: datetime | None = None,
) -> str:
    """The whole page as a string. Pure: everything it shows comes from ``library`` and ``placed``."""
    tracks = library.tracks
    prefix = common_prefix([t.file for t in tracks])
    title = title or f"Library report — {library.path.name}"
    generated = generated or datetime.now(timezone.utc)
    genres = ordered_genres(tracks)
    colours = genre_colours(genres)
    shares = genre_shares(tracks)
    found = review(tracks)
    histogram = confidence_histogram(tracks)
    classified = sum(t.ok for t in tracks)
    median = "–" if histogram.median is None else f"{histogram.median:.2f}"
    totals = [
        ("tracks", len(tracks)),
        ("classified", classified),
        ("uncertain", len(found.uncertain)),
        ("not music", len(found.not_music)),
        ("failed", len(found.failed)),
        ("median probability", median),
    ]
    parts = [
        *page_start(title, CSS),
        '<div class="totals">' + "".join(f"<div><b>{_e(v)}</b>{_e(k)}</div>" for k, v in totals) + "</div>",
        (f'<p class="note" id="folder">Files under <code>{_e(prefix)}</code></p>' if prefix else ""),
        '<h2 id="shares-title">Genres</h2>',
        (shares_svg(shares, colours) if shares else "<p>No classified tracks.</p>"),
        '<p class="note">Tracks per genre (music only: not-music files are listed below); the pale part of each bar '
        "is marked uncertain.</p>",
        '<h2 id="confidence-title">Confidence</h2>',
        histogram_svg(histogram),
        f'<p class="note">Tracks by the probability of their genre; orange: marked uncertain. Median {median}.</p>',
        '<h2 id="review-title">To review</h2>',
        review_html(found, prefix),
        '<h2 id="timelines-title">Tracks that change genre</h2>',
        disagreements_html(library, disagreements(tracks), colours, prefix),
        '<h2 id="map-title">Map of the library</h2>',
        map_html(tracks, placed, genres),
        f"<footer>Made by musicgenre {_e(__version__)} from <code>{_e(library.path)}</code> "
        f"({_e(library.format)}) on {generated:%Y-%m-%d %H:%M} UTC.</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_library_report(
    predictions: str | Path,
    output: str | Path,
    *,
    read_cache: bool = True,
    cache_dir: Path | None = None,
    base: Path = Path("."),
) -> LibraryReport:
    """Read ``predictions`` (a ``predict -o`` output), place the tracks on the map (their ``--explain`` tags, else,
    with ``read_cache``, the embedding cache: ``cache_dir``, None for embed's default; files relative to ``base``)
    and write the page to ``output`` (parent folders created; written whole through a new temporary file, never
    through a planted link: :func:`~musicgenre.audio.atomic.write_atomically`). Only regular files are read for
    the cache; others are listed in ``skipped``. Raises
    :class:`~musicgenre.inference.library.PredictionsError` for a file that is no predictions output."""
    library = read_library(predictions)
    cached = None
    skipped: list[tuple[str, str]] = []
    if not library.has_tags and read_cache:
        cached = tags_from_cache([t.file for t in library.tracks], cache_dir, base, skipped=skipped)
    placed = library_map(library.tracks, cached)
    page = library_report_html(library, placed)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    size = write_atomically(output, page, errors="replace")
    return LibraryReport(output, size, len(library.tracks), placed.source if placed else None, tuple(skipped))
