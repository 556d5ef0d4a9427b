"""What only the Lambda functions need: secrets at cold start, one event loop per
execution environment, and the Powertools glue between AWS events and `shared.calls`."""
