"""Profiles: names, bios, fields, avatars and headers, and the actor updates they cause."""
