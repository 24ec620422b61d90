-- Engine tables, version 4: a tenant's changes found by index; cursor
-- tokens sealed.

-- The /sync feed reads one tenant's entries of a table after a seq:
-- by this index it reads no other tenant's.
CREATE INDEX IF NOT EXISTS tbl_tenant_seq ON _nunez_changelog (tbl, tenant, seq);

-- From this version on the node seals the cursor tokens it hands out
-- (the key, "cursor_key", is made on first use). A database that was in
-- use already has peers and clients holding unsealed tokens: this row
-- says when it was sealed and how far its changelog went, so that such
-- a token is still taken for sync.legacyCursorGraceSeconds. A new
-- database gets no row, and never takes an unsealed token.
INSERT IGNORE INTO _nunez_meta (name, value)
SELECT 'cursor_legacy', CONCAT(UNIX_TIMESTAMP(), ' ', (SELECT COALESCE(MAX(seq), 0) FROM _nunez_changelog))
FROM DUAL WHERE EXISTS (SELECT 1 FROM _nunez_changelog) OR EXISTS (SELECT 1 FROM _nunez_cursors);
