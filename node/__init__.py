"""Commonroom: a federated social network node for educators."""

__version__ = "0.1.0"
