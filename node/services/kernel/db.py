"""The database handle, as the edges see it (they never import storage themselves)."""

from node.storage.pool import Database, DatabaseUnavailable

__all__ = ["Database", "DatabaseUnavailable"]
