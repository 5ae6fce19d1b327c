-- An inbound activity that is never applied says why: `rejected` (invalid or not allowed by
-- its handler) or `dropped` (no handler for its (activity, object) pair, or one that says the
-- pair is not supported yet). `failed` stays for activities that ran out of retries.
ALTER TABLE inbox_activities DROP CONSTRAINT inbox_activities_state_check;
ALTER TABLE inbox_activities ADD CONSTRAINT inbox_activities_state_check
    CHECK (state IN ('pending', 'done', 'rejected', 'dropped', 'failed'));
