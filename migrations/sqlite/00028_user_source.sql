-- +goose Up
-- Where a user comes from: 'local' (a password kept here) or a sign-in
-- provider of the office ('ldap', 'oidc'), which vouches for the person
-- on each sign-in; external_id is the person's stable id there (the
-- directory entry's DN or GUID, the OpenID subject). Such users have no
-- password here (password_hash '').
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_source_external_id ON users (source, external_id) WHERE external_id IS NOT NULL;

-- +goose Down
DROP INDEX users_source_external_id;
ALTER TABLE users DROP COLUMN external_id;
ALTER TABLE users DROP COLUMN source;
