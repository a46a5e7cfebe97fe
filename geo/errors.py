"""Exceptions of the geo package: one base, narrow subclasses."""


class GeoError(ValueError):
    """Base class of every error raised by geo/."""


class EmptyTrackError(GeoError):
    """An operation needs at least one (or two) fixes."""
