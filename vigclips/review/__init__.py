"""Guider review: the local review page and the decisions it writes (``moments.json`` itself is :mod:`vigclips.moments_file`)."""

from vigclips.moments_file import MOMENTS_FILE, STATUSES, read_moments, sha256_file, write_moments

__all__ = ["MOMENTS_FILE", "STATUSES", "read_moments", "sha256_file", "write_moments"]
