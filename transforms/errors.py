"""The errors a user can act on, defined in schemas/errors.py (the configuration models raise them
too, and schemas/ imports nothing from transforms/); importable from here as before."""

from wrvu.schemas.errors import BusyError, InputError, QuarantineAlert, WrvuError

__all__ = ["BusyError", "InputError", "QuarantineAlert", "WrvuError"]
