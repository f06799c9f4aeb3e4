"""Client bases: the commandable HTTP clients, the lean asyncio client and the outbound call policy."""
