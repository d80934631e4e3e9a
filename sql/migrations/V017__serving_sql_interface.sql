-- Serving the master household table (issue 7, SQL interface): versioned views, roles, masking,
-- keyed ID hashes and the audit trail.
--
-- api_v1        what other systems read: households, persons (ID numbers and phones masked, health
--               and disability reduced to flags), memberships, open alerts, indicator flags
-- api_v1_full   the same with full values, for the privileged role; every read writes audit rows
-- audit         the ID-hash key (no API role can read it) and the lookup log (append-only)
--
-- Roles (cluster-wide, created once): shouwang_reader sees api_v1 only; shouwang_privileged sees
-- api_v1 and api_v1_full; shouwang_pipeline owns the writes. Neither API role can write anything
-- but the audit rows its reads produce (through the definer functions below).
CREATE SCHEMA IF NOT EXISTS api_v1;
CREATE SCHEMA IF NOT EXISTS api_v1_full;
CREATE SCHEMA IF NOT EXISTS audit;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shouwang_reader') THEN
        CREATE ROLE shouwang_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shouwang_privileged') THEN
        CREATE ROLE shouwang_privileged NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shouwang_pipeline') THEN
        CREATE ROLE shouwang_pipeline NOLOGIN;
    END IF;
END
$$;

-- The key of the ID hashes: one per warehouse, made here, never in code, readable by no API role.
CREATE TABLE IF NOT EXISTS audit.hash_key (
    only_one  boolean PRIMARY KEY DEFAULT true CHECK (only_one),
    key       text NOT NULL
);
INSERT INTO audit.hash_key (key)
VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
ON CONFLICT DO NOTHING;

-- Every lookup of person data: who, why, what (as a keyed hash, never the value), when, how many.
CREATE TABLE IF NOT EXISTS audit.lookup (
    lookup_id     bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    db_role       text NOT NULL DEFAULT current_user,
    client        text,
    purpose       text,
    target        text NOT NULL,      -- the view or endpoint read
    subject_hash  text,               -- keyed hash of what was looked up (an ID number, a household id)
    result_count  integer NOT NULL
);
CREATE INDEX IF NOT EXISTS lookup_at ON audit.lookup (at);

-- Append-only: no UPDATE or DELETE through any role but the table's owner.
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows cannot be changed or deleted';
END
$$;
DROP TRIGGER IF EXISTS lookup_append_only ON audit.lookup;
CREATE TRIGGER lookup_append_only BEFORE UPDATE OR DELETE ON audit.lookup
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

-- Keyed hash of a normalised ID number (upper case, no spaces): equality lookups without the value.
CREATE OR REPLACE FUNCTION audit.id_hash(id_number text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT encode(sha256(convert_to((SELECT key FROM audit.hash_key)
                                    || upper(regexp_replace(id_number, '\s', '', 'g')), 'UTF8')), 'hex')
$$;

-- Masks: 411328********1234 and 138****5678.
CREATE OR REPLACE FUNCTION api_v1.mask_id(id_number text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN id_number IS NULL THEN NULL
                WHEN length(id_number) >= 10 THEN left(id_number, 6) || repeat('*', length(id_number) - 10)
                                                  || right(id_number, 4)
                ELSE repeat('*', length(id_number)) END
$$;
CREATE OR REPLACE FUNCTION api_v1.mask_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN phone IS NULL THEN NULL
                WHEN length(phone) = 11 THEN left(phone, 3) || '****' || right(phone, 4)
                ELSE repeat('*', length(phone)) END
$$;

-- api_v1: the reader's views. Stable names and columns; internal tables may change under them.
CREATE OR REPLACE VIEW api_v1.household AS
    SELECT h.household_id, h.township_code, h.village_code, h.head_person_id, h.members,
           h.household_type, h.monitoring_category, h.risk_types, h.risk_eliminated, h.identified_on,
           h.valid_from AS as_of_date, h.published_version AS master_version
    FROM master.household h;

CREATE OR REPLACE VIEW api_v1.person AS
    SELECT p.person_id, m.household_id, p.name, p.sex, p.birth_date,
           api_v1.mask_id(p.id_number) AS id_number_masked, api_v1.mask_phone(p.phone) AS phone_masked,
           p.township_code, p.village_code, p.person_status, p.death_date,
           (p.disability_grade IS NOT NULL) AS has_disability,
           p.enrolment_status, p.assistance_type, p.monitoring_category,
           p.published_version AS master_version
    FROM master.person p LEFT JOIN master.membership m USING (person_id);

CREATE OR REPLACE VIEW api_v1.membership AS
    SELECT person_id, household_id, relation_to_head, is_head FROM master.membership;

CREATE OR REPLACE VIEW api_v1.alert AS
    SELECT alert_id, household_id, alert_type, kind, severity, status, detail, township_code, village_code,
           created_run, last_seen_run, cause_changed
    FROM mart.alert WHERE status NOT IN ('resolved', 'closed') AND cause_present;

CREATE OR REPLACE VIEW api_v1.indicator AS
    SELECT household_id, township_code, village_code, members, income_known, income_basis,
           income_assessed_per_capita, flag_not_in_school, flag_uninsured, flag_unsafe_house,
           flag_water_household, flag_water_village, (severe_disabled > 0) AS has_severe_disability,
           (chronic_ill > 0) AS has_chronic_illness
    FROM mart.household_profile;

-- api_v1_full: full values for the privileged role. Reading goes through a definer function that
-- writes the audit row first (client and purpose from the session: SET shouwang.client / .purpose).
CREATE OR REPLACE FUNCTION api_v1_full.read_persons() RETURNS TABLE (
    person_id text, household_id text, name text, sex text, birth_date date, id_number text, phone text,
    township_code text, village_code text, person_status text, death_date date, disability_category text,
    disability_grade text, enrolment_status text, assistance_type text, monitoring_category text
)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    n integer;
BEGIN
    SELECT count(*) INTO n FROM master.person;
    INSERT INTO audit.lookup (db_role, client, purpose, target, subject_hash, result_count)
    VALUES (session_user, current_setting('shouwang.client', true), current_setting('shouwang.purpose', true),
            'api_v1_full.person', NULL, n);
    RETURN QUERY
        SELECT p.person_id, m.household_id, p.name, p.sex, p.birth_date, p.id_number, p.phone,
               p.township_code, p.village_code, p.person_status, p.death_date, p.disability_category,
               p.disability_grade, p.enrolment_status, p.assistance_type, p.monitoring_category
        FROM master.person p LEFT JOIN master.membership m ON m.person_id = p.person_id;
END
$$;
CREATE OR REPLACE VIEW api_v1_full.person AS SELECT * FROM api_v1_full.read_persons();

-- One person by ID number, for either role: matched on the normalised value inside the definer
-- function (the caller never sees it), logged by its keyed hash, returned masked.
CREATE OR REPLACE FUNCTION api_v1.person_by_id_number(id_number text, client text, purpose text)
RETURNS SETOF api_v1.person
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    h text := audit.id_hash(id_number);
    n integer;
BEGIN
    RETURN QUERY
        SELECT v.* FROM api_v1.person v JOIN master.person p USING (person_id)
        WHERE p.id_number = upper(regexp_replace(person_by_id_number.id_number, '\s', '', 'g'));
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO audit.lookup (db_role, client, purpose, target, subject_hash, result_count)
    VALUES (session_user, client, purpose, 'api_v1.person_by_id_number', h, n);
END
$$;

-- Grants: readers see api_v1, the privileged role api_v1 and api_v1_full; no API role writes.
REVOKE ALL ON SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.id_hash(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION api_v1_full.read_persons() FROM PUBLIC;
REVOKE ALL ON FUNCTION api_v1.person_by_id_number(text, text, text) FROM PUBLIC;
GRANT USAGE ON SCHEMA api_v1 TO shouwang_reader, shouwang_privileged;
GRANT SELECT ON ALL TABLES IN SCHEMA api_v1 TO shouwang_reader, shouwang_privileged;
GRANT EXECUTE ON FUNCTION api_v1.mask_id(text), api_v1.mask_phone(text) TO shouwang_reader, shouwang_privileged;
GRANT EXECUTE ON FUNCTION api_v1.person_by_id_number(text, text, text) TO shouwang_reader, shouwang_privileged;
GRANT USAGE ON SCHEMA api_v1_full TO shouwang_privileged;
GRANT SELECT ON ALL TABLES IN SCHEMA api_v1_full TO shouwang_privileged;
GRANT EXECUTE ON FUNCTION api_v1_full.read_persons() TO shouwang_privileged;
GRANT USAGE ON SCHEMA master, master_candidate, mart, staging, linkage, raw, quarantine, ops, ref
    TO shouwang_pipeline;
GRANT ALL ON ALL TABLES IN SCHEMA master, master_candidate, mart, staging, linkage, raw, quarantine, ops, ref
    TO shouwang_pipeline;
GRANT ALL ON ALL SEQUENCES IN SCHEMA master, master_candidate, mart, staging, linkage, raw, quarantine, ops
    TO shouwang_pipeline;
GRANT INSERT, SELECT ON audit.lookup TO shouwang_pipeline;
GRANT USAGE ON SEQUENCE audit.lookup_lookup_id_seq TO shouwang_pipeline;
