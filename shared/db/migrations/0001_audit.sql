-- The audit of every call: what was asked, what happened, what it cost.
-- Enum values mirror shared/domain/call.py; a new value needs a new migration.

CREATE TABLE campaigns (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    window_start time NOT NULL,
    window_end time NOT NULL,
    timezone text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaigns_window_check CHECK (window_start < window_end)
);

CREATE TABLE calls (
    id uuid PRIMARY KEY,
    campaign_id uuid REFERENCES campaigns (id),
    driver_id text NOT NULL CHECK (length(driver_id) BETWEEN 1 AND 64),
    trip_id text CHECK (length(trip_id) BETWEEN 1 AND 64),
    phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    status text NOT NULL CHECK (status IN (
        'queued', 'waiting_window', 'dialing', 'in_progress', 'retry_scheduled',
        'completed', 'unreachable', 'failed'
    )),
    outcome text CHECK (outcome IN (
        'confirmed', 'updated', 'created', 'transferred', 'ended_without_change', 'unreachable'
    )),
    outcome_reason text,
    idempotency_key text,
    request_fingerprint text,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,
    call_time timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    ended_at timestamptz,
    stt_audio_seconds double precision NOT NULL DEFAULT 0 CHECK (stt_audio_seconds >= 0),
    llm_input_tokens integer NOT NULL DEFAULT 0 CHECK (llm_input_tokens >= 0),
    llm_output_tokens integer NOT NULL DEFAULT 0 CHECK (llm_output_tokens >= 0),
    llm_cache_read_tokens integer NOT NULL DEFAULT 0 CHECK (llm_cache_read_tokens >= 0),
    llm_cache_write_tokens integer NOT NULL DEFAULT 0 CHECK (llm_cache_write_tokens >= 0),
    tts_characters integer NOT NULL DEFAULT 0 CHECK (tts_characters >= 0),
    cost_usd numeric(10, 5) CHECK (cost_usd >= 0),
    -- Only a finished call has an outcome.
    CONSTRAINT calls_outcome_final_check CHECK (
        outcome IS NULL OR status IN ('completed', 'unreachable', 'failed')
    )
);

CREATE UNIQUE INDEX calls_idempotency_key_key ON calls (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Both serve the calls list's keyset order (created_at DESC, id DESC), with or without
-- a status filter.
CREATE INDEX calls_status_created_at_idx ON calls (status, created_at, id);
CREATE INDEX calls_created_at_idx ON calls (created_at, id);
CREATE INDEX calls_driver_id_idx ON calls (driver_id);

CREATE TABLE turns (
    id bigserial PRIMARY KEY,
    call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq integer NOT NULL CHECK (seq >= 0),
    speaker text NOT NULL CHECK (speaker IN ('karla', 'driver', 'system')),
    text text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    interrupted boolean NOT NULL DEFAULT false,
    latency jsonb,
    CONSTRAINT turns_call_seq_key UNIQUE (call_id, seq)
);

CREATE TABLE tool_calls (
    id bigserial PRIMARY KEY,
    call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    tool_call_id text NOT NULL,
    tool text NOT NULL,
    args jsonb NOT NULL,
    result jsonb,
    readiness text NOT NULL CHECK (readiness IN ('ready', 'refused', 'failed')),
    error text,
    latency_ms double precision NOT NULL CHECK (latency_ms >= 0),
    client_request_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tool_calls_call_tool_call_key UNIQUE (call_id, tool_call_id)
);

CREATE TABLE attempts (
    id bigserial PRIMARY KEY,
    call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    attempt_no integer NOT NULL CHECK (attempt_no >= 1),
    result text NOT NULL DEFAULT 'dialing' CHECK (result IN (
        'dialing', 'answered', 'no_answer', 'busy', 'voicemail', 'rejected', 'failed'
    )),
    telephony_session_id text,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    CONSTRAINT attempts_call_attempt_no_key UNIQUE (call_id, attempt_no)
);
