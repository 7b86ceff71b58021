"""Audio input/output and signal processing shared by every model."""

from speech.audio.io import load_audio, resample, save_audio

__all__ = ["load_audio", "resample", "save_audio"]
