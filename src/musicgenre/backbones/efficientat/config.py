"""What defines EfficientAT's ``mn04_as``: its input pipeline (upstream's ``AugmentMelSTFT`` in eval mode) and the
shape of its MobileNetV3-style network (width 0.4, channel squeeze-and-excitation, an MLP head over 527 AudioSet
classes).

Values follow Schmid, Koutini & Widmer, "Efficient Large-Scale Audio Tagging via Transformer-to-CNN Knowledge
Distillation" (ICASSP 2023) and the MobileNetV3 paper (Howard et al., 2019, Table 1), as the released weights
(``mn04_as_mAP_432.pt``, MIT licence, github:fschmid56/EfficientAT v0.0.1) need them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputConfig:
    """The log-mel front end: 32 kHz mono, pre-emphasis, a centred STFT, Kaldi-style mel bands, log, fixed affine."""

    sample_rate: int = 32000  # Hz
    n_fft: int = 1024  # samples per FFT
    win_length: int = 800  # samples of the Hann window (symmetric), centred in the n_fft frame
    hop_length: int = 320  # samples between frames (10 ms)
    n_mels: int = 128  # mel bands
    f_min: float = 0.0  # Hz, lowest band edge
    f_max: float = 15000.0  # Hz, highest band edge
    preemphasis: float = 0.97  # y[n] - 0.97 y[n-1]
    log_offset: float = 1e-5  # log(mel + 1e-5)
    shift: float = 4.5  # (log_mel + 4.5) / 5: upstream's "fast normalisation"
    scale: float = 5.0
    part_frames: int = 1000  # frames per part the network hears: 10 s, the length of AudioSet's clips

    @property
    def part_seconds(self) -> float:
        """Seconds of audio one part spans (``part_frames`` hops)."""
        return self.part_frames * self.hop_length / self.sample_rate


@dataclass(frozen=True)
class BlockConfig:
    """One inverted-residual block: 1x1 expansion (skipped when ``expanded == in_channels``), depthwise
    ``kernel`` x ``kernel`` convolution with ``stride``, optional channel squeeze-and-excitation, 1x1 projection;
    a residual connection when the stride is 1 and the channel count is kept."""

    in_channels: int
    kernel: int
    expanded: int
    out_channels: int
    squeeze_excite: bool
    hard_swish: bool  # activation: hard-swish, else ReLU
    stride: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.in_channels == self.out_channels


#: MobileNetV3-Large's blocks at width 1 (Howard et al., Table 1): in, kernel, expanded, out, SE, hard-swish, stride.
_LARGE = (
    (16, 3, 16, 16, False, False, 1),
    (16, 3, 64, 24, False, False, 2),
    (24, 3, 72, 24, False, False, 1),
    (24, 5, 72, 40, True, False, 2),
    (40, 5, 120, 40, True, False, 1),
    (40, 5, 120, 40, True, False, 1),
    (40, 3, 240, 80, False, True, 2),
    (80, 3, 200, 80, False, True, 1),
    (80, 3, 184, 80, False, True, 1),
    (80, 3, 184, 80, False, True, 1),
    (80, 3, 480, 112, True, True, 1),
    (112, 3, 672, 112, True, True, 1),
    (112, 5, 672, 160, True, True, 2),
    (160, 5, 960, 160, True, True, 1),
    (160, 5, 960, 160, True, True, 1),
)


def round_channels(channels: float, divisor: int = 8) -> int:
    """``channels`` scaled by a width multiplier, rounded to a multiple of ``divisor`` and never more than 10 %
    below it (MobileNet's rule, which the released weights' shapes follow)."""
    rounded = max(divisor, int(channels + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * channels else rounded


@dataclass(frozen=True)
class NetworkConfig:
    """Layer sizes of a width-scaled network; the defaults are ``mn04_as``'s."""

    width: float = 0.4
    n_classes: int = 527
    batch_norm_eps: float = 1e-3
    squeeze_divisor: int = 4  # SE bottleneck: channels // 4, rounded to a multiple of 8
    head_expansion: int = 6  # the last 1x1 convolution widens the last block's channels by this factor
    head_units: int = 1280  # hidden units of the classifier at width 1

    @property
    def blocks(self) -> tuple[BlockConfig, ...]:
        w = self.width
        return tuple(
            BlockConfig(round_channels(i * w), k, round_channels(e * w), round_channels(o * w), se, hs, s)
            for i, k, e, o, se, hs, s in _LARGE
        )

    @property
    def stem_channels(self) -> int:
        return self.blocks[0].in_channels

    @property
    def embedding_dim(self) -> int:
        """Channels of the last convolution, whose mean over frequency and time is the embedding (384)."""
        return self.head_expansion * self.blocks[-1].out_channels

    @property
    def hidden_units(self) -> int:
        return round_channels(self.head_units * self.width)

    def squeeze_channels(self, channels: int) -> int:
        return round_channels(channels // self.squeeze_divisor)
