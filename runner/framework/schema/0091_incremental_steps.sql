-- Incremental runs: a step can go over the keys added since the last time it finished, instead of
-- its whole source. run_steps.from_key is the exclusive lower bound a new run's step starts above
-- (NULL: the whole source); run_steps.to_key is the highest key the step covered when it was
-- planned (its source's max key then, or from_key when nothing was added), which the next
-- incremental run of the same phase and source starts above. A step is incremental when its
-- declaration says so ("incremental": true) or `run --incremental` asks, and never with
-- `run --full`.
ALTER TABLE pgphase.run_steps
ADD COLUMN from_key bigint,
ADD COLUMN to_key bigint;

COMMENT ON COLUMN pgphase.run_steps.from_key IS 'Incremental: the step covers keys above this (NULL: the whole source).';

COMMENT ON COLUMN pgphase.run_steps.to_key IS 'The highest key the step covered, set when it is planned: the next incremental run starts above it.';
