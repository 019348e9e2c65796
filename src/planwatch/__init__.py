"""planwatch: read, track and check prison inspection action plans."""

__version__ = "0.1.0"
