"""The deployed topology, as docs/deploy.md describes it: both emulators, ``kiotsync migrate``,
``kiotsync serve`` and two ``kiotsync worker`` processes, each a separate OS process configured
only by its environment, driven over HTTP like a merchant and the two platforms would."""
