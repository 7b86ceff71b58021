"""Configs of the synthesizer: the model's (ships with the weights) and the per-call one."""

from __future__ import annotations

from dataclasses import dataclass, field

from speech.audio.features import AudioConfig


@dataclass
class EncoderConfig:
    """Phoneme encoder: token + language embeddings, then a separable-convolution stack."""

    layers: int = 4
    kernel_size: int = 5
    language_dim: int = 16  # YourTTS found a few dims enough; concatenated to each token
    dropout: float = 0.1


@dataclass
class DecoderConfig:
    """Mel decoder: a separable-convolution stack over frames, then a linear projection."""

    layers: int = 6
    kernel_size: int = 17
    dropout: float = 0.1


@dataclass
class VarianceConfig:
    """Duration, pitch and energy predictors (espnet's predictors)."""

    channels: int = 256
    layers: int = 2
    kernel_size: int = 3
    dropout: float = 0.3


@dataclass
class AdversarialConfig:
    """Speaker classifier behind gradient reversal on every encoder output (Zhang et al. 2019).

    Attributes:
        enabled: switch off for the ablation.
        weight: weight of its cross-entropy in the total loss.
        hidden: hidden units of the 2-layer classifier.
        reversal_scale: gradient multiplier after reversal (ramps up over ``ramp_steps``).
        gradient_clip: element-wise clip of the reversed gradient.
        ramp_steps: steps over which the reversal scale ramps linearly from 0.
    """

    enabled: bool = True
    weight: float = 0.02
    hidden: int = 256
    reversal_scale: float = 1.0
    gradient_clip: float = 0.5
    ramp_steps: int = 2000


@dataclass
class EmotionConfig:
    """Emotion conditioning: a table of emotion embeddings and a reference-clip encoder.

    The encoder (a conv + GRU reference encoder over the mel) is trained to classify the emotion
    label; from a clip, the emotion vector is its posterior-weighted average of the table, so both
    paths land in the same space.
    """

    dim: int = 64
    encoder_channels: int = 64
    encoder_weight: float = 1.0  # classification loss of the reference encoder
    style_consistency_weight: float = 0.0
    """Weight of the style-consistency loss: the frozen emotion encoder must recognise the target
    emotion in the mel decoded from the model's *own* durations, pitch and energy."""


@dataclass
class ResidualConfig:
    """Optional reference (residual) encoder for what the labels do not explain (VAE, small)."""

    enabled: bool = False
    dim: int = 16
    kl_weight: float = 1e-3


@dataclass
class LossWeights:
    mel: float = 1.0
    duration: float = 0.1
    pitch: float = 0.1
    energy: float = 0.1
    align_forward_sum: float = 1.0
    align_binarization: float = 0.1
    binarization_start_step: int = 1000
    speaker_consistency: float = 0.0
    """Weight of ``1 - cos`` between the frozen GE2E embedding of the mel decoded from the model's
    own durations, pitch and energy and the target d-vector (YourTTS; see ``speaker_loss``)."""


@dataclass
class TTSModelConfig:
    """The acoustic model: what ships with the weights.

    ``languages``, ``speakers`` and ``emotions`` are the model's vocabularies; ``speaker_dim`` is
    the size of the speaker embedding (256: resemblyzer's GE2E d-vector).
    """

    vocab_size: int = 700
    languages: list[str] = field(default_factory=lambda: ["en-us"])
    speakers: list[str] = field(default_factory=lambda: ["speaker"])
    emotions: list[str] = field(default_factory=lambda: ["neutral", "happy", "sad", "angry", "surprised"])
    audio: AudioConfig = field(default_factory=AudioConfig)
    dim: int = 192
    speaker_dim: int = 256
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    variance: VarianceConfig = field(default_factory=VarianceConfig)
    adversarial: AdversarialConfig = field(default_factory=AdversarialConfig)
    emotion: EmotionConfig = field(default_factory=EmotionConfig)
    residual: ResidualConfig = field(default_factory=ResidualConfig)
    loss: LossWeights = field(default_factory=LossWeights)
    # log-F0 and log-energy statistics of the training data, to normalise predictor targets
    pitch_mean: float = 5.0
    pitch_std: float = 0.3
    energy_mean: float = 0.0
    energy_std: float = 1.0

    def __post_init__(self) -> None:
        for name in ("languages", "speakers", "emotions"):
            values = getattr(self, name)
            if not values or len(set(values)) != len(values):
                raise ValueError(f"{name} must be a non-empty list without duplicates, got {values}")
        if self.dim <= 0 or self.vocab_size <= 0:
            raise ValueError("dim and vocab_size must be positive")
