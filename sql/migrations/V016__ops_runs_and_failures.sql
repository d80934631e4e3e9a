-- Runs of the nightly chain, their stages and task failures (issue 6): what `shouwang status` shows.
--
-- ops.run (V005) gains the key of the run it records: an Airflow dag run id, or cli:<timestamp> for
-- `shouwang nightly`; every stage of a run (ingest, feed gate, linkage, master, marts, reports, ...)
-- is a row of ops.run_stage with its timing, outcome and counts; ops.task_failure keeps what a
-- failure callback saw (task, try, error class and message without row data).
ALTER TABLE ops.run ADD COLUMN IF NOT EXISTS run_key text;
ALTER TABLE ops.run ADD COLUMN IF NOT EXISTS as_of_date date;
CREATE UNIQUE INDEX IF NOT EXISTS run_kind_key ON ops.run (kind, run_key) WHERE run_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS ops.run_stage (
    run_id       bigint      NOT NULL REFERENCES ops.run (run_id),
    stage        text        NOT NULL,
    attempt      integer     NOT NULL DEFAULT 1,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    seconds      double precision,
    status       text        NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    figures      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error        text,
    PRIMARY KEY (run_id, stage, attempt)
);

CREATE TABLE IF NOT EXISTS ops.task_failure (
    failure_id   bigserial PRIMARY KEY,
    dag_id       text        NOT NULL,
    task_id      text        NOT NULL,
    run_key      text,
    try_number   integer,
    error_class  text,
    error        text,
    notified     text,            -- webhook / email when a notification went out
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS task_failure_at ON ops.task_failure (at DESC);

-- Archive retention (housekeeping): when a delivery's archived file was removed. The ledger row stays.
ALTER TABLE raw.delivery ADD COLUMN IF NOT EXISTS archive_removed_at timestamptz;
