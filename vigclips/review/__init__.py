"""Guider review: the ``moments.json`` store (and, later, the local review page)."""

from vigclips.review.store import MOMENTS_FILE, STATUSES, read_moments, sha256_file, write_moments

__all__ = ["MOMENTS_FILE", "STATUSES", "read_moments", "sha256_file", "write_moments"]
