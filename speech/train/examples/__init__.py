"""Small real tasks (synthetic tones) that exercise the engine in tests, smoke runs and benchmarks."""
