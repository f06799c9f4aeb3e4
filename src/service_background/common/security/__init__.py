"""Access control: bearer tokens, wrong-token limits and rate-limited refusal logs."""
