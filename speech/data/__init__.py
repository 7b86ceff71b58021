"""Corpora as lhotse manifests: real-corpus preparation and the bootstrap corpora."""
