-- The plainest write transaction: one INSERT of a short row (autocommit),
-- the ceiling the booking storm is compared with.
INSERT INTO pb_plain (v) VALUES ('x');
