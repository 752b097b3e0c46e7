-- A probability with the book's margin already in it -> an American price, rounded to a
-- multiple of p_step (1 for sharp books, 5 for soft ones): q >= 0.5 -> -100q/(1-q) (a
-- favourite, <= -100), q < 0.5 -> +100(1-q)/q (an underdog, >= +100). Used by the generator.
CREATE OR REPLACE FUNCTION pipeline.sample_american_odds (p_probability double precision, p_step integer) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_probability >= 0.5 THEN -(round(100 * p_probability / (1 - p_probability) / p_step) * p_step)::integer
    ELSE (round(100 * (1 - p_probability) / p_probability / p_step) * p_step)::integer
  END
$$;
