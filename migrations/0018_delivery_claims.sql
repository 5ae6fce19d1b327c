-- A worker claims the deliveries it sends (node.storage.queues.deliveries.claim_due) instead of
-- holding their row locks while it sends, so it can record each outcome as soon as it has it.
-- `claimed_by` names the database session that claimed the row ('pid:backend start in µs',
-- unique for the server's life); recording the outcome clears it. A claim whose session is
-- gone (the worker died, and its connection with it) is void at once.
ALTER TABLE deliveries ADD COLUMN claimed_by text;
