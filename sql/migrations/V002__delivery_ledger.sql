-- The delivery ledger: one row per distinct delivery file (feed + content hash).
-- An identical re-delivery is not a new row; a corrected re-delivery for the same extract date is,
-- and it supersedes the earlier one, which is kept (status 'superseded').
CREATE TABLE IF NOT EXISTS raw.delivery (
    delivery_id      bigserial PRIMARY KEY,
    feed_id          text        NOT NULL,            -- <dept>_<feed>
    dept             text        NOT NULL,
    feed             text        NOT NULL,
    file_name        text        NOT NULL,
    extract_date     date        NOT NULL,
    sha256           text        NOT NULL,
    size_bytes       bigint      NOT NULL,
    archive_path     text        NOT NULL,
    arrived_at       timestamptz NOT NULL DEFAULT now(),
    status           text        NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'loaded', 'rejected', 'superseded')),
    superseded_by    bigint REFERENCES raw.delivery (delivery_id),
    applied_seq      bigint,                          -- order in which loaded deliveries were applied
    rows_read        integer,
    rows_loaded      integer,
    rows_quarantined integer,
    rows_duplicate   integer,
    rows_new         integer,
    rows_changed     integer,
    rows_removed     integer,
    rows_unchanged   integer,
    problems         jsonb       NOT NULL DEFAULT '[]'::jsonb,
    loaded_at        timestamptz,
    UNIQUE (feed_id, sha256)
);
CREATE INDEX IF NOT EXISTS delivery_feed_date_idx ON raw.delivery (feed_id, extract_date);
CREATE SEQUENCE IF NOT EXISTS raw.delivery_applied_seq;

-- Every time a file is seen in the landing zone, also identical re-sends (the no-ops).
CREATE TABLE IF NOT EXISTS raw.delivery_sighting (
    sighting_id  bigserial PRIMARY KEY,
    delivery_id  bigint      NOT NULL REFERENCES raw.delivery (delivery_id),
    file_path    text        NOT NULL,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    outcome      text        NOT NULL   -- new | identical_resend | replayed
);
