"""Optional OpenTelemetry tracing: spans only when opentelemetry-api is installed and a provider is set."""
