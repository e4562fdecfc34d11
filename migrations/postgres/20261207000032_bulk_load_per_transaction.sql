-- Bulk mode belongs to the loading transaction, not to the site. A row of bulk_loads used to be
-- written on its own for a whole `quill import` or `quill seed`, and a load killed midway left
-- it there: every notification stayed silent for good. Now a load's transactions each set
-- `quill.bulk_load` with SET LOCAL, which ends with the transaction however it ends; this view,
-- which the notification triggers read by name, shows a row only inside such a transaction.
DROP TABLE bulk_loads;
CREATE VIEW bulk_loads AS
    SELECT 1 AS loading WHERE current_setting('quill.bulk_load', true) = 'on';
