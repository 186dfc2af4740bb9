"""Domain errors; the service layer maps each kind to an HTTP answer.

Hierarchy::

    DomainError
    ├── InvalidInput      (the request is malformed for this ticket: 400)
    │   └── RequestClosed (a comment on a closed or canceled request: 400)
    ├── NotPermitted      (the caller's role may not do this: 403)
    ├── InvalidState      (not possible in the ticket's current status: 409)
    └── TooLarge          (an upload past a size or count limit: 413)
"""


class DomainError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class InvalidInput(DomainError):
    pass


class RequestClosed(InvalidInput):
    pass


class NotPermitted(DomainError):
    pass


class InvalidState(DomainError):
    pass


class TooLarge(DomainError):
    pass
