"""Ingestion, the front of the pipeline: poll feeds (fetch, feeds), turn each new entry into
an ArticleDraft (extract), with one canonical URL per article (urls). poller drives them."""
