"""What an operator sees of a running Plenary: errors reported to Sentry, log lines
that carry the request they belong to, and Prometheus metrics (docs/OPERATIONS.md,
"Errors, logs and metrics")."""
