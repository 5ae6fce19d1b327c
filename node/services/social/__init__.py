"""Relationships between people: follows and requests, blocks, mutes, lists, filters,
conversations, notifications, markers, and inbound follows.
"""
