"""Task dispatchers: the in-process pool and the Celery adapter."""
