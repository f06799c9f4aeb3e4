"""The domain jobs: the job queue."""
