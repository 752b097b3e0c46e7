-- no-transaction
-- The plan's index for reading validated totals by game and quality. Built CONCURRENTLY so that
-- writers are not blocked; a build that fails or is interrupted leaves an INVALID index, which
-- the next `pgphase migrate` drops and rebuilds.
-- Up Migration
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_staging_totals_game_id_quality ON staging.totals (game_id, data_quality_score)
WHERE
  validation_status = 'validated';

-- Down Migration
DROP INDEX CONCURRENTLY IF EXISTS staging.idx_staging_totals_game_id_quality;
