"""Candor: customer-service feedback committed to git, scored and published as a static site."""

__version__ = "0.1.0"
