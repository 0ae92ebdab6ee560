-- 0004: a claim that costs the same at any queue size (issue 14).
--
-- store_outbox_claim takes the first ready rows in id order. Through
-- outbox_ready it gathered every ready row of both states and sorted
-- them (130 ms per claim at a million queued rows, a quadratic send).
-- This index holds only the rows still to send, in id order: a claim
-- walks it from the start and stops at its batch, while sent and failed
-- rows leave it. (outbox_ready stays: releasing our claims and counting
-- the queue look rows up by state.)
CREATE INDEX outbox_pending ON outbox (id)
  WHERE state IN ('queued', 'deferred', 'claimed');
