"""Posts and what hangs off them: extras, polls, media, reactions, timelines, search."""
