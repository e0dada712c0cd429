-- Schema version 4 on PostgreSQL (0004_wizard_in_disputes.sqlite.sql says why): a draft may
-- lack its order number, the wizard's lookup gets its partial index, and the last table of
-- python-telegram-bot's persistence goes. PostgreSQL drops a NOT NULL in place: no rebuild.
ALTER TABLE disputes ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE disputes ADD CONSTRAINT disputes_order_id_or_draft
    CHECK (order_id IS NOT NULL OR stage = 'draft');
CREATE INDEX disputes_in_wizard ON disputes (user_id, updated_at)
    WHERE wizard_step IS NOT NULL AND stage != 'closed';
DROP TABLE conversations;
