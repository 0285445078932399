"""The guider's decisions coming back: the local review page (:mod:`~vigclips.review.server`, one recording;
:mod:`~vigclips.review.batch_page`, a batch) and corrections made in ELAN (:mod:`~vigclips.review.elan_import`).

The decisions themselves and ``moments.json`` belong to :mod:`vigclips.results`.
"""
