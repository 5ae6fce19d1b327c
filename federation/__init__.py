"""ActivityPub protocol library for Commonroom; never imports the application (`node`)."""
