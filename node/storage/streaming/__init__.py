"""The streaming hub's NOTIFY channel and payloads."""
