"""Amazon Web Services adapter (boto3)."""
