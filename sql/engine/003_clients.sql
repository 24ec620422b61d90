-- Engine tables, version 3: offline-first clients (/sync).

-- Every change a client sent, by its own id, written in the transaction
-- that applied it: a change sent again is answered, not applied again.
CREATE TABLE IF NOT EXISTS _nunez_client_changes (
  tenant VARCHAR(255) NOT NULL,
  client_change_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  client_id VARCHAR(48) NOT NULL,
  tbl VARCHAR(64) NOT NULL,
  pk VARCHAR(3072) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant, client_change_id),
  KEY created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
