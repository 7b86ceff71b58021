"""speech: a toolkit for cross-lingual speech transfer.

Sub-packages, one job each:

- :mod:`speech.text`  text normalisation, G2P front-ends, the shared phoneme inventory, tokenizer.
"""

__version__ = "0.1.0"
