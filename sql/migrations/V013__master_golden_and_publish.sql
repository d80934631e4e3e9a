-- Golden records, the quality gate and the published master (issue 4).
--
-- master_candidate.*   tonight's golden records, rebuilt in full beside the published master;
--                      the gate validates them, nothing reads them but the gate and publish
-- master.*_history     every published version (SCD type 2): valid_from / valid_to are business
--                      dates (the night's as-of date), published_version / retired_version the
--                      publications that opened and closed the row
-- master.person / master.household / master.membership   the current published version (views)
-- master.publication   one row per publish; master.golden_override   steward pins
-- ops.gate_run / ops.quality_result   every validation and each expectation's outcome
CREATE SCHEMA IF NOT EXISTS master_candidate;

CREATE TABLE IF NOT EXISTS master_candidate.person (
    person_id            text PRIMARY KEY,
    name                 text,
    former_name          text,
    sex                  text,
    birth_date           date,
    id_number            text,
    ethnicity            text,
    phone                text,
    township_code        text,
    village_code         text,
    address              text,
    person_status        text,
    death_date           date,
    disability_category  text,
    disability_grade     text,
    school_stage         text,
    enrolment_status     text,
    assistance_type      text,
    monitoring_category  text,
    lineage              jsonb NOT NULL DEFAULT '{}'::jsonb,  -- attribute -> {feed, key, date, rule}
    row_hash             text NOT NULL                         -- of the values, not the lineage
);
CREATE TABLE IF NOT EXISTS master_candidate.household (
    household_id         text PRIMARY KEY,
    head_person_id       text,
    head_inferred        boolean NOT NULL DEFAULT false,  -- no source names a head: the eldest member
    heads                integer NOT NULL,                -- members the sources name as head
    members              integer NOT NULL,
    township_code        text,
    village_code         text,
    address              text,
    hukou_no             text,
    poverty_hh_no        text,
    household_type       text,
    monitoring_category  text,
    risk_types           text,
    risk_eliminated      boolean,
    identified_on        date,
    lineage              jsonb NOT NULL DEFAULT '{}'::jsonb,
    row_hash             text NOT NULL
);
CREATE TABLE IF NOT EXISTS master_candidate.membership (
    person_id         text PRIMARY KEY,
    household_id      text NOT NULL,
    relation_to_head  text,
    is_head           boolean NOT NULL,
    source            text NOT NULL,
    row_hash          text NOT NULL
);
CREATE INDEX IF NOT EXISTS candidate_membership_household ON master_candidate.membership (household_id);
-- What tonight's candidate was built for (the gate's queries read the as-of date from here).
CREATE TABLE IF NOT EXISTS master_candidate.build (
    as_of_date   date NOT NULL,
    linkage_run  bigint,
    built_at     timestamptz NOT NULL DEFAULT now()
);
-- Per feed: how its current records were placed tonight (the gate's linkage-rate bands).
CREATE TABLE IF NOT EXISTS master_candidate.feed_link_rate (
    feed_id              text PRIMARY KEY,
    records              integer NOT NULL,
    by_id_share          double precision NOT NULL,  -- placed by a valid ID
    placed_share         double precision NOT NULL,  -- placed with other records (not a singleton)
    id_valid_min         double precision,           -- the registry's expectation of the feed
    critical             boolean NOT NULL
);

-- Published history. The columns are the candidate's plus the version bookkeeping.
CREATE TABLE IF NOT EXISTS master.person_history (
    LIKE master_candidate.person,
    valid_from         date NOT NULL,
    valid_to           date,
    published_version  bigint NOT NULL,
    retired_version    bigint
);
CREATE UNIQUE INDEX IF NOT EXISTS person_history_current ON master.person_history (person_id)
    WHERE retired_version IS NULL;
CREATE INDEX IF NOT EXISTS person_history_id ON master.person_history (person_id, valid_from);

CREATE TABLE IF NOT EXISTS master.household_history (
    LIKE master_candidate.household,
    valid_from         date NOT NULL,
    valid_to           date,
    published_version  bigint NOT NULL,
    retired_version    bigint
);
CREATE UNIQUE INDEX IF NOT EXISTS household_history_current ON master.household_history (household_id)
    WHERE retired_version IS NULL;
CREATE INDEX IF NOT EXISTS household_history_id ON master.household_history (household_id, valid_from);

CREATE TABLE IF NOT EXISTS master.membership_history (
    LIKE master_candidate.membership,
    valid_from         date NOT NULL,
    valid_to           date,
    published_version  bigint NOT NULL,
    retired_version    bigint
);
CREATE UNIQUE INDEX IF NOT EXISTS membership_history_current ON master.membership_history (person_id)
    WHERE retired_version IS NULL;
CREATE INDEX IF NOT EXISTS membership_history_household
    ON master.membership_history (household_id, valid_from);

CREATE TABLE IF NOT EXISTS master.publication (
    version        bigserial PRIMARY KEY,
    gate_run_id    bigint NOT NULL,
    as_of_date     date NOT NULL,
    published_at   timestamptz NOT NULL DEFAULT now(),
    figures        jsonb NOT NULL DEFAULT '{}'::jsonb   -- rows opened / closed per table
);

-- The current published master: what other systems and the marts read.
CREATE OR REPLACE VIEW master.person AS
    SELECT person_id, name, former_name, sex, birth_date, id_number, ethnicity, phone, township_code,
           village_code, address, person_status, death_date, disability_category, disability_grade,
           school_stage, enrolment_status, assistance_type, monitoring_category, lineage,
           valid_from, published_version
    FROM master.person_history WHERE retired_version IS NULL;
CREATE OR REPLACE VIEW master.household AS
    SELECT household_id, head_person_id, head_inferred, heads, members, township_code, village_code,
           address, hukou_no, poverty_hh_no, household_type, monitoring_category, risk_types,
           risk_eliminated, identified_on, lineage, valid_from, published_version
    FROM master.household_history WHERE retired_version IS NULL;
CREATE OR REPLACE VIEW master.membership AS
    SELECT person_id, household_id, relation_to_head, is_head, source, valid_from, published_version
    FROM master.membership_history WHERE retired_version IS NULL;

-- Point in time: the members of a household on a date (business date, as published).
-- A version is valid on d when valid_from <= d < valid_to; a version opened and closed on the
-- same date (a night re-run the same day) is valid on no date.
CREATE OR REPLACE FUNCTION master.household_members_at(hh text, on_date date)
RETURNS TABLE (person_id text, relation_to_head text, is_head boolean)
LANGUAGE sql STABLE AS $$
    SELECT m.person_id, m.relation_to_head, m.is_head
    FROM master.membership_history m
    WHERE m.household_id = hh AND m.valid_from <= on_date AND (m.valid_to IS NULL OR m.valid_to > on_date)
    ORDER BY m.is_head DESC, m.person_id
$$;

-- Steward pins: a value kept for an attribute until the pin is removed (removed_at set).
CREATE TABLE IF NOT EXISTS master.golden_override (
    override_id  bigserial PRIMARY KEY,
    entity       text NOT NULL CHECK (entity IN ('person', 'household')),
    entity_id    text NOT NULL,
    attribute    text NOT NULL,
    value        text,
    reason       text NOT NULL,
    pinned_by    text NOT NULL,
    pinned_at    timestamptz NOT NULL DEFAULT now(),
    removed_at   timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS golden_override_active
    ON master.golden_override (entity, entity_id, attribute) WHERE removed_at IS NULL;

CREATE TABLE IF NOT EXISTS ops.gate_run (
    gate_run_id        bigserial PRIMARY KEY,
    as_of_date         date NOT NULL,
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    status             text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'passed', 'warned', 'failed', 'error')),
    published_version  bigint,
    data_docs          text,                              -- index.html of the Data Docs site
    summary            jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE TABLE IF NOT EXISTS ops.quality_result (
    result_id     bigserial PRIMARY KEY,
    gate_run_id   bigint NOT NULL REFERENCES ops.gate_run (gate_run_id),
    suite         text NOT NULL,
    suite_version integer,
    feed_id       text,
    expectation   text NOT NULL,      -- type and main column / description
    severity      text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    success       boolean NOT NULL,
    observed      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quality_result_run ON ops.quality_result (gate_run_id);
CREATE INDEX IF NOT EXISTS quality_result_suite ON ops.quality_result (suite, created_at);
