"""Benchmarks and data generators: run by hand, not by the test suite."""
