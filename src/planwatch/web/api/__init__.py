"""The open API: /api/v1/ (django-ninja), documented by its OpenAPI 3 schema."""
