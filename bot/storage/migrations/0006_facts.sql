-- Schema version 6: the facts of a case (issue 13), the answers to the per-reason questions the
-- wizard asks after the description (bot/domain/facts/). One JSON object per dispute, keyed by
-- the stable FactField values, as `Facts.to_json()` writes it; NULL when no fact was given.
ALTER TABLE disputes ADD COLUMN facts TEXT;
