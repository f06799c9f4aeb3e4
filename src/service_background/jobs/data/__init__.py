"""The jobs domain's data classes, by version."""
