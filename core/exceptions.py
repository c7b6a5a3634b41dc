"""Domain exceptions raised by services and selectors.

The API maps them to its error envelope in one exception handler and the HTML views to form
errors or messages in one place, so every front door reports a broken rule the same way.
Field-level validation uses Django's own ``ValidationError`` (what ``full_clean`` raises).
"""


class DomainError(Exception):
    status_code = 400
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found."


class PermissionDenied(DomainError):
    status_code = 403
    default_message = "You do not have permission to perform this action."


class Conflict(DomainError):
    status_code = 409
    default_message = "The request conflicts with the current state."


class DuplicateCustomerNumber(Conflict):
    default_message = "Customer with this customer_no already exists in this branch"

    def __init__(self, message: str | None = None):
        super().__init__(message, field="customer_no")


class RecordLocked(DomainError):
    default_message = "This record is locked; a manager must unlock it before it can change."


class InvalidState(DomainError):
    default_message = "This action is not possible in the record's current state."


class PreconditionFailed(DomainError):
    """The caller edited a version of the record that is no longer the current one."""

    status_code = 412
    default_message = "The record changed since you read it; fetch it again."


class ServiceUnavailable(DomainError):
    """A service the request depends on (the job queue) cannot be reached; retrying later may work."""

    status_code = 503
    default_message = "The service is temporarily unavailable; try again in a few minutes."
