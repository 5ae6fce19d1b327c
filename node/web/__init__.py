"""The HTML edge: views for people, forms, sessions, middlewares and static files."""
