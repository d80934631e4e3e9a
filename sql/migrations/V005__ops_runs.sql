-- Runs of the pipeline (CLI or Airflow) and their stages, for `shouwang status` and audits.
CREATE TABLE IF NOT EXISTS ops.run (
    run_id      bigserial PRIMARY KEY,
    kind        text        NOT NULL,             -- ingest | nightly | ...
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status      text        NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'succeeded', 'failed')),
    summary     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE TABLE IF NOT EXISTS ops.run_delivery (
    run_id      bigint NOT NULL REFERENCES ops.run (run_id),
    delivery_id bigint NOT NULL REFERENCES raw.delivery (delivery_id),
    PRIMARY KEY (run_id, delivery_id)
);
