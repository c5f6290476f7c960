"""Domain errors. Views and the API map them to HTTP in one place."""


class DomainError(Exception):
    """A request that is well-formed but breaks a business rule (HTTP 409/422)."""

    code = "domain_error"
    status_code = 422

    def __init__(self, message: str, *, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ConflictError(DomainError):
    code = "conflict"
    status_code = 409
