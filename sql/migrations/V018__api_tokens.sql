-- HTTP API tokens (issue 7): each bound to a client, a role and the townships it may see (NULL: all).
-- Only the token's SHA-256 is stored; the token itself is shown once, when it is made.
CREATE TABLE IF NOT EXISTS audit.api_token (
    token_hash  text PRIMARY KEY,
    client      text NOT NULL,
    role        text NOT NULL CHECK (role IN ('reader', 'privileged')),
    townships   text[],
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
