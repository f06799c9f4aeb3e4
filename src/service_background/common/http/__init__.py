"""The HTTP server: protocol, request and response, router, endpoint, errors and the app that ties them."""
