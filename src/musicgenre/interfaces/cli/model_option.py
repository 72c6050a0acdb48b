"""The ``--model`` option of ``predict``, ``label`` and ``serve``: every shipped model by name, one phrase each;
and loading the model it names (:func:`load_chosen_model`).

The names are :data:`musicgenre.inference.loading.MODEL_NAMES` (the default first), written out here so that
``--help`` does not import the inference package (numpy, librosa, onnxruntime); a test checks they agree.
"""

from __future__ import annotations

import click

#: Each shipped model's name with what it is, the default first. Only measured figures: musicnn's is its card's
#: (the fault-filtered GTZAN test); the others' GTZAN test accuracy is not measured.
MODEL_PHRASES: dict[str, str] = {
    "musicnn+efficientat": "musicnn and EfficientAT (AudioSet) fused per window, uncertain when the two disagree",
    "musicnn": "musicnn's tags and a genre head alone (81.4 % on GTZAN's fault-filtered test)",
    "features": "the older feature-table ensemble, faster",
    "efficientat": "EfficientAT's AudioSet genre classes mapped onto the ten, alone",
    "audioset-genres": "EfficientAT's 50 AudioSet music genres (Heavy metal, Salsa music, ...), each scored on its "
    "own: probabilities that need not sum to 1",
}


def model_help(what: str = "") -> str:
    """The option's help: each name with its phrase (the first is the default), then ``what`` (a sentence the
    command adds)."""
    names = "; ".join(
        f"{name}{' (the default)' if i == 0 else ''}: {phrase}"
        for i, (name, phrase) in enumerate(MODEL_PHRASES.items())
    )
    return f"A shipped model or an ONNX model file. {names}." + (f" {what}" if what else "")


def model_option(what: str = ""):
    """The ``--model NAME|FILE`` option (parameter ``model_path``, None: the default)."""
    return click.option("--model", "model_path", metavar="NAME|FILE", default=None, help=model_help(what))


def load_chosen_model(model_path: str | None):
    """The model ``--model`` names; one line naming the file when it cannot be loaded (control characters in
    the name escaped for the terminal)."""
    from musicgenre.inference.loading import load_model
    from musicgenre.inference.model import ModelError
    from musicgenre.inference.output import terminal_text

    try:
        return load_model(model_path)
    except ModelError as error:
        raise click.ClickException(terminal_text(str(error))) from None
