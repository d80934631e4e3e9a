-- The feed gate (issue 4): each loaded delivery's feed is validated against its suite
-- (expectations/feeds/<feed_id>.json) once, before linkage. A non-critical feed that fails is
-- taken out of staging for the night (its delivery rolled back, status 'quarantined', the
-- failing expectations in `problems`); a critical one (huji, jiance) stops the night.
ALTER TABLE raw.delivery DROP CONSTRAINT IF EXISTS delivery_status_check;
ALTER TABLE raw.delivery ADD CONSTRAINT delivery_status_check
    CHECK (status IN ('received', 'loaded', 'rejected', 'superseded', 'quarantined'));

ALTER TABLE ops.gate_run ADD COLUMN IF NOT EXISTS scope text NOT NULL DEFAULT 'master';  -- master | feeds

CREATE TABLE IF NOT EXISTS ops.delivery_check (
    delivery_id  bigint PRIMARY KEY REFERENCES raw.delivery (delivery_id),
    gate_run_id  bigint NOT NULL REFERENCES ops.gate_run (gate_run_id),
    outcome      text NOT NULL CHECK (outcome IN ('passed', 'warned', 'quarantined', 'failed')),
    checked_at   timestamptz NOT NULL DEFAULT now()
);
