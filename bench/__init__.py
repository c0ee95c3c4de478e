"""Benchmarks (not tests): each module runs one with `python -m bench.<name>`; see docs/benchmarks.md."""
