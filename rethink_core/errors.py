"""Errors with a one-line message for the user: raised for bad input, never a deep traceback."""


class RethinkError(Exception):
    """Base class: the message alone tells the user what is wrong and what to do."""


class DataError(RethinkError):
    """A data set is missing, damaged, or not usable (shape, dtype, labels, values)."""


class ConfigError(RethinkError):
    """An option or experiment setting has an impossible value."""


class MissingRunError(RethinkError):
    """``--no-train``: a run the claim needs is not in the results store."""
