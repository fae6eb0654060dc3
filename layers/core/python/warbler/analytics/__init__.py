"""Analytics: the activity lake (Kinesis → Firehose → S3) and the daily/weekly reports over it.

``figures.sql`` holds every figure; ``figures`` renders it for a period; ``engines`` runs it on
DuckDB or Athena; ``report`` decides what is due and writes/mails it; ``render`` draws it; every
AWS command is in ``store``. The pipeline is described in docs/analytics.md.
"""
