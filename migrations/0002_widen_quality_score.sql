-- The plan's critical fix: data_quality_score is a 0-100 score, which numeric(3,2) (max 9.99)
-- cannot hold; 1,943 of 23,391 records failed on it. numeric(5,2) holds 0.00-999.99.
-- Widening a numeric's precision is a catalog-only change in PostgreSQL (no table rewrite), but it
-- still takes an ACCESS EXCLUSIVE lock briefly: the migration's lock_timeout and retry ladder apply.
-- Up Migration
-- squawk-ignore-file changing-column-type -- more numeric precision at the same scale is catalog-only (no rewrite); the lock is bounded by lock_timeout
ALTER TABLE staging.games
ALTER COLUMN data_quality_score TYPE numeric(5, 2);

ALTER TABLE staging.moneylines
ALTER COLUMN data_quality_score TYPE numeric(5, 2);

ALTER TABLE staging.spreads
ALTER COLUMN data_quality_score TYPE numeric(5, 2);

ALTER TABLE staging.totals
ALTER COLUMN data_quality_score TYPE numeric(5, 2);

-- Down Migration
-- Narrowing fails with SQLSTATE 22003 when a stored score no longer fits: that is deliberate.
ALTER TABLE staging.games
ALTER COLUMN data_quality_score TYPE numeric(3, 2);

ALTER TABLE staging.moneylines
ALTER COLUMN data_quality_score TYPE numeric(3, 2);

ALTER TABLE staging.spreads
ALTER COLUMN data_quality_score TYPE numeric(3, 2);

ALTER TABLE staging.totals
ALTER COLUMN data_quality_score TYPE numeric(3, 2);
