"""Interop tests against real peers no one here wrote (docs/architecture.md)."""
