"""Benchmarks and synthetic data for the CT07 app (``python -m bench.synthetic``)."""
