"""The pretrained backbones by public name: what ``--backbone`` accepts and what studies and ``learn`` run.

    get_backbone("musicnn-msd").input_spec.sample_rate      # 16000
    list(BACKBONES)                                        # ['musicnn-msd', 'musicnn-mtt', 'efficientat-as']

Importing this module imports neither torch nor librosa: a backbone object is a description, and only its
methods that run the network or the front end load them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from musicgenre.backbones.efficientat.backbone import AS
from musicgenre.backbones.interface import Backbone
from musicgenre.backbones.musicnn.backbone import MSD, MTT

#: Public name -> backbone, in the order the command line lists them. A new backbone: add its instances here.
BACKBONES: Mapping[str, Backbone] = MappingProxyType({b.name: b for b in (MSD, MTT, AS)})


def get_backbone(name: str) -> Backbone:
    """The backbone called ``name``; ValueError (one line listing the known names) for any other."""
    try:
        return BACKBONES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown backbone {name!r}: choose one of {', '.join(BACKBONES)}") from None


__all__ = ["BACKBONES", "get_backbone"]
