"""Benchmarks of machibot: scripts that print figures, never against LINE (see README.md)."""
