"""What every domain shares, by concern: HTTP server, services, clients, persistence bases, security,
concurrency, data helpers, logic bases and the factories of the shared components."""
