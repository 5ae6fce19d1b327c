"""Follows, blocks, mutes, lists, filters, markers, notifications, conversations."""
