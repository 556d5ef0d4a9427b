-- The control plane's due index and the telephony lookup.
--
-- `check_at` is when the scheduler's sweep must next look at a call if nothing else moves
-- it: a retry or a window opening coming due (then equal to `next_attempt_at`, which stays
-- what the client reads), a dial with no verdict from telephony, an answered call whose
-- media never attached. Written from the control plane's clock, so tests can move it.

ALTER TABLE calls ADD COLUMN check_at timestamptz;

-- Only open calls are ever swept; finished ones leave the index by their status.
CREATE INDEX calls_open_check_at_idx ON calls (check_at)
    WHERE status IN ('queued', 'waiting_window', 'dialing', 'in_progress', 'retry_scheduled');

-- Telephony-session events name RingCentral's session, never Karla's call.
CREATE INDEX attempts_telephony_session_id_idx ON attempts (telephony_session_id)
    WHERE telephony_session_id IS NOT NULL;

-- Campaign progress counts a campaign's calls by status.
CREATE INDEX calls_campaign_id_idx ON calls (campaign_id) WHERE campaign_id IS NOT NULL;
