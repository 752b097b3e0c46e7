-- A run's quarantine, kept with the run. pgphase.quarantine holds each rejected source row once,
-- and a later run (or a replay) that rejects it again takes it over (its run_id), so an older
-- run's breakdown by reason could not be read back from there. Each batch's sample now counts
-- the rows that batch quarantined, by reason code: the rows of pgphase.quarantine in its key range
-- that its own transaction wrote (last_seen_at = now(), the transaction's start, and its run).
-- NULL: not recorded (samples written before this file). A procedure that keeps its own
-- quarantine elsewhere leaves it {}, and the report counts its rejected rows as 'unrecorded'.
ALTER TABLE pgphase.batch_samples
ADD COLUMN quarantine_reasons jsonb;

COMMENT ON COLUMN pgphase.batch_samples.quarantine_reasons IS 'Rows this batch quarantined, by reason code ({"bad_price": 3}); NULL when not recorded.';
