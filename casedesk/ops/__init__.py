"""Running the desk: liveness and readiness probes, Prometheus metrics."""
