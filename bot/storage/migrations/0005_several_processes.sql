-- Schema version 5: several bot processes on one database (PostgreSQL, issue 12). Portable:
-- the same on SQLite, where one process uses it alone.
--
-- inbox: each update the webhook acknowledged, stored before its 200 and deleted once
-- handled. chat_key groups a chat's updates (its chat id, else its user id, else 0), so that
-- one process at a time, holding the chat's lease, handles them in update_id order.
CREATE TABLE inbox (
    update_id   BIGINT PRIMARY KEY,
    chat_key    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX inbox_by_chat ON inbox (chat_key, update_id);

-- chat_leases: which process handles which chat's updates now; a lease not renewed by its
-- expiry (a killed process) is taken over.
CREATE TABLE chat_leases (
    chat_key   BIGINT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX chat_leases_by_owner ON chat_leases (owner);

-- handled_updates: an update whose effects are committed. Recorded in the same transaction
-- as the handler's writes, so an update delivered twice, or taken over after a crash, is
-- never applied twice. Pruned after two days (Telegram keeps an update one day).
CREATE TABLE handled_updates (
    update_id  BIGINT PRIMARY KEY,
    handled_at TEXT NOT NULL
);
CREATE INDEX handled_updates_by_age ON handled_updates (handled_at);

-- processes: a heartbeat per running bot process. Live processes share the outgoing budget
-- (Telegram's 30 messages/s is for the bot, not per process), and a reminder in 'sending'
-- whose process stopped beating is sent again.
CREATE TABLE processes (
    id      TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);

-- The process a 'sending' reminder is in flight in; and never two in flight for one buyer,
-- whichever processes send (a crash then repeats at most one reminder per buyer).
-- A send interrupted by the upgrade's stop goes again, as at every start.
ALTER TABLE reminders ADD COLUMN claimed_by TEXT;
UPDATE reminders SET state = 'pending' WHERE state = 'sending';
CREATE UNIQUE INDEX reminders_one_sending_per_buyer ON reminders (user_id)
    WHERE state = 'sending';
