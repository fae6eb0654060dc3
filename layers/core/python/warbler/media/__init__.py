"""Media: uploads to S3 through presigned POSTs, processing, attaching to tweets (README "Media uploads")."""
