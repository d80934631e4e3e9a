-- A feed's first load is no longer copied into the change log (it is all new, and staging says so:
-- valid_from = that delivery, change_kind 'new'). The log keeps what later deliveries changed.
COMMENT ON TABLE staging.change_log IS
    'What each delivery changed against the state before it (new / changed / removed keys). '
    'A feed''s first load is not listed: its rows are staging.<feed> rows with valid_from = that delivery.';
