-- Karla's own directory of drivers: the name she greets them by and the number that
-- identifies them when they call in. Filled from call triggers (the client's system has
-- no drivers endpoint in the /trips contract).

CREATE TABLE drivers (
    driver_id text PRIMARY KEY CHECK (length(driver_id) BETWEEN 1 AND 64),
    name text CHECK (length(name) BETWEEN 1 AND 120),
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX drivers_phone_idx ON drivers (phone);
