"""Interop tests against real peers no one here wrote (DESIGN.md §7)."""
