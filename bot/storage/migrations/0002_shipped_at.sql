-- Schema version 2: when the seller shipped the order (the wizard asks in the not-received
-- branch). AliExpress may refuse a non-delivery dispute until about 10 days after shipping
-- (seeds/003), so the bot warns; NULL when the buyer skipped the question.
ALTER TABLE disputes ADD COLUMN shipped_at TEXT;
