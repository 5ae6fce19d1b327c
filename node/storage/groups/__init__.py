"""Groups here and their threads."""
