"""Generators, parsers and linters for every file the course writes."""
