-- Engine tables, version 5: retention of the changelog.

-- How far each peer has read this node's changelog of each table: the
-- lowest seq it still needs (0: all of it, during a first copy), as last
-- seen in its pulls, its pushes and this node's pushes to it. A purge
-- keeps every entry a peer still needs.
CREATE TABLE IF NOT EXISTS _nunez_acks (
  peer VARCHAR(64) NOT NULL,
  tbl VARCHAR(64) NOT NULL,
  need BIGINT UNSIGNED NOT NULL,
  seen_at DATETIME(6) NOT NULL,
  PRIMARY KEY (peer, tbl)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How far each table's changelog was purged: entries at or below upto
-- may be gone, and a position that needs one of them has expired. When
-- the last purge began, in us since the epoch as gaps are timed.
CREATE TABLE IF NOT EXISTS _nunez_purged (
  tbl VARCHAR(64) NOT NULL PRIMARY KEY,
  upto BIGINT UNSIGNED NOT NULL,
  purged_us BIGINT NOT NULL,
  purged_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The node's history, kept for retention.historyDays.
CREATE INDEX IF NOT EXISTS finished_at ON _nunez_sync_log (finished_at);
CREATE INDEX IF NOT EXISTS resolved_at ON _nunez_conflicts (resolved_at);
