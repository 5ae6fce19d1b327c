"""Posts: writing, composing, polls, media, reactions, timelines, search, feeds, group placement,
and inbound notes.
"""
