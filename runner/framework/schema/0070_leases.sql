-- Ownership is a lease in the ledger, not a session lock. A transaction-mode pooler (PgBouncer)
-- hands a server session to other clients between transactions and keeps it after the client is
-- gone, so a session advisory lock says nothing about who works on a partition or whether a
-- runner process is alive. Instead:
--   partitions.lease_owner       the runner process working on a running partition (its id in
--                                run_runners; the worker is claimed_by);
--   partitions.lease_expires_at  until when; renewed by each batch's commit and by the process's
--                                heartbeat, well inside the lease. A running partition is taken
--                                over only once its lease has expired (or was released: NULL).
--   run_runners.lease_expires_at a runner process is alive while it has not ended and its lease,
--                                renewed by the same heartbeat, has not expired (`status`).
-- The batch's cursor guard still decides what is written: a lease only says who should work.
ALTER TABLE pgphase.partitions
ADD COLUMN lease_owner text,
ADD COLUMN lease_expires_at timestamptz;

ALTER TABLE pgphase.run_runners
ADD COLUMN lease_expires_at timestamptz;

COMMENT ON COLUMN pgphase.partitions.lease_owner IS 'The runner process working on this running partition (NULL: released or never claimed).';

COMMENT ON COLUMN pgphase.partitions.lease_expires_at IS 'Until when lease_owner holds the partition; another worker takes it over only after this.';

COMMENT ON COLUMN pgphase.run_runners.lease_expires_at IS 'The runner process is alive until this (renewed by its heartbeat) unless it ended.';
