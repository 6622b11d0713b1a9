"""PhotoAI: an offline desktop photo editor with deep-learning enhancement plugins."""

__version__ = "0.1.0"
