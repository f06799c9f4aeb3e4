"""Service bases: commandable and REST services, status, heartbeat and the OpenAPI document."""
