"""Worker liveness: each ``kiotsync worker`` process beats into the database, and a probe task
travels through the queue, so ``/healthz`` can tell that tasks are actually being served."""
