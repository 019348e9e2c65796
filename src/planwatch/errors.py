"""Errors a user can act on: each carries one line saying what is wrong and what to do."""


class PlanReadError(Exception):
    """A file could not be read as an action plan; the message is shown to the user as is."""
