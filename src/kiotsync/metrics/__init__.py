"""``/metrics``: the deployment's figures in Prometheus' text format (docs/deploy.md, "Metrics").

Everything is read from the database and the queue's store at scrape time, so one scrape of any
``serve`` process sees the whole deployment: queue depth, workers alive, inbox backlog, webhook
latency, each shop's stock and order lag (the laggiest shops only), drifts, and the platform
calls' attempts, which each process adds to a table now and then (:mod:`.store`).
"""
