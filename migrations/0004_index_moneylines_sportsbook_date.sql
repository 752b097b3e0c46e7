-- no-transaction
-- The plan's index for reading moneylines by book and processing time (the plan's
-- `sportsbook_name` is `sportsbook` in the data contract). Built CONCURRENTLY, see 0003.
-- Up Migration
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_staging_moneylines_sportsbook_date ON staging.moneylines (sportsbook, processed_at);

-- Down Migration
DROP INDEX CONCURRENTLY IF EXISTS staging.idx_staging_moneylines_sportsbook_date;
