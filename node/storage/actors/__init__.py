"""Remote actors (cached documents and keys) and the instance actor's key pair."""
