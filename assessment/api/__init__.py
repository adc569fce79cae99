"""The JSON API under /api/v1 (CONTRACT.md): bearer tokens, problem+json, OpenAPI 3.1."""
