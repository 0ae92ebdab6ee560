-- 0005: the failure brake of `shortmail send` outlives the run that
-- pulled it (issue 15): while this row exists, each run sends one probe
-- message and stops unless the relay takes it; `shortmail queue resume`
-- deletes it.
CREATE TABLE send_pause (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  since  INTEGER NOT NULL,
  reason TEXT NOT NULL
);
