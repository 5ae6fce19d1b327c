"""Streaming: the LISTEN hub that fans new posts and notifications out to open client streams."""
