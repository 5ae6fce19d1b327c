"""Domain errors. The web edge maps each to an HTTP answer in one middleware."""


class DomainError(Exception):
    """Base of errors a person can cause and be told about."""


class ValidationFailed(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(DomainError):
    """The thing already exists (a taken username, a used email)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    """The person may see the thing but not do this to it (not a moderator, not invited)."""


class TooManyAttempts(DomainError):
    """A rate limit was hit; `retry_after` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class ConfigurationMissing(Exception):
    """A programming error: a component was built without what it needs."""
