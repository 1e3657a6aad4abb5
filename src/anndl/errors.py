"""Errors that the CLI reports as one line with exit code 2 (bad config, bad data, bad usage)."""


class AnndlError(Exception):
    """A problem with the user's input, reported without a traceback (exit code 2)."""


class ConfigError(AnndlError):
    """A config file or override is invalid: names the file, the key and what is allowed."""


class DataError(AnndlError):
    """A data file is missing, corrupt, or holds arrays of the wrong shape."""


class RunError(Exception):
    """The run itself failed (exit code 1), e.g. training diverged.

    ``partial_metrics`` (optional) are the numbers measured before the failure; the run record
    writes them to metrics.json so that the work up to that point is not lost.
    """

    def __init__(self, message: str, partial_metrics: dict | None = None):
        super().__init__(message)
        self.partial_metrics = partial_metrics

    def __reduce__(self):  # keep partial_metrics when a worker process sends the error back
        return type(self), (str(self), self.partial_metrics)
