"""Call use cases shared by the API and the workers: triggering, dispatching, telephony
events, redials, the scheduler's sweep and campaigns, with the queries they need."""
