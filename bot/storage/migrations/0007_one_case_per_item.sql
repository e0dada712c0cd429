-- Schema version 7: one case per item of an order, and the timers the buyer reads off their
-- own dispute page.
--
-- The guides open a separate dispute for each item of an order, so an order may hold several
-- active cases: what must not repeat is the item, named by the buyer's title. The unique key
-- takes the title trimmed and lower-cased, an untitled case as '' (the bot compares titles
-- more thoroughly itself, with Unicode case folding and spaces collapsed, before it saves:
-- this index is the backstop). Drafts are left out: while the wizard asks a second case of an
-- order for its title, that draft may briefly look like the first; it cannot be confirmed so.
-- The same SQL on SQLite and PostgreSQL.
DROP INDEX disputes_one_active_per_order;
CREATE UNIQUE INDEX disputes_one_active_per_item
    ON disputes (user_id, order_id, coalesce(lower(trim(item_title)), ''))
    WHERE stage NOT IN ('closed', 'draft');

-- The timer an escalated dispute's page shows, as the buyer read it (no default exists).
ALTER TABLE disputes ADD COLUMN review_due TEXT;
-- Which deadlines the buyer read off their own page (the others are the rules table's
-- defaults): DeadlineField values separated by commas, '' for none.
ALTER TABLE disputes ADD COLUMN own_deadlines TEXT NOT NULL DEFAULT '';
