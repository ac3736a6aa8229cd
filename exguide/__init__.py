"""exguide: a static site generator for exercise guides."""

__version__ = "0.1.0"
