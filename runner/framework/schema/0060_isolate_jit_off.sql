-- pgphase.isolate runs without JIT, whoever calls it (the runner, or a DBA's hand CALL of a step
-- procedure). Its statements are planned with enable_seqscan and enable_nestloop off; on
-- PostgreSQL 15-17 a disabled plan node costs 1e10, which puts every plan past jit_above_cost,
-- jit_inline_above_cost and jit_optimize_above_cost, so a server with JIT on (Debian's and PGDG's
-- packages, most managed services) compiled every statement of every batch with LLVM, inlining
-- and optimisation included: seconds per call, where the statement itself takes milliseconds.
-- A SET clause is restored when the procedure returns: the session's setting is untouched.
ALTER PROCEDURE pgphase.isolate (
  jsonb,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  jsonb
)
SET
  jit = off;
