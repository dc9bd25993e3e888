"""isf: an open, fast, explainable engine for Norwegian activity-based hospital financing."""

__version__ = "0.1.0"
