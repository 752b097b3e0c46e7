-- The generator's only source of randomness: a uniform number in [0, 1) that is a pure function
-- of (seed, key, stream), so the same seed gives the same rows on every run and every server.
-- hashint8extended is PostgreSQL's stable 64-bit hash (hash partitioning relies on it not
-- changing). The key is hashed under the seed, and that hash again under the stream: one pass
-- with the stream folded into the key leaves draws of neighbouring streams correlated (a key
-- that differs in a few low bits is not mixed enough by a single finalisation); through the
-- seed argument every bit is mixed. key names the thing drawn for (a raw row, a game, a game x
-- book x round), stream the property, so draws for different purposes are independent; 53 bits
-- of the result make the double. Not random(): no setseed, no session state, parallel safe.
CREATE OR REPLACE FUNCTION pipeline.sample_u (p_seed bigint, p_key bigint, p_stream integer) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (hashint8extended(hashint8extended(p_key, p_seed), p_stream) & 9007199254740991)::double precision
         / 9007199254740992.0::double precision
$$;
