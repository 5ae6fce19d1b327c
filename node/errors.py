"""Errors that end a command with a one-line message instead of a traceback."""


class ConfigError(Exception):
    """Bad configuration: the command prints the message and exits with status 2."""
