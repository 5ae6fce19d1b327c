"""Queue runners: each queue is a table; workers claim rows with FOR UPDATE SKIP LOCKED."""
