-- The HTTP API's own database role (issue 7): least privilege for the process that faces other
-- systems. `shouwang serve` switches every connection to shouwang_api (SET ROLE), so that even a
-- mistake in the API's SQL cannot read staging, linkage, the raw archive or the hash key, nor write
-- anything but alert feedback and its own audit rows.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shouwang_api') THEN
        CREATE ROLE shouwang_api NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA api_v1, master, mart, audit TO shouwang_api;
-- reads: the api views, the current master (views over the history tables), the roster and alerts
GRANT SELECT ON ALL TABLES IN SCHEMA api_v1 TO shouwang_api;
GRANT SELECT ON master.person, master.household, master.membership, master.person_key TO shouwang_api;
GRANT SELECT ON mart.roster, mart.household_profile TO shouwang_api;
-- alert feedback from township staff: the alert's status and its history row
GRANT SELECT, UPDATE ON mart.alert TO shouwang_api;
GRANT INSERT ON mart.alert_history TO shouwang_api;
GRANT USAGE ON SEQUENCE mart.alert_history_history_id_seq TO shouwang_api;
-- tokens (read), the audit trail (append), the keyed hash (a definer function; the key stays hidden)
GRANT SELECT ON audit.api_token TO shouwang_api;
GRANT INSERT ON audit.lookup TO shouwang_api;
GRANT USAGE ON SEQUENCE audit.lookup_lookup_id_seq TO shouwang_api;
GRANT EXECUTE ON FUNCTION audit.id_hash(text) TO shouwang_api;
