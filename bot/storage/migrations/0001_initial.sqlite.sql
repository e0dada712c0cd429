-- Dispute Helper schema, version 1.
--
-- Instants are ISO-8601 UTC text with microseconds and a trailing Z, always the same width
-- ("2025-01-31T09:00:00.000000Z"), so text order is time order and indexes on them work.
-- Money is integer minor units plus an ISO 4217 code, never a float.
-- Ids that can end up in callback data use AUTOINCREMENT so a deleted row's id is never
-- reused: a stale button can then never point at somebody's newer dispute or reminder.

CREATE TABLE users (
    user_id          INTEGER PRIMARY KEY,
    language         TEXT,
    timezone         TEXT,
    -- The buyer's own waking hours for reminders; NULL: the operator's REMINDER_HOURS.
    remind_from_hour INTEGER CHECK (remind_from_hour BETWEEN 0 AND 23),
    remind_to_hour   INTEGER CHECK (remind_to_hour BETWEEN 0 AND 24),
    blocked          INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE disputes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id              INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    order_id             TEXT NOT NULL,
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
    CHECK ((amount_paid_minor IS NULL) = (amount_paid_currency IS NULL)),
    CHECK ((refund_minor IS NULL) = (refund_currency IS NULL))
);

-- One active case per order per buyer; closed ones may pile up (a buyer may reopen later).
CREATE UNIQUE INDEX disputes_one_active_per_order
    ON disputes (user_id, order_id) WHERE stage != 'closed';
CREATE INDEX disputes_by_user ON disputes (user_id, id);

CREATE TABLE evidence (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    dispute_id     INTEGER NOT NULL REFERENCES disputes (id) ON DELETE CASCADE,
    file_id        TEXT NOT NULL,
    file_unique_id TEXT NOT NULL,
    kind           TEXT NOT NULL,
    mime_type      TEXT,
    file_size      INTEGER,
    file_name      TEXT,
    caption        TEXT,
    media_group_id TEXT,
    position       INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (dispute_id, file_unique_id)
);

-- The reminder outbox. A row is the promise to send; the dispatcher claims it
-- (pending -> sending), sends, then marks it sent. Re-planning is idempotent through the
-- UNIQUE key.
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    dispute_id      INTEGER NOT NULL REFERENCES disputes (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    deadline_at     TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'cancelled', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_message_id INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (dispute_id, kind, deadline_at)
);

-- "Next N pending due <= now ordered by due_at" and "earliest pending due_at" are both a
-- short range scan of this index, however many rows are pending in the future.
CREATE INDEX reminders_dispatch ON reminders (state, due_at);
-- Rows waiting out a retry back-off: few, but the dispatcher must know when the first wakes.
CREATE INDEX reminders_retry ON reminders (next_attempt_at)
    WHERE state = 'pending' AND next_attempt_at IS NOT NULL;
CREATE INDEX reminders_by_user ON reminders (user_id, state);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    dispute_id INTEGER NOT NULL REFERENCES disputes (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_dispute ON events (dispute_id, id);

-- python-telegram-bot persistence (SqlitePersistence). JSON text, never pickle.
CREATE TABLE user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE chat_data (
    chat_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);
CREATE TABLE bot_data (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL
);
CREATE TABLE callback_data (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL
);
-- key: the ConversationHandler key as a compact JSON array, e.g. [123,123].
CREATE TABLE conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
