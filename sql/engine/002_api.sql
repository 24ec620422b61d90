-- Engine tables, version 2: what the HTTP API keeps.

-- Every applied push batch, written in the batch's transaction, so a
-- batch sent again is answered with these counts and applied once.
CREATE TABLE IF NOT EXISTS _nunez_batches (
  batch_id VARCHAR(64) NOT NULL PRIMARY KEY,
  peer VARCHAR(64) NOT NULL,
  tbl VARCHAR(64) NOT NULL,
  inserted BIGINT UNSIGNED NOT NULL,
  updated BIGINT UNSIGNED NOT NULL,
  deleted BIGINT UNSIGNED NOT NULL,
  unchanged BIGINT UNSIGNED NOT NULL,
  conflicts BIGINT UNSIGNED NOT NULL,
  total BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Nonces of signed requests until they expire: a replay is refused by
-- any worker and after a restart.
CREATE TABLE IF NOT EXISTS _nunez_nonces (
  nonce VARCHAR(64) NOT NULL PRIMARY KEY,
  expires_at DATETIME NOT NULL,
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
