"""``musicgenre tags``: musicnn's 50 music tags per track (and per 3 s patch) for audio files."""

from __future__ import annotations

import json
import sys

import click


@click.command("tags")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--model",
    type=click.Choice(["msd", "mtt"]),
    default="msd",
    show_default=True,
    help="msd: 50 last.fm tags of the Million Song Dataset; mtt: 50 MagnaTagATune tags.",
)
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True, help="Show the K most probable tags.")
@click.option("--timeline", is_flag=True, help="Also show the top tags of every 3 s patch.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (all 50 tags) instead of text.")
def command(paths, model, top, timeline, as_json):
    """Music tags of PATHS (audio files, folders searched recursively, glob patterns) from the pretrained musicnn
    network.

    A track's tags are the mean over its 3 s patches of each tag's probability (the original musicnn's
    "top tags"); tags are independent (sigmoid) probabilities and need not sum to 1. A clip shorter than a
    patch is repeated to fill one; clips under 1 s and silent files are refused. A file that cannot be
    read gets one line naming it and the reason, and the run goes on; the exit status is 1 if any failed.
    """
    _require_backbone_packages()
    from musicgenre.audio import AudioError, find_audio_files
    from musicgenre.backbones.musicnn import analyze, load_network

    files, missing = find_audio_files(paths)
    failures = len(missing)
    for item, reason in missing:
        click.echo(f"error: {item}: {reason}", err=True)
    net = load_network(model)
    for path in files:
        try:
            result = analyze(path, model=net)
        except AudioError as error:
            failures += 1
            click.echo(f"error: {error}", err=True)
            continue
        except Exception as error:  # one file's surprise must not cost the others
            failures += 1
            click.echo(f"error: {path}: {type(error).__name__}: {' '.join(str(error).split())[:200]}", err=True)
            continue
        track = result.track_tags()
        ranked = sorted(track.items(), key=lambda kv: -kv[1])
        if as_json:
            record = {
                "file": str(path),
                "model": result.model,
                "tags": dict(ranked[:top]) if top < 50 else track,
                "n_patches": int(result.taggram.shape[0]),
                "duration_s": round(float(result.duration_s), 3),
                "repeated": result.repeated,
            }
            if timeline:
                record["timeline"] = [
                    {
                        "start_s": round(float(s), 3),
                        "end_s": round(float(s) + result.patch_seconds, 3),
                        "tags": {result.tags[i]: float(row[i]) for i in row.argsort()[::-1][:top]},
                    }
                    for s, row in zip(result.patch_starts_s, result.taggram, strict=True)
                ]
            click.echo(json.dumps(record))
            continue
        n = result.taggram.shape[0]
        if result.repeated:
            how = f"{result.duration_s:.2f} s clip repeated to fill one patch of {result.patch_seconds:.2f} s"
        else:
            how = f"mean of {n} patch{'es' if n != 1 else ''} of {result.patch_seconds:.2f} s"
        click.echo(f"{path}  ({result.model}, {how})")
        width = max(len(tag) for tag, _ in ranked[:top])
        for tag, p in ranked[:top]:
            click.echo(f"  {tag:<{width}}  {p:.3f}")
        if timeline:
            for start, row in zip(result.patch_starts_s, result.taggram, strict=True):
                best = row.argsort()[::-1][:top]
                tags = ", ".join(f"{result.tags[i]} {row[i]:.2f}" for i in best)
                click.echo(f"    {start:6.2f}-{start + result.patch_seconds:6.2f} s  {tags}")
    if not files and not missing:
        click.echo("error: no audio files found", err=True)
        failures += 1
    sys.exit(1 if failures else 0)


def _require_backbone_packages() -> None:
    """torch and safetensors come with the ``backbones`` extra; say so instead of a traceback."""
    import importlib.util

    missing = [m for m in ("torch", "safetensors") if importlib.util.find_spec(m) is None]
    if missing:
        raise click.ClickException(f"musicnn needs {', '.join(missing)}: pip install 'musicgenre[backbones]'")
