-- Rows that could not be used, with a reason code, a message and the raw row as delivered.
CREATE TABLE IF NOT EXISTS quarantine.row (
    quarantine_id bigserial PRIMARY KEY,
    delivery_id   bigint      NOT NULL REFERENCES raw.delivery (delivery_id),
    feed_id       text        NOT NULL,
    line_no       integer,            -- 1-based line (csv/jsonl) or sheet row (xlsx) in the file
    record_key    text,
    reason_code   text        NOT NULL,
    message       text        NOT NULL,
    raw           jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quarantine_row_delivery_idx ON quarantine.row (delivery_id);
CREATE INDEX IF NOT EXISTS quarantine_row_feed_reason_idx ON quarantine.row (feed_id, reason_code);

-- What each applied delivery changed in staging; later stages read this to work incrementally.
-- (delivery_id, record_key) is unique by construction; only delivery_id is indexed, because an
-- index on the random record keys would cost more than the whole load of a large first snapshot.
-- No foreign key to raw.delivery either: a per-row trigger on millions of rows of a first load
-- costs more than the insert; the loader writes both in one transaction.
CREATE TABLE IF NOT EXISTS staging.change_log (
    delivery_id bigint NOT NULL,
    feed_id     text   NOT NULL,
    record_key  text   NOT NULL,
    change_kind text   NOT NULL CHECK (change_kind IN ('new', 'changed', 'removed'))
);
CREATE INDEX IF NOT EXISTS change_log_delivery_idx ON staging.change_log (delivery_id);
