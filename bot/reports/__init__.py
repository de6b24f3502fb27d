"""Texts and documents made from the services' data: digests, workbooks, charts, briefs."""
