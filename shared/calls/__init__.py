"""Call use cases shared by the API and the workers: triggering, and the queries they need."""
