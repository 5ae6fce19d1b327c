"""The delivery worker: sends queued deliveries, signs them and records each outcome."""
