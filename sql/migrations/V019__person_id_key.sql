-- Serving (issue 7): ID-number lookups answered from a stored keyed hash.
--
-- master.person_key holds, for every current master person with an ID number, the keyed SHA-256 of
-- the normalised number (audit.hash_key is the key; no API role can read it or this table). A lookup
-- hashes the number it is given and finds the person through the index: the value itself is never
-- compared, logged or needed by the reader's path. Publish keeps the table in step with the current
-- master (audit.sync_person_key); audit.rebuild_person_key() rebuilds it, e.g. after a key rotation.
CREATE TABLE IF NOT EXISTS master.person_key (
    id_hash    text NOT NULL,
    person_id  text NOT NULL,
    PRIMARY KEY (id_hash, person_id)
);
CREATE INDEX IF NOT EXISTS person_key_person ON master.person_key (person_id);

-- Keys of the persons a publication opened, after dropping those of the persons it retired (a changed
-- person is both: retired and opened again in the same version).
CREATE OR REPLACE FUNCTION audit.sync_person_key(version integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM master.person_key k
        USING master.person_history h
        WHERE h.retired_version = sync_person_key.version AND k.person_id = h.person_id;
    INSERT INTO master.person_key (id_hash, person_id)
        SELECT encode(sha256(convert_to(hk.key || upper(regexp_replace(h.id_number, '\s', '', 'g')),
                                                 'UTF8')), 'hex'),
               h.person_id
        FROM master.person_history h CROSS JOIN audit.hash_key hk
        WHERE h.published_version = sync_person_key.version AND h.retired_version IS NULL
          AND h.id_number IS NOT NULL
        ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION audit.rebuild_person_key() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM master.person_key;
    INSERT INTO master.person_key (id_hash, person_id)
        SELECT encode(sha256(convert_to(hk.key || upper(regexp_replace(h.id_number, '\s', '', 'g')),
                                                 'UTF8')), 'hex'),
               h.person_id
        FROM master.person_history h CROSS JOIN audit.hash_key hk
        WHERE h.retired_version IS NULL AND h.id_number IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- A warehouse that already has a published master gets its keys now.
SELECT audit.rebuild_person_key();
ANALYZE master.person_key;

-- One person by ID number: found by the keyed hash, logged by it, returned masked.
CREATE OR REPLACE FUNCTION api_v1.person_by_id_number(id_number text, client text, purpose text)
RETURNS SETOF api_v1.person
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    h text := audit.id_hash(id_number);
    n integer;
BEGIN
    RETURN QUERY
        SELECT v.* FROM master.person_key k JOIN api_v1.person v ON v.person_id = k.person_id
        WHERE k.id_hash = h;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO audit.lookup (db_role, client, purpose, target, subject_hash, result_count)
    VALUES (session_user, client, purpose, 'api_v1.person_by_id_number', h, n);
END
$$;

REVOKE ALL ON master.person_key FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.sync_person_key(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.rebuild_person_key() FROM PUBLIC;
GRANT SELECT ON master.person_key TO shouwang_pipeline;
GRANT EXECUTE ON FUNCTION audit.sync_person_key(integer), audit.rebuild_person_key() TO shouwang_pipeline;
