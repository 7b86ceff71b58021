"""Test helpers shipped with the package: fixture builders and tiny data made at test time."""
