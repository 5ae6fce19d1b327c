-- The maintenance sweeps (node.services.maintenance.retention) find finished rows by age.
CREATE INDEX inbox_activities_finished ON inbox_activities (processed_at) WHERE state <> 'pending';
CREATE INDEX outbound_activities_created ON outbound_activities (created_at);
CREATE INDEX rate_limit_events_at ON rate_limit_events (at);
CREATE INDEX sign_in_failures_failed_at ON sign_in_failures (failed_at);
