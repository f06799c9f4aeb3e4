"""The jobs domain's clients, by version."""
