"""Logic bases: commands, command sets and the controller base."""
