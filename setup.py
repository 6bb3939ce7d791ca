"""Build shim for tools that still run setup.py: the metadata is in setup.cfg, the build system in pyproject.toml."""

from setuptools import setup

setup()
