-- Record linkage (issue 3): who is who across the departments' feeds.
-- linkage.record      one row per current staged record that names a person (its subject)
-- linkage.crosswalk   every such record -> master person and household, with score and method
-- linkage.person / linkage.household   master ids; a retired id points at the id that survived it
-- linkage.id_event    merges, splits, new and retired ids, per run
-- linkage.review_queue / linkage.steward_decision   the grey zone and the stewards' answers
CREATE SCHEMA IF NOT EXISTS linkage;

CREATE TABLE IF NOT EXISTS linkage.run (
    run_id       bigserial PRIMARY KEY,
    mode         text NOT NULL CHECK (mode IN ('full', 'incremental')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    watermark    bigint,              -- highest staging delivery id this run has seen
    figures      jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS linkage.record (
    feed_id          text NOT NULL,
    record_key       text NOT NULL,
    row_hash         bigint NOT NULL,
    id_key           text,   -- deterministic key: valid / converted ID, old area code 412927 -> 411328
    id_digits        text,   -- the normalised 18 characters whatever the status (near-miss comparison)
    id_status        text,
    name             text,
    sex              text,   -- as stated by the feed (the ID's own sex/birth date live in id_key)
    birth_date       date,
    township_code    text,
    village_code     text,
    phone            text,
    hukou_no         text,
    relation_to_head text,
    household_ref    text,   -- the feed's own household key, '<kind>:<value>' (poverty no, certificate, ...)
    head_id_key      text,   -- the household head's ID key where the row names the head separately
    PRIMARY KEY (feed_id, record_key)
);
CREATE INDEX IF NOT EXISTS record_id_key ON linkage.record (id_key);

-- One row per valid ID key: what the deterministic pass knows of that person, for comparison
-- with the records that have no usable ID (rebuilt from linkage.record each run).
CREATE TABLE IF NOT EXISTS linkage.profile (
    id_key          text PRIMARY KEY,
    name            text,
    name2           text,          -- second most frequent name (typos, former names)
    sex             text,
    birth_date      date,
    township_code   text,
    village_code    text,
    village2_code   text,          -- second most frequent village (hukou vs where they live)
    phone           text,
    rep_feed_id     text NOT NULL, -- a record standing for the profile in review items
    rep_record_key  text NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS linkage.person_seq;
CREATE SEQUENCE IF NOT EXISTS linkage.household_seq;

CREATE TABLE IF NOT EXISTS linkage.person (
    person_id     text PRIMARY KEY,
    created_run   bigint NOT NULL,
    retired_run   bigint,
    surviving_id  text REFERENCES linkage.person (person_id),
    flags         text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS linkage.household (
    household_id  text PRIMARY KEY,
    created_run   bigint NOT NULL,
    retired_run   bigint,
    surviving_id  text REFERENCES linkage.household (household_id)
);

CREATE TABLE IF NOT EXISTS linkage.crosswalk (
    feed_id       text NOT NULL,
    record_key    text NOT NULL,
    dept          text NOT NULL,
    feed          text NOT NULL,
    person_id     text NOT NULL,
    household_id  text,
    score         double precision,   -- match probability of the link that placed the record (1 = deterministic)
    -- deterministic: valid ID key; probabilistic: Fellegi-Sunter; steward: a steward's decision;
    -- history: the record's key belonged to this person before and the name still agrees;
    -- singleton: nothing else found, a person of its own
    method        text NOT NULL
                  CHECK (method IN ('deterministic', 'probabilistic', 'steward', 'history', 'singleton')),
    run_id        bigint NOT NULL,
    PRIMARY KEY (feed_id, record_key)
);
CREATE INDEX IF NOT EXISTS crosswalk_person ON linkage.crosswalk (person_id);
CREATE INDEX IF NOT EXISTS crosswalk_household ON linkage.crosswalk (household_id);

-- Per-field evidence of each probabilistic link (what `shouwang explain` shows).
CREATE TABLE IF NOT EXISTS linkage.link_evidence (
    feed_id        text NOT NULL,
    record_key     text NOT NULL,
    to_feed_id     text NOT NULL,
    to_record_key  text NOT NULL,
    probability    double precision NOT NULL,
    weight         double precision NOT NULL,
    evidence       jsonb NOT NULL,     -- {field: {"level": ..., "weight": bits}}
    run_id         bigint NOT NULL,
    PRIMARY KEY (feed_id, record_key)
);

CREATE TABLE IF NOT EXISTS linkage.membership (
    person_id         text NOT NULL,
    household_id      text NOT NULL,
    relation_to_head  text,
    source            text NOT NULL,    -- which evidence placed the person (hukou, poverty_no, ...)
    run_id            bigint NOT NULL,
    PRIMARY KEY (person_id)
);
CREATE INDEX IF NOT EXISTS membership_household ON linkage.membership (household_id);

CREATE TABLE IF NOT EXISTS linkage.id_event (
    event_id     bigserial PRIMARY KEY,
    run_id       bigint NOT NULL,
    entity       text NOT NULL CHECK (entity IN ('person', 'household')),
    kind         text NOT NULL CHECK (kind IN ('new', 'merge', 'split', 'retire')),
    old_id       text,
    new_id       text,
    records      integer,
    at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS linkage.review_queue (
    item_id          bigserial PRIMARY KEY,
    left_feed_id     text NOT NULL,
    left_record_key  text NOT NULL,
    right_feed_id    text NOT NULL,
    right_record_key text NOT NULL,
    probability      double precision NOT NULL,
    weight           double precision NOT NULL,
    evidence         jsonb NOT NULL,
    reason           text NOT NULL,     -- grey_zone | two_valid_ids | ambiguous
    run_id           bigint NOT NULL,
    UNIQUE (left_feed_id, left_record_key, right_feed_id, right_record_key)
);

CREATE TABLE IF NOT EXISTS linkage.steward_decision (
    left_feed_id     text NOT NULL,
    left_record_key  text NOT NULL,
    right_feed_id    text NOT NULL,
    right_record_key text NOT NULL,
    decision         text NOT NULL CHECK (decision IN ('match', 'non_match')),
    decided_by       text NOT NULL,
    decided_at       timestamptz NOT NULL DEFAULT now(),
    note             text,
    PRIMARY KEY (left_feed_id, left_record_key, right_feed_id, right_record_key)
);

-- Follow retired ids to the id that survived them (merges chain: A -> B -> C).
CREATE OR REPLACE FUNCTION linkage.current_person_id(pid text) RETURNS text
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE chain(id, next, depth) AS (
        SELECT person_id, surviving_id, 0 FROM linkage.person WHERE person_id = pid
        UNION ALL
        SELECT p.person_id, p.surviving_id, c.depth + 1
        FROM chain c JOIN linkage.person p ON p.person_id = c.next
        WHERE c.depth < 100
    )
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
$$;

CREATE OR REPLACE FUNCTION linkage.current_household_id(hid text) RETURNS text
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE chain(id, next, depth) AS (
        SELECT household_id, surviving_id, 0 FROM linkage.household WHERE household_id = hid
        UNION ALL
        SELECT h.household_id, h.surviving_id, c.depth + 1
        FROM chain c JOIN linkage.household h ON h.household_id = c.next
        WHERE c.depth < 100
    )
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
$$;
