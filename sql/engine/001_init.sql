-- Engine tables, version 1. Statements end with ";" at the end of a line.

-- Every change to a replicated row, by key. Written by the capture
-- triggers; origin is the node that wrote the change, via the peer it
-- came from (NULL for a local write).
CREATE TABLE IF NOT EXISTS _nunez_changelog (
  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tbl VARCHAR(64) NOT NULL,
  pk VARCHAR(3072) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  op CHAR(1) NOT NULL,
  origin VARCHAR(64) NOT NULL,
  via VARCHAR(64) NULL,
  changed_at DATETIME(6) NOT NULL,
  tenant VARCHAR(255) NULL,
  KEY tbl_seq (tbl, seq),
  KEY tbl_pk (tbl, pk(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How far this database has received each peer's changes of each table
-- (an opaque cursor), written in the same transaction as the rows.
CREATE TABLE IF NOT EXISTS _nunez_cursors (
  peer VARCHAR(64) NOT NULL,
  tbl VARCHAR(64) NOT NULL,
  cursor_token MEDIUMTEXT NOT NULL,
  rows_applied BIGINT UNSIGNED NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (peer, tbl)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every conflict, decided or open, with both versions of the row.
CREATE TABLE IF NOT EXISTS _nunez_conflicts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tbl VARCHAR(64) NOT NULL,
  pk VARCHAR(3072) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  peer VARCHAR(64) NOT NULL,
  strategy VARCHAR(32) NOT NULL,
  winner VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  local_origin VARCHAR(64) NULL,
  remote_origin VARCHAR(64) NULL,
  local_ts VARCHAR(32) NULL,
  remote_ts VARCHAR(32) NULL,
  local_row LONGTEXT NULL,
  remote_row LONGTEXT NULL,
  resolution VARCHAR(32) NULL,
  created_at DATETIME(6) NOT NULL,
  resolved_at DATETIME(6) NULL,
  KEY status_id (status, id),
  KEY tbl_pk (tbl, pk(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per table and peer of every sync run.
CREATE TABLE IF NOT EXISTS _nunez_sync_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NOT NULL,
  peer VARCHAR(64) NOT NULL,
  tbl VARCHAR(64) NOT NULL,
  direction VARCHAR(32) NOT NULL,
  rows_in BIGINT UNSIGNED NOT NULL DEFAULT 0,
  rows_out BIGINT UNSIGNED NOT NULL DEFAULT 0,
  conflicts BIGINT UNSIGNED NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  message VARCHAR(1024) NULL,
  KEY peer_tbl (peer, tbl, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Engine settings and state: node id, purge point, ...
CREATE TABLE IF NOT EXISTS _nunez_meta (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  value VARCHAR(1024) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
