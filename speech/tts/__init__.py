"""Multispeaker, multilingual speech synthesis with emotion and accent control."""
