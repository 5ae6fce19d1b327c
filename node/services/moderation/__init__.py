"""Moderation: reports about people and posts, for this node's moderators."""
