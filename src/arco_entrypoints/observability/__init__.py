"""What an operator sees of a running ARCO: JSON log lines, Prometheus metrics and, when configured, Sentry."""
