"""The Mastodon-compatible client API and OAuth2 (a JSON edge on the same services as web/)."""
