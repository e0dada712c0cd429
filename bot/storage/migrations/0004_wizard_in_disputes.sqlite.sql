-- Schema version 4: the dispute row is the only record of where a buyer is in the wizard.
--
-- The wizard no longer runs as a ConversationHandler, so PTB's persistence is gone and its
-- last table, conversations, goes with it. A draft row is created at /new, before the order
-- number is known: disputes.order_id becomes nullable. SQLite cannot drop a NOT NULL in
-- place, so the table is rebuilt (SQLite's documented procedure; migrations run with foreign
-- keys off, and the engine checks every reference afterwards). The AUTOINCREMENT sequence is
-- carried over, so an id once used is still never reused. NULL order numbers never collide
-- in the one-active-case-per-order index (NULLs are distinct), and the wizard's one query
-- per update (the buyer's draft with a wizard_step) gets its own small partial index.
CREATE TABLE disputes_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id              INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    order_id             TEXT,
    stage                TEXT NOT NULL,
    wizard_step          TEXT,
    item_title           TEXT,
    amount_paid_minor    INTEGER,
    amount_paid_currency TEXT,
    protection_end       TEXT,
    branch               TEXT,
    reason               TEXT,
    receipt_confirmed    INTEGER CHECK (receipt_confirmed IN (0, 1)),
    receipt_confirmed_at TEXT,
    refund_option        TEXT,
    refund_minor         INTEGER,
    refund_currency      TEXT,
    description          TEXT,
    claim_text           TEXT,
    opened_at            TEXT,
    seller_deadline      TEXT,
    escalation_at        TEXT,
    evidence_due         TEXT,
    closed_at            TEXT,
    outcome              TEXT,
    muted                INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
    return_post_by       TEXT,
    refund_received_at   TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    shipped_at           TEXT,
    CHECK ((amount_paid_minor IS NULL) = (amount_paid_currency IS NULL)),
    CHECK ((refund_minor IS NULL) = (refund_currency IS NULL)),
    -- Only a draft may lack its order number (the wizard's step 1).
    CHECK (order_id IS NOT NULL OR stage = 'draft')
);

INSERT INTO disputes_new
SELECT id, user_id, order_id, stage, wizard_step, item_title, amount_paid_minor,
       amount_paid_currency, protection_end, branch, reason, receipt_confirmed,
       receipt_confirmed_at, refund_option, refund_minor, refund_currency, description,
       claim_text, opened_at, seller_deadline, escalation_at, evidence_due, closed_at, outcome,
       muted, return_post_by, refund_received_at, created_at, updated_at, shipped_at
FROM disputes;

DELETE FROM sqlite_sequence WHERE name = 'disputes_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'disputes_new', seq FROM sqlite_sequence WHERE name = 'disputes';

DROP TABLE disputes;
ALTER TABLE disputes_new RENAME TO disputes;

-- One active case per order per buyer; closed ones may pile up (a buyer may reopen later).
CREATE UNIQUE INDEX disputes_one_active_per_order
    ON disputes (user_id, order_id) WHERE stage != 'closed';
CREATE INDEX disputes_by_user ON disputes (user_id, id);
CREATE INDEX disputes_in_wizard ON disputes (user_id, updated_at)
    WHERE wizard_step IS NOT NULL AND stage != 'closed';

DROP TABLE conversations;
