-- Monitoring marts (issue 5): what the county runs the platform for.
--
-- mart.run              one row per marts refresh (which publication it read, figures)
-- mart.income_item      tonight's income parts per person and source record (annual yuan)
-- mart.household_profile one row per current master household: members, income, expenditure,
--                       the "two no-worries, three guarantees" and water indicators, status
-- mart.alert            early-warning alerts and verification signals with their lifecycle;
--                       one row per (household, type, cause), kept across runs
-- mart.alert_history    every status change and every change of an alert's cause
-- mart.roster           monitored households and candidates (alerted, not monitored)
-- mart.run_change       the nightly comparison: what changed since the previous run
-- mart.area_indicator   township / village summaries per indicator (quarterly review)
CREATE TABLE IF NOT EXISTS mart.run (
    run_id               bigserial PRIMARY KEY,
    as_of_date           date NOT NULL,
    master_version       bigint,              -- master.publication the run read
    rules_year           integer NOT NULL,    -- which year's thresholds applied
    started_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    status               text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    figures              jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE IF NOT EXISTS mart.income_item (
    household_id   text NOT NULL,
    person_id      text NOT NULL,
    component      text NOT NULL,   -- wages, pension, public_welfare_post, ranger, subsidy, farm_subsidy,
                                    -- assistance, disability_allowance, business, ...
    feed_id        text NOT NULL,
    record_key     text NOT NULL,
    annual_amount  numeric(14,2) NOT NULL
);
CREATE INDEX IF NOT EXISTS income_item_household ON mart.income_item (household_id);

-- A household's income estimate once a month (the month's last run wins): year-on-year comparison
-- with the same sources and the same method, twelve months apart.
CREATE TABLE IF NOT EXISTS mart.income_history (
    household_id   text NOT NULL,
    month          date NOT NULL,
    income_total   numeric(14,2),
    members        integer NOT NULL,
    run_id         bigint NOT NULL,
    PRIMARY KEY (household_id, month)
);

CREATE TABLE IF NOT EXISTS mart.household_profile (
    household_id            text PRIMARY KEY,
    township_code           text,
    village_code            text,
    members                 integer NOT NULL,   -- living members
    deceased_members        integer NOT NULL,
    children                integer NOT NULL,   -- under 16
    school_age              integer NOT NULL,   -- 6 to 15 (compulsory education)
    working_age             integer NOT NULL,   -- 16 to 59
    elders                  integer NOT NULL,   -- 60 and older
    labour_force            integer NOT NULL,   -- working age, not severely disabled
    household_type          text,               -- 脱贫户 / 监测户 / 一般农户 (乡村振兴)
    monitoring_category     text,
    risk_types              text,
    risk_eliminated         boolean,
    identified_on           date,
    assisted                boolean NOT NULL,   -- registered (脱贫户 / 监测户) or a member with assistance
    assistance_types        text,               -- 农村低保, 特困供养, 临时救助 ... of any member
    max_disability_grade    text,
    severe_disabled         integer NOT NULL,   -- grade 1-2
    chronic_ill             integer NOT NULL,
    income_known            boolean NOT NULL,   -- at least one income source seen
    income_total            numeric(14,2),      -- yuan per year, what the feeds show
    income_per_capita       numeric(14,2),
    income_surveyed_per_capita numeric(14,2),   -- 上年度家庭人均纯收入 from 乡村振兴, when registered
    labour_income_known     boolean NOT NULL,   -- every working-age member appears in an employment source
    income_basis            text,               -- surveyed | estimate | NULL (not assessable)
    income_assessed_per_capita numeric(14,2),   -- what the income rules compare: surveyed, else the
                                                -- estimate when labour income is known
    income_parts            jsonb NOT NULL DEFAULT '{}'::jsonb,   -- component -> yuan
    income_last_year_taxed  numeric(14,2),      -- wages + business of the last tax year (税务)
    medical_oop_12m         numeric(14,2) NOT NULL DEFAULT 0,
    flag_not_in_school      boolean NOT NULL,   -- 应学尽学: a school-age child not enrolled or dropped out
    flag_uninsured          boolean NOT NULL,   -- 应保尽保: a member not insured
    flag_unsafe_house       boolean NOT NULL,   -- 应改尽改: a C/D house not renovated
    flag_water_household    boolean NOT NULL,   -- an open drinking-water problem of the household
    flag_water_village      boolean NOT NULL,   -- the village's supply is below standard
    evidence                jsonb NOT NULL DEFAULT '{}'::jsonb,   -- flag -> [[feed, record_key], ...]
    run_id                  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS household_profile_area ON mart.household_profile (township_code, village_code);

CREATE TABLE IF NOT EXISTS mart.alert (
    alert_id         bigserial PRIMARY KEY,
    household_id     text NOT NULL,
    alert_type       text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('risk', 'signal')),
    severity         text NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    cause_key        text NOT NULL,     -- what the alert is about (a person, a record, the income)
    cause_hash       text NOT NULL,     -- of the evidence: a changed cause is a new finding
    person_id        text,
    township_code    text,
    village_code     text,
    detail           text,              -- short, no personal data (amounts, grades, dates)
    evidence         jsonb NOT NULL,    -- [{feed, record_key, person_id}, ...]
    status           text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'pushed', 'verified', 'assisted', 'resolved', 'closed')),
    cause_present    boolean NOT NULL DEFAULT true,   -- tonight's data still shows the cause
    cause_changed    boolean NOT NULL DEFAULT false,  -- the cause changed while the alert was handled
    created_run      bigint NOT NULL,
    last_seen_run    bigint NOT NULL,
    closed_run       bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- one alert per cause, however many nights it is seen
CREATE UNIQUE INDEX IF NOT EXISTS alert_cause ON mart.alert (household_id, alert_type, cause_key)
    WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX IF NOT EXISTS alert_household ON mart.alert (household_id);
CREATE INDEX IF NOT EXISTS alert_area ON mart.alert (township_code, status);

CREATE TABLE IF NOT EXISTS mart.alert_history (
    history_id   bigserial PRIMARY KEY,
    alert_id     bigint NOT NULL REFERENCES mart.alert (alert_id),
    from_status  text,
    to_status    text NOT NULL,
    event        text NOT NULL,   -- raised, feedback, cause_changed, cause_gone, cause_back, auto_closed
    note         text,
    actor        text NOT NULL,   -- 'pipeline' or the staff member / client
    run_id       bigint,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alert_history_alert ON mart.alert_history (alert_id);

CREATE TABLE IF NOT EXISTS mart.roster (
    household_id         text PRIMARY KEY,
    roster_status        text NOT NULL CHECK (roster_status IN ('monitored', 'candidate')),
    township_code        text,
    village_code         text,
    monitoring_category  text,
    risk_types           text,
    identified_on        date,
    risk_eliminated      boolean,
    open_risk_alerts     integer NOT NULL,
    open_signals         integer NOT NULL,
    alert_types          text,
    run_id               bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS roster_area ON mart.roster (township_code, village_code);

CREATE TABLE IF NOT EXISTS mart.run_change (
    run_id        bigint NOT NULL REFERENCES mart.run (run_id),
    change        text NOT NULL,   -- alert_new, alert_closed, entered_risk, left_risk, person_new,
                                   -- person_died, person_moved, person_merged, person_split, ...
    entity_id     text NOT NULL,   -- alert id, household id or person id (never personal data)
    household_id  text,
    detail        text
);
CREATE INDEX IF NOT EXISTS run_change_run ON mart.run_change (run_id, change);

-- Which households were at risk (an open risk alert whose cause is present) after each run:
-- the comparison's "entered / left risk".
CREATE TABLE IF NOT EXISTS mart.risk_state (
    household_id  text PRIMARY KEY,
    at_risk       boolean NOT NULL,
    since_run     bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS mart.area_indicator (
    run_id         bigint NOT NULL REFERENCES mart.run (run_id),
    township_code  text NOT NULL,
    village_code   text NOT NULL,   -- '' for the township's own row
    indicator      text NOT NULL,
    households     integer NOT NULL,   -- households the indicator applies to
    flagged        integer NOT NULL,   -- of those, households with the flag
    PRIMARY KEY (run_id, township_code, village_code, indicator)
);
