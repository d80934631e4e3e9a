-- Linkage mapped over township blocks (linkage/blocks.py, the nightly_master DAG): a run is
-- prepared in one task, its ID-less records are scored in one task per block of townships (in
-- parallel, on any worker), and a last task decides and writes the crosswalk. What passes from
-- task to task lives here, keyed by run: never data in XCom.

-- prepared: records and profiles refreshed, blocks being scored; abandoned: a prepared run that
-- never finished (the next run re-links in full, since linkage.record is already refreshed).
ALTER TABLE linkage.run DROP CONSTRAINT IF EXISTS run_status_check;
ALTER TABLE linkage.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('running', 'prepared', 'succeeded', 'failed', 'abandoned'));

-- The records an incremental run found new, changed or removed (its tmp_changed / tmp_removed).
CREATE TABLE IF NOT EXISTS linkage.run_change (
    run_id      bigint NOT NULL REFERENCES linkage.run ON DELETE CASCADE,
    kind        text   NOT NULL CHECK (kind IN ('changed', 'removed')),
    feed_id     text   NOT NULL,
    record_key  text   NOT NULL,
    old_id_key  text
);
CREATE INDEX IF NOT EXISTS run_change_run ON linkage.run_change (run_id, kind);

-- One block of a run: its townships and, once scored, its figures.
CREATE TABLE IF NOT EXISTS linkage.run_block (
    run_id      bigint NOT NULL REFERENCES linkage.run ON DELETE CASCADE,
    block       int    NOT NULL,
    townships   text[] NOT NULL,
    records     int,
    figures     jsonb,
    scored_at   timestamptz,
    PRIMARY KEY (run_id, block)
);

-- Each scored record's best candidate profile and what the decision needs of the others
-- (persons.CANDIDATE_COLUMNS); deleted when the run finishes.
CREATE TABLE IF NOT EXISTS linkage.block_candidate (
    run_id          bigint NOT NULL,
    block           int    NOT NULL,
    feed_id         text   NOT NULL,
    record_key      text   NOT NULL,
    profile_id_key  text   NOT NULL,
    weight          double precision NOT NULL,
    second          double precision,
    lse             double precision NOT NULL,
    candidates      int    NOT NULL,
    evidence        jsonb  NOT NULL,
    FOREIGN KEY (run_id, block) REFERENCES linkage.run_block ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS block_candidate_run ON linkage.block_candidate (run_id, block);
